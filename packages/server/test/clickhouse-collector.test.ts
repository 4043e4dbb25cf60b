// Sextant on a ClickHouse database that an OpenTelemetry Collector fills: rows inserted with the exporter's own
// INSERT statement (not Sextant's writer) are searched, shown, analysed, linked into the service map and counted
// into RED; and what Sextant writes answers the exporter's documented trace-by-id query. The real engine runs in
// this process through chdb.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, StatusCode } from '@sextant/core';
import { chdbMissing } from './support/chdb.js';
import { getJson, startTestServer } from './support/server.js';
import { hexId, makeSpan, resourceFor } from './support/spans.js';
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseStore as Store } from '../src/storage/clickhouse/store.js';
import { connect, parseClickHouseUrl } from '../src/storage/clickhouse/connect.js';
import { contribDdl, databaseDdl } from '../src/storage/clickhouse/schema.js';
import { linkMinute } from '../src/storage/clickhouse/dependencies.js';
import { DEFAULT_RETRY, insertRows } from '../src/storage/clickhouse/writer.js';
import type { RunningSextant } from '../src/server.js';

const skip = chdbMissing;
const dir = mkdtempSync(join(tmpdir(), 'sextant-ch-collector-'));
const url = (db: string) => `chdb:${dir}?database=${db}`;
const MINUTE = 60_000_000_000n;
// Two minutes ago, on a whole second: the exporter's lookup table keeps seconds.
const T0 = (BigInt(Date.now()) / 1000n - 120n) * 1_000_000_000n;

// A client of its own on the same engine, for the SQL a Collector (or a person) would send.
let sql: ClickHouseClient;

before(async () => {
  if (!skip) sql = await connect(parseClickHouseUrl(url('otel')));
});

