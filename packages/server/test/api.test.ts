// The query API over real recorded traces: native search parameters and their errors, Jaeger's classic and v3
// shapes, dependencies, RED, logs beside a trace, trace comparison and cohort analysis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOtlpJsonLogs, encodeTraceRequest, emptyScope, SpanKind, type LogRecord } from '@sextant/core';
import { readFixtureText } from '../../../testing/fixtures.js';
import type { RunningSextant } from '../src/server.js';
import { getJson, postZipkin, startTestServer } from './support/server.js';
import { hexId, makeSpan, resourceFor } from './support/spans.js';

let s: RunningSextant;
let api: string;
const SMARTTHINGS = '000000000000000014b60fd9ae504820';

before(async () => {
  s = await startTestServer();
  api = s.urls.api;
  for (const file of ['smartthings-mobile-web-install.json', 'yelp.json']) await postZipkin(s, readFixtureText(`zipkin/${file}`));
});
after(async () => {
  await s.close();
});

test('native search: service, operation, attributes, durations, errors, window, pagination', async () => {
  const all = (await getJson(`${api}/api/v1/traces?limit=100`)).body;
  assert.equal(all.traces.length, 2);
  assert.equal(all.nextCursor, null);
  const st = all.traces.find((t: any) => t.traceId === SMARTTHINGS);
  assert.equal(st.spanCount, 957);
  assert.equal(st.rootService, 'coreSrv');
  assert.ok(st.services.some((x: any) => x.name === 'stLogin' && x.spanCount > 0));
  assert.match(st.startUnixNano, /^\d+$/);

  const q = async (qs: string) => (await getJson(`${api}/api/v1/traces?${qs}`)).body.traces.map((t: any) => t.traceId);
  assert.deepEqual(await q('service=stLogin'), [SMARTTHINGS]);
  assert.deepEqual(await q('parentService=platformapi&service=gizmo'), [SMARTTHINGS]);
  assert.deepEqual(await q('parentService=gizmo&service=platformapi'), []);
  assert.deepEqual(await q('service=mobile_api'), (await q('service=routing')));
  assert.deepEqual(await q('service=alice&status=error'), [SMARTTHINGS]);
  assert.deepEqual(await q('service=stLogin&minDuration=1h'), []);
  assert.deepEqual(await q('traceMinDuration=1m'), [SMARTTHINGS]);
  assert.deepEqual(await q('traceMaxDuration=1m').then((ids) => ids.includes(SMARTTHINGS)), false);
  assert.deepEqual(await q('spanKind=producer&service=coreSrv'), []);
  assert.deepEqual(await q('start=2030-01-01T00:00:00Z'), []);
  const page1 = (await getJson(`${api}/api/v1/traces?limit=1`)).body;
  assert.equal(page1.traces.length, 1);
  const page2 = (await getJson(`${api}/api/v1/traces?limit=1&cursor=${page1.nextCursor}`)).body;
  assert.equal(page2.traces.length, 1);
  assert.notEqual(page2.traces[0].traceId, page1.traces[0].traceId);

  const keys = (await getJson(`${api}/api/v1/attributes`)).body.keys;
  assert.ok(keys.includes('http.path') || keys.includes('peer.service'));
  const ops = (await getJson(`${api}/api/v1/services/coreSrv/operations`)).body.operations;
  assert.ok(ops.some((o: any) => o.name === 'get /login/tokenauth' && o.spanKind === SpanKind.SERVER));
});

test('native search rejects bad parameters with a sentence naming them', async () => {
  for (const [qs, word] of [
    ['minDuration=soon', 'minDuration'],
    ['limit=-3', 'limit'],
    ['spanKind=sideways', 'spanKind'],
    ['start=yesterday', 'start'],
    ['cursor=bogus', 'cursor'],
    ['status=maybe', 'status'],
  ]) {
    const r = await getJson(`${api}/api/v1/traces?${qs}`);
    assert.equal(r.status, 400, qs);
    assert.match(r.body.error, new RegExp(word!));
  }
  assert.equal((await getJson(`${api}/api/v1/nope`)).status, 404);
});

