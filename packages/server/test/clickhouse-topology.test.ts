// Several Sextant processes on one ClickHouse: two stateless ingest nodes and a query node, each a real
// `sextant serve` process, sharing the engine through ClickHouse's HTTP interface (served from chdb by a fixture
// that stands in for a ClickHouse server). Then ClickHouse goes down: ingest answers 503 with Retry-After, and
// once it is back every acknowledged span is there, once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeOtlpJsonTraces, type Span } from '@sextant/core';
import { chdbMissing, startClickHouseHttp, type ClickHouseHttp } from './support/chdb.js';
import { startChildServer, type ChildServer } from './support/child.js';
import { getJson } from './support/server.js';
import { hexId, makeSpan } from './support/spans.js';

const skip = chdbMissing;
const dir = mkdtempSync(join(tmpdir(), 'sextant-ch-topology-'));
const children: ChildServer[] = [];
let clickhouse: ClickHouseHttp | null = null;

after(async () => {
  for (const c of children) c.proc.kill('SIGTERM');
  await clickhouse?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function post(node: ChildServer, spans: Span[]): Promise<Response> {
  return fetch(`${node.otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(encodeOtlpJsonTraces(spans)),
  });
}

function traceOf(service: string, n: number): Span[] {
  const traceId = hexId(16);
  const root = makeSpan({ traceId, service, name: 'root' });
  return [root, ...Array.from({ length: n - 1 }, (_, i) => makeSpan({ traceId, service, parentSpanId: root.spanId, name: `child-${i}` }))];
}

async function spanCount(query: ChildServer, traceId: string): Promise<number> {
  const res = await getJson(`${query.api}/api/v1/traces/${traceId}`);
  if (res.status === 404) return 0;
  return res.body.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans)).length;
}

test('ingest and query nodes on one ClickHouse; ClickHouse down answers 503 and loses nothing acknowledged', { skip }, async () => {
  clickhouse = await startClickHouseHttp(join(dir, 'engine'));
  const url = `${clickhouse.url}/topo`;
  const start = (role: string) => startChildServer(['--storage', 'clickhouse', '--clickhouse-url', url, '--role', role]).then((c) => (children.push(c), c));
  const ingestA = await start('ingest');
  const [ingestB, query] = await Promise.all([start('ingest'), start('query')]);
  assert.match(ingestA.output(), /Web UI and API\s+off/);
  assert.equal(query.otlpHttp, 'off');
  assert.equal((await getJson(`${query.api}/api/health`)).status, 200);

  // Both ingest nodes write, the query node reads everything, and answers once ClickHouse acknowledged.
  const acked: Span[][] = [];
  for (const [node, service] of [[ingestA, 'alpha'], [ingestB, 'beta']] as const) {
    const spans = traceOf(service, 50);
    const res = await post(node, spans);
    assert.equal(res.status, 200, await res.text());
    acked.push(spans);
  }
  for (const spans of acked) assert.equal(await spanCount(query, spans[0]!.traceId), 50);
  assert.deepEqual((await getJson(`${query.api}/api/v1/services`)).body.services, ['alpha', 'beta']);

  // ClickHouse stops: ingest refuses with a retryable answer instead of acknowledging what it cannot store.
  await clickhouse.stop();
  const refused = traceOf('gamma', 10);
  const res = await post(ingestA, refused);
  assert.equal(res.status, 503);
  assert.ok(Number(res.headers.get('retry-after')) >= 1);
  assert.match(await res.text(), /ClickHouse did not take/);

  // It comes back: the sender's retry is taken, nothing acknowledged went missing, nothing doubled.
  await clickhouse.restart();
  const retried = await post(ingestA, refused);
  assert.equal(retried.status, 200);
  acked.push(refused);
  const more = traceOf('beta', 20);
  assert.equal((await post(ingestB, more)).status, 200);
  acked.push(more);
  for (const spans of acked) assert.equal(await spanCount(query, spans[0]!.traceId), spans.length);
  const stats = (await getJson(`${query.api}/api/v1/stats`)).body;
  assert.equal(stats.spans, acked.flat().length);
});