after(async () => {
  await sql?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(query: string): Promise<void> {
  await sql.command({ query });
}

async function select<T>(query: string): Promise<T[]> {
  return (await sql.query({ query, format: 'JSONEachRow' })).json<T>();
}

const ns = (t: bigint) => `fromUnixTimestamp64Nano(toInt64(${t}))`;
const str = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const map = (m: Record<string, string>) => `map(${Object.entries(m).flatMap(([k, v]) => [str(k), str(v)]).join(', ') || ''})`;

interface ExporterSpan {
  trace: string;
  span: string;
  parent: string;
  name: string;
  kind: string;
  service: string;
  start: bigint;
  duration: bigint;
  status: string;
  attrs?: Record<string, string>;
}

/** One row exactly as the exporter's traces_insert.sql writes it (its column list, its value forms). */
function exporterInsert(db: string, rows: ExporterSpan[]): string {
  const values = rows.map((r) => `(${[
    ns(r.start),
    str(r.trace),
    str(r.span),
    str(r.parent),
    "''",
    str(r.name),
    str(r.kind),
    str(r.service),
    map({ 'service.name': r.service, 'host.name': 'node-1' }),
    str('io.opentelemetry.contrib.clickhouse'),
    str('1.0.0'),
    map(r.attrs ?? {}),
    String(r.duration),
    str(r.status),
    r.status === 'Error' || r.status === 'STATUS_CODE_ERROR' ? "'boom'" : "''",
    `[${ns(r.start + 1000n)}]`,
    "['event1']",
    "[map('level', 'info')]",
    '[]',
    '[]',
    '[]',
    '[]',
  ].join(', ')})`);
  return `INSERT INTO ${db}.otel_traces (
    Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName,
    ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage, Events.Timestamp, Events.Name, Events.Attributes,
    Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes
  ) VALUES ${values.join(',\n')}`;
}

const TRACE = hexId(16);
const LEGACY = hexId(16);
const ids = { root: hexId(8), call: hexId(8), cart: hexId(8), redis: hexId(8), legacy: hexId(8) };

test('rows written by the Collector exporter are searched, shown, analysed, mapped and counted', { skip }, async (t) => {
  // The Collector made these tables (bloom-filter variant, as on ClickHouse < 26.2, with its own TTL).
  const schema = { database: 'collector', cluster: null, retentionNano: 3n * 86_400n * 1_000_000_000n, fullTextSearch: false };
  for (const ddl of [databaseDdl(schema), ...contribDdl(schema)]) await run(ddl);
  const before = await select<{ statement: string }>(`SHOW CREATE TABLE collector.otel_traces`);
  await run(exporterInsert('collector', [
    { trace: TRACE, span: ids.root, parent: '', name: 'GET /checkout', kind: 'Server', service: 'frontend', start: T0, duration: 50_000_000n, status: 'Unset', attrs: { 'http.route': '/checkout', 'http.response.status_code': '500' } },
    { trace: TRACE, span: ids.call, parent: ids.root, name: 'POST /cart', kind: 'Client', service: 'frontend', start: T0 + 1_000_000n, duration: 40_000_000n, status: 'Error' },
    { trace: TRACE, span: ids.cart, parent: ids.call, name: 'POST /cart', kind: 'Server', service: 'cart', start: T0 + 2_000_000n, duration: 38_000_000n, status: 'Error', attrs: { 'user.tier': 'gold' } },
    { trace: TRACE, span: ids.redis, parent: ids.cart, name: 'GET', kind: 'Client', service: 'cart', start: T0 + 3_000_000n, duration: 30_000_000n, status: 'Unset', attrs: { 'db.system': 'redis' } },
    // An older exporter's spellings of the same enums.
    { trace: LEGACY, span: ids.legacy, parent: '', name: 'legacy op', kind: 'SPAN_KIND_SERVER', service: 'legacy', start: T0, duration: 5_000_000n, status: 'STATUS_CODE_ERROR' },
  ]));

  const sextant: RunningSextant = await startTestServer({ storage: 'clickhouse', storageOptions: { url: url('collector'), createSchema: false } });
  t.after(() => sextant.close());
  const api = `${sextant.urls.api}/api/v1`;

  // Trace view: the exporter's strings back in the canonical model.
  const store = sextant.store;
  const spans = await store.getTrace(TRACE);
  assert.equal(spans.length, 4);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  assert.equal(byId.get(ids.cart)!.kind, SpanKind.SERVER);
  assert.equal(byId.get(ids.cart)!.status.code, StatusCode.ERROR);
  assert.equal(byId.get(ids.cart)!.status.message, 'boom');
  assert.equal(byId.get(ids.cart)!.parentSpanId, ids.call);
  assert.equal(byId.get(ids.root)!.endTimeUnixNano - byId.get(ids.root)!.startTimeUnixNano, 50_000_000n);
  assert.deepEqual(byId.get(ids.root)!.attributes, [{ key: 'http.route', value: '/checkout' }, { key: 'http.response.status_code', value: '500' }]);
  assert.equal(byId.get(ids.root)!.scope.name, 'io.opentelemetry.contrib.clickhouse');
  assert.equal(byId.get(ids.root)!.events[0]!.name, 'event1');
  assert.equal(byId.get(ids.root)!.events[0]!.timeUnixNano, T0 + 1000n);
  const otlp = await getJson(`${api}/traces/${TRACE}`);
  assert.equal(otlp.status, 200);

  // Analysis over the stored trace.
  const analysis = await getJson(`${api}/traces/${TRACE}/analysis`);
  assert.equal(analysis.status, 200);
  assert.equal(analysis.body.spanCount, 4);
  assert.deepEqual(analysis.body.rootSpanIds, [ids.root]);
  assert.ok(analysis.body.errors.errorSpanIds.includes(ids.cart));

  // Search: service + duration on one span, tags (span and resource), kind, errors, old spellings.
  const search = (q: Parameters<typeof store.searchTraces>[0]) => store.searchTraces(q).then((r) => r.traces.map((x) => x.traceId));
  assert.deepEqual(await search({ limit: 10, service: 'cart', minDurationNano: 35_000_000n }), [TRACE]);
  assert.deepEqual(await search({ limit: 10, service: 'cart', minDurationNano: 39_000_000n }), []);
  assert.deepEqual(await search({ limit: 10, tags: [{ key: 'user.tier', value: 'gold' }] }), [TRACE]);
  assert.deepEqual(await search({ limit: 10, tags: [{ key: 'host.name', value: 'node-1' }], service: 'legacy' }), [LEGACY]);
  assert.deepEqual(await search({ limit: 10, service: 'legacy', spanKind: SpanKind.SERVER, errorsOnly: true }), [LEGACY]);
  assert.deepEqual(await search({ limit: 10, service: 'cart', parentService: 'frontend' }), [TRACE]);
  const summary = (await store.searchTraces({ limit: 10, service: 'frontend' })).traces[0]!;
  assert.equal(summary.rootName, 'GET /checkout');
  assert.equal(summary.spanCount, 4);
  assert.equal(summary.errorCount, 2);
  assert.equal(summary.durationNano, 50_000_000n);

  assert.deepEqual(await store.services(), ['cart', 'frontend', 'legacy']);
  assert.deepEqual((await store.operations('legacy')).map((o) => o.spanKind), [SpanKind.SERVER]);

  // Service map: frontend → cart (the server span carries the client's failure) and cart → redis (virtual).
  const deps = await getJson(`${api}/dependencies?start=${(T0 - MINUTE) / 1000n}&end=${(T0 + MINUTE) / 1000n}`);
  const graph = await store.dependencies(T0 - MINUTE, T0 + MINUTE);
  assert.deepEqual(
    graph.edges.map((e) => [e.parent, e.child, e.callCount, e.errorCount]).sort(),
    [['cart', 'redis', 1, 0], ['frontend', 'cart', 1, 1]],
  );
  assert.ok(graph.nodes.some((n) => n.service === 'redis' && n.virtual));
  assert.equal(deps.status, 200);

  // The background pass links settled minutes into sextant_dependencies_1m; the graph read from it is the same.
  const later = BigInt(Date.now()) * 1_000_000n + 10n * MINUTE;
  assert.ok((await (store as unknown as Store).linkPending(later)) >= 1);
  const linked = await store.dependencies(T0 - MINUTE, T0 + MINUTE);
  const shape = (g: typeof graph) => [g.edges.map((e) => [e.parent, e.child, e.callCount, e.errorCount]), g.operationEdges.map((e) => [e.parentOperation, e.childOperation, e.callCount]), g.nodes];
  assert.deepEqual(shape(linked), shape(graph));
  const calls = async () => (await select<{ n: string }>(`SELECT toString(sum(Calls)) AS n FROM collector.sextant_dependencies_1m WHERE Parent != ''`))[0]!.n;
  assert.equal(await calls(), '2');
  // Another process linking the same minute again stores nothing twice (per-minute deduplication token).
  const rows = async <T>(query: string, query_params?: Record<string, unknown>) => (await sql.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
  await linkMinute(rows, (q, body, token) => insertRows(sql, q, body, DEFAULT_RETRY, token), '`collector`', (T0 / MINUTE) * MINUTE, true);
  assert.equal(await calls(), '2');

  // RED over entry spans, from the per-minute table.
  const minute = (T0 / MINUTE) * MINUTE;
  const red = await store.red({ service: 'cart', startNano: minute - MINUTE, endNano: minute + 2n * MINUTE - 1n, stepNano: MINUTE });
  assert.deepEqual(red.series.map((p) => [p.t, p.count, p.errorCount, p.p50Nano]), [[minute, 1, 1, 38_000_000n]]);
  assert.deepEqual(red.operations.map((o) => [o.operation, o.count, o.totalNano]), [['POST /cart', 1, 38_000_000n]]);
  const legacyRed = await store.red({ service: 'legacy', startNano: minute - 7n, endNano: minute + MINUTE, stepNano: 10_000_000_000n });
  assert.deepEqual(legacyRed.series.map((p) => [p.count, p.errorCount]), [[1, 1]]);

  // The Collector's tables are as they were: Sextant only added its own beside them.
  assert.deepEqual(await select<{ statement: string }>(`SHOW CREATE TABLE collector.otel_traces`), before);
  const own = await select<{ name: string }>(`SELECT name FROM system.tables WHERE database = 'collector' AND name LIKE 'sextant%' ORDER BY name`);
  assert.deepEqual(own.map((r) => r.name), ['sextant_attribute_keys', 'sextant_attribute_keys_mv', 'sextant_attribute_types', 'sextant_dependencies_1m', 'sextant_red_distinct_1m']);
});

test('what Sextant writes answers the exporter documented trace-by-id query through the lookup table', { skip }, async (t) => {
  const store = await Store.open({ url: url('otel'), retentionNano: 7n * 86_400n * 1_000_000_000n });
  t.after(() => store.close());
  const traceId = hexId(16);
  const resource = resourceFor('checkout', [{ key: 'k8s.pod.name', value: 'pod-1' }]);
  const root = makeSpan({ traceId, resource, name: 'GET /pay', kind: SpanKind.SERVER, startNano: T0, attributes: [{ key: 'http.response.status_code', value: 200n }] });
  const db = makeSpan({ traceId, resource, parentSpanId: root.spanId, name: 'INSERT', kind: SpanKind.CLIENT, startNano: T0 + 10n, error: true });
  await store.write([root, db, makeSpan({ service: 'other', startNano: T0 })], []);
  // The README's query, with the tables qualified by this test's database.
  const rows = await select<Record<string, unknown>>(`
    WITH
        '${traceId}' as trace_id,
        (SELECT min(Start) FROM otel.otel_traces_trace_id_ts WHERE TraceId = trace_id) as start,
        (SELECT max(End) + 1 FROM otel.otel_traces_trace_id_ts WHERE TraceId = trace_id) as end
    SELECT Timestamp,
           TraceId,
           SpanId,
           ParentSpanId,
           SpanName,
           SpanKind,
           ServiceName,
           Duration,
           StatusCode,
           StatusMessage,
           toString(SpanAttributes),
           toString(ResourceAttributes),
           toString(Events.Name),
           toString(Links.TraceId)
    FROM otel.otel_traces
    WHERE TraceId = trace_id
      AND Timestamp >= start
      AND Timestamp <= end
    Limit 100`);
  assert.equal(rows.length, 2);
  const server = rows.find((r) => r.SpanId === root.spanId)!;
  assert.equal(server.SpanKind, 'Server');
  assert.equal(server.ServiceName, 'checkout');
  assert.equal(server.StatusCode, 'Unset');
  assert.equal(server['toString(SpanAttributes)'], "{'http.response.status_code':'200'}");
  assert.equal(server['toString(ResourceAttributes)'], "{'service.name':'checkout','k8s.pod.name':'pod-1'}");
  const client = rows.find((r) => r.SpanId === db.spanId)!;
  assert.deepEqual([client.ParentSpanId, client.SpanKind, client.StatusCode, String(client.Duration)], [root.spanId, 'Client', 'Error', '1000000']);
  // The exporter's other documented queries read the same columns (status and duration filters).
  const errors = await select<{ n: string }>(`SELECT count() AS n FROM otel.otel_traces WHERE ServiceName = 'checkout' AND StatusCode = 'Error' AND Duration > 0`);
  assert.equal(errors[0]!.n, '1');
});

test('--clickhouse-create-schema=false on a database without the exporter tables says what is missing', { skip }, async () => {
  await assert.rejects(Store.open({ url: url('empty'), createSchema: false }), /has no otel_traces table.*clickhouseexporter schema/);
});
