// The ClickHouse DDL as rendered for one node and for a cluster, the URL grammar, and the engine (chdb) accepting
// both: the single-node form is executed, the cluster form (ON CLUSTER, Replicated*, Distributed) is parsed by
// the engine's own parser, since a cluster with Keeper cannot run here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chdbMissing } from './support/chdb.js';
import { connect, parseClickHouseUrl } from '../src/storage/clickhouse/connect.js';
import { contribDdl, databaseDdl, hasFullTextSearch, sextantDdl, ttlClause, type SchemaOptions } from '../src/storage/clickhouse/schema.js';
import { ClickHouseStore } from '../src/storage/clickhouse/store.js';
import { makeSpan } from './support/spans.js';
import { SpanKind } from '@sextant/core';

const DAY = 86_400n * 1_000_000_000n;
const single: SchemaOptions = { database: 'otel', cluster: null, retentionNano: 3n * DAY, fullTextSearch: true };
const cluster: SchemaOptions = { ...single, cluster: 'sextant' };
const all = (o: SchemaOptions) => [databaseDdl(o), ...contribDdl(o), ...sextantDdl(o)];

test('the contrib tables are the exporter templates: columns, codecs, keys, TTL, index variants', () => {
  const [traces, lookup, view, logs] = contribDdl(single);
  assert.match(traces!, /CREATE TABLE IF NOT EXISTS `otel`\.`otel_traces`/);
  assert.match(traces!, /Duration UInt64 CODEC\(T64, ZSTD\(1\)\)/);
  assert.match(traces!, /PRIMARY KEY \(ServiceName, SpanName, toDateTime\(Timestamp\)\)\nORDER BY \(ServiceName, SpanName, toDateTime\(Timestamp\), Timestamp\)/);
  assert.match(traces!, /PARTITION BY toDate\(Timestamp\)/);
  assert.match(traces!, /TTL toDateTime\(Timestamp\) \+ toIntervalDay\(3\)/);
  assert.match(traces!, /INDEX idx_span_attr_items SpanAttributeItems TYPE text\(tokenizer = 'array'\)/);
  assert.doesNotMatch(traces!, /bloom_filter|mapValues/);
  const bloom = contribDdl({ ...single, fullTextSearch: false })[0]!;
  assert.match(bloom, /INDEX idx_span_attr_value mapValues\(SpanAttributes\) TYPE bloom_filter\(0\.01\) GRANULARITY 1/);
  assert.doesNotMatch(bloom, /TYPE text\(/);
  assert.match(lookup!, /ENGINE = AggregatingMergeTree\(\)\nPARTITION BY toStartOfWeek\(Start\)\nORDER BY \(TraceId\)/);
  assert.match(lookup!, /Start SimpleAggregateFunction\(min, DateTime\)/);
  assert.match(lookup!, /TTL toDateTime\(Start\) \+ toIntervalDay\(3\)/);
  assert.match(view!, /`otel_traces_trace_id_ts_mv`\s+TO `otel`\.`otel_traces_trace_id_ts`/);
  assert.match(view!, /min\(toDateTime\(Timestamp\)\) AS Start/);
  assert.match(logs!, /ORDER BY \(toStartOfFiveMinutes\(Timestamp\), ServiceName, Timestamp\)/);
  assert.equal(ttlClause(null, 'x'), '');
  assert.equal(ttlClause(36n * 3_600n * 1_000_000_000n, 'x'), 'TTL x + toIntervalHour(36)');
  assert.equal(ttlClause(90n * 1_000_000_000n, 'x'), 'TTL x + toIntervalSecond(90)');
  assert.equal(hasFullTextSearch('26.2.1.1'), true);
  assert.equal(hasFullTextSearch('26.1.4.2'), false);
  assert.equal(hasFullTextSearch('25.12.1'), false);
  assert.equal(hasFullTextSearch('27.0'), true);
});

test('cluster mode: ON CLUSTER everywhere, Replicated engines, Distributed tables, views on the local tables', () => {
  const ddl = all(cluster);
  for (const d of ddl) assert.match(d, /ON CLUSTER `sextant`/, d.slice(0, 80));
  const text = ddl.join('\n');
  assert.match(text, /`otel`\.`otel_traces_local` ON CLUSTER `sextant` \(/);
  assert.match(text, /ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/otel_traces_local', '\{replica\}'\)/);
  assert.match(text, /ENGINE = ReplicatedAggregatingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/otel_traces_trace_id_ts_local', '\{replica\}'\)/);
  assert.match(text, /CREATE TABLE IF NOT EXISTS `otel`\.`otel_traces` ON CLUSTER `sextant` AS `otel`\.`otel_traces_local`\nENGINE = Distributed\(`sextant`, `otel`, `otel_traces_local`, cityHash64\(TraceId\)\)/);
  assert.match(text, /`otel_traces_trace_id_ts_mv_local` ON CLUSTER `sextant`\nTO `otel`\.`otel_traces_trace_id_ts_local`\nAS SELECT[\s\S]*FROM `otel`\.`otel_traces_local`/);
  assert.match(text, /`otel`\.`sextant_red_distinct_1m_local` ON CLUSTER `sextant` \([\s\S]*ReplicatedAggregatingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/sextant_red_distinct_1m_local'/);
  // The single-node form has none of it.
  assert.doesNotMatch(all(single).join('\n'), /ON CLUSTER|Replicated|Distributed|_local/);
});

test('--clickhouse-url: http(s) with credentials and database, chdb with a directory, clear errors', () => {
  assert.deepEqual(parseClickHouseUrl('http://ingest:s%40cret@ch.example:8123/traces'), {
    kind: 'http', url: 'http://ch.example:8123', username: 'ingest', password: 's@cret', database: 'traces', display: 'http://ch.example:8123 (database traces, user ingest)',
  });
  const plain = parseClickHouseUrl('https://ch.example:8443');
  assert.equal(plain.database, 'otel');
  assert.equal(plain.kind === 'http' && plain.username, 'default');
  assert.doesNotMatch(parseClickHouseUrl('http://u:pw@h:8123/').display, /pw/);
  const chdb = parseClickHouseUrl('chdb:./data?database=prod');
  assert.equal(chdb.kind, 'chdb');
  assert.equal(chdb.database, 'prod');
  assert.equal(parseClickHouseUrl('chdb:/tmp/x').database, 'otel');
  assert.throws(() => parseClickHouseUrl('tcp://h:9000'), /scheme must be http, https or chdb/);
  assert.throws(() => parseClickHouseUrl('chdb:'), /give a data directory/);
  assert.throws(() => parseClickHouseUrl('chdb:./d?db=x'), /unknown parameter 'db'/);
  assert.throws(() => parseClickHouseUrl('http://h:8123/otel;drop'), /database name 'otel;drop'/);
});

test('the engine runs the single-node DDL and parses the cluster DDL; RED from the minute table equals RED from spans, re-sent spans counted once', { skip: chdbMissing }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-ch-schema-'));
  const client = await connect(parseClickHouseUrl(`chdb:${dir}`));
  t.after(async () => {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const version of [true, false]) {
    const o = { ...single, database: version ? 'fts' : 'bloom', fullTextSearch: version };
    for (const ddl of all(o)) await client.command({ query: ddl });
  }
  for (const ddl of all(cluster)) {
    const rs = await client.query({ query: `EXPLAIN AST ${ddl}`, format: 'TabSeparated' });
    assert.match(await rs.text(), /CreateQuery|Create/);
  }

  // Minutes the linking pass has done are read from the minute table; an unaligned start reads the spans. Every
  // span is sent twice (the exporter's table stores both copies): each is counted once either way.
  const store = await ClickHouseStore.open({ url: `chdb:${dir}?database=red`, background: false });
  t.after(() => store.close());
  const MINUTE = 60_000_000_000n;
  const base = (BigInt(Date.now()) * 1_000_000n / MINUTE - 10n) * MINUTE;
  const spans = Array.from({ length: 30 }, (_, i) =>
    makeSpan({ service: i % 3 === 0 ? 'api' : 'web', name: `op${i % 2}`, kind: SpanKind.SERVER, startNano: base + 1_500_000_000n + BigInt(i) * 7_000_000_000n, durationNano: BigInt(i + 1) * 1_000_000n, error: i % 5 === 0 }),
  );
  await store.write(spans, []);
  await store.write(spans, []);
  const live = await store.red({ startNano: base, endNano: base + 4n * MINUTE - 1n, stepNano: MINUTE });
  while ((await store.linkPending()) > 0);
  const fromTable = await store.red({ startNano: base, endNano: base + 4n * MINUTE - 1n, stepNano: MINUTE });
  const fromSpans = await store.red({ startNano: base + 1n, endNano: base + 4n * MINUTE - 1n, stepNano: MINUTE });
  const counts = (r: typeof fromTable) => r.series.map((p) => [p.count, p.errorCount]);
  assert.deepEqual(counts(fromTable), [[9, 2], [8, 2], [9, 2], [4, 0]]);
  assert.deepEqual(counts(fromSpans), counts(fromTable));
  assert.deepEqual(fromTable, live, 'the table answers what the spans did before the pass');
  assert.deepEqual(fromTable.operations, fromSpans.operations);
  assert.deepEqual(fromTable.operations.find((o) => o.service === 'api' && o.operation === 'op0')!.p50Nano, 13n * 1_000_000n);
  const rows = await client.query({ query: 'SELECT toString(sum(Calls)) AS n FROM red.sextant_red_distinct_1m', format: 'JSONEachRow' });
  assert.deepEqual(await rows.json(), [{ n: '30' }]);
});