test('Jaeger classic API: services, operations, search with tags, dependencies', async () => {
  const services = (await getJson(`${api}/api/services`)).body;
  assert.ok(services.data.includes('coreSrv') && services.total === services.data.length && services.errors === null);
  const ops = (await getJson(`${api}/api/operations?service=coreSrv&spanKind=server`)).body.data;
  assert.ok(ops.every((o: any) => o.spanKind === 'server'));
  const found = (await getJson(`${api}/api/traces?service=alice&tags=${encodeURIComponent('{"error":"true"}')}&limit=5`)).body;
  assert.equal(found.data.length, 1);
  assert.equal(found.data[0].traceID, SMARTTHINGS);
  assert.ok(found.data[0].spans.every((sp: any) => typeof sp.startTime === 'number' && typeof sp.duration === 'number'));
  const deps = (await getJson(`${api}/api/dependencies?endTs=${Date.now()}&lookback=${Date.now()}`)).body.data;
  assert.ok(deps.some((d: any) => d.parent === 'stLogin' && d.child === 'platformapi' && d.callCount === 53));
  const bad = await getJson(`${api}/api/traces?minDuration=fast`);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errors[0].code, 400);
});

test('Jaeger v3 API: operations, trace summaries, search, trace by id', async () => {
  const ops = (await getJson(`${api}/api/v3/operations?service=coreSrv`)).body.operations;
  assert.ok(ops.length > 0 && ops.every((o: any) => typeof o.name === 'string' && o.spanKind === o.spanKind.toLowerCase()));
  const sums = (await getJson(`${api}/api/v3/trace-summaries?query.serviceName=stLogin&query.startTimeMin=2018-01-01T00:00:00Z&query.startTimeMax=2030-01-01T00:00:00Z&query.searchDepth=5`)).body.summaries;
  assert.equal(sums.length, 1);
  assert.match(sums[0].traceId, /^[0-9a-f]{32}$/);
  assert.match(sums[0].minStartTimeUnixNano, /^\d+$/);
  assert.ok(BigInt(sums[0].maxEndTimeUnixNano) > BigInt(sums[0].minStartTimeUnixNano));
  assert.equal(sums[0].rootServiceName, 'coreSrv');
  const traces = (await getJson(`${api}/api/v3/traces?query.service_name=stLogin&query.duration_min=10ms`)).body;
  assert.ok(traces.result.resourceSpans.length > 0);
  assert.equal((await getJson(`${api}/api/v3/traces/${'f'.repeat(32)}`)).status, 404);
});

test('dependencies and RED over a window', async () => {
  const window = 'start=2018-11-30T00:00:00Z&end=2018-12-01T00:00:00Z';
  const deps = (await getJson(`${api}/api/v1/dependencies?${window}`)).body;
  const edge = deps.edges.find((e: any) => e.parent === 'platformapi' && e.child === 'gizmo');
  assert.equal(edge.callCount, 52);
  assert.equal(edge.errorRate, 0);
  assert.match(edge.p95Nano, /^\d+$/);
  assert.ok(deps.nodes.some((n: any) => n.service === 'gizmo'));
  assert.ok(deps.operationEdges.length >= deps.edges.length);
  const red = (await getJson(`${api}/api/v1/red?service=gizmo&${window}&step=1h`)).body;
  assert.equal(red.series.reduce((a: number, p: any) => a + p.count, 0), red.operations.reduce((a: number, o: any) => a + o.count, 0));
  assert.ok(red.operations.length > 0);
  const impact = red.operations.reduce((a: number, o: any) => a + o.impact, 0);
  assert.ok(Math.abs(impact - 1) < 1e-9);
  assert.equal((await getJson(`${api}/api/v1/red?${window}&step=1ns`)).status, 400);
});

test('analysis, logs beside a trace, comparison and cohorts', async () => {
  const analysis = (await getJson(`${api}/api/v1/traces/${SMARTTHINGS}/analysis`)).body;
  assert.equal(analysis.spanCount, 957);
  assert.ok(analysis.errors.rootCauseSpanIds.length >= 1);

  // A trace with logs.
  const traceId = hexId(16);
  const resource = resourceFor('logger');
  const span = makeSpan({ traceId, resource, name: 'work' });
  assert.equal((await fetch(`${s.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTraceRequest([span]) })).status, 200);
  const log: LogRecord = {
    timeUnixNano: span.startTimeUnixNano + 10n, observedTimeUnixNano: span.startTimeUnixNano + 20n, severityNumber: 17, severityText: 'ERROR',
    body: 'payment declined <script>', attributes: [{ key: 'order.id', value: 42n }], droppedAttributesCount: 0, flags: 1,
    traceId, spanId: span.spanId, eventName: '', resource, scope: emptyScope(),
  };
  assert.equal((await fetch(`${s.urls.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(encodeOtlpJsonLogs([log])) })).status, 200);
  const logs = (await getJson(`${api}/api/v1/traces/${traceId}/logs`)).body;
  const rec = logs.resourceLogs[0].scopeLogs[0].logRecords[0];
  assert.equal(rec.body.stringValue, 'payment declined <script>');
  assert.equal(rec.spanId, span.spanId);

  const cmp = await getJson(`${api}/api/v1/compare?a=${SMARTTHINGS}&b=${traceId}`);
  assert.equal(cmp.status, 200);
  assert.equal((await getJson(`${api}/api/v1/compare?a=${SMARTTHINGS}`)).status, 400);

  const cohort = await getJson(`${api}/api/v1/cohort?selection=${encodeURIComponent('service=stLogin')}&baseline=rest`);
  assert.equal(cohort.status, 200);
  assert.equal(cohort.body.selectionCount, 1);
  assert.equal(cohort.body.baselineCount, 2);
  assert.equal((await getJson(`${api}/api/v1/cohort`)).status, 400);
  // Without a baseline: the same search without its distinguishing condition (here: service=stLogin, whose one
  // trace is the selection itself), not every other trace.
  const byDefault = await getJson(`${api}/api/v1/cohort?selection=${encodeURIComponent('service=stLogin&traceMinDuration=1m')}`);
  assert.equal(byDefault.body.selectionCount, 1);
  assert.equal(byDefault.body.baselineCount, 0);
});

test('receivers: the ports the OTLP, Zipkin and Jaeger listeners really use', async () => {
  const body = (await getJson(`${api}/api/v1/receivers`)).body;
  const port = (url: string | null) => (url === null ? null : Number(new URL(url).port));
  const { otlpHttp, otlpGrpc, zipkin, jaegerHttp, jaegerGrpc } = s.urls;
  assert.deepEqual(body, { otlpHttp: port(otlpHttp), otlpGrpc: port(otlpGrpc), zipkin: port(zipkin), jaegerHttp: port(jaegerHttp), jaegerGrpc: port(jaegerGrpc) });
  assert.ok(body.otlpHttp > 0 && body.otlpHttp !== 4318, 'the test server listens on a free port, not the default');
});

test('native search: server-side sort over the whole match, with cursors, and lookup by trace id prefix', async () => {
  const q = async (qs: string) => (await getJson(`${api}/api/v1/traces?${qs}`)).body;
  const all = (await q('limit=1000')).traces as { traceId: string; durationNano: string; spanCount: number }[];
  const byDuration = [...all].sort((a, b) => Number(BigInt(b.durationNano) - BigInt(a.durationNano)) || (a.traceId < b.traceId ? 1 : -1));
  // One page at a time: each page continues where the last ended, in the server's order.
  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { traces: { traceId: string }[]; nextCursor: string | null } = await q(`sort=longest&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    paged.push(...page.traces.map((t) => t.traceId));
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(paged, byDuration.map((t) => t.traceId));
  assert.equal((await q('sort=shortest&limit=1')).traces[0].traceId, byDuration[byDuration.length - 1].traceId);
  assert.equal((await q('sort=spans&limit=1')).traces[0].spanCount, Math.max(...all.map((t) => t.spanCount)));
  const r = await getJson(`${api}/api/v1/traces?sort=longest&cursor=${(await q('limit=1')).nextCursor}`);
  assert.equal(r.status, 400, 'a cursor of another order is refused');

  assert.deepEqual((await q(`traceIdPrefix=${SMARTTHINGS.slice(0, 20).toUpperCase()}`)).traces.map((t: { traceId: string }) => t.traceId), [SMARTTHINGS]);
  assert.deepEqual((await q('traceIdPrefix=ffffffff')).traces, []);
  for (const bad of ['sort=sideways', 'traceIdPrefix=xyz']) {
    const res = await getJson(`${api}/api/v1/traces?${bad}`);
    assert.equal(res.status, 400, bad);
    assert.match(res.body.error, new RegExp(bad.split('=')[0]!));
  }
});
