// The web UI's compact trace answer (GET /api/v1/traces/{id}/columns) against a real DuckDB store: the same spans
// as the engine holds (read a page at a time, so across several pages), capped by --max-trace-spans and marked
// like the OTLP answer, and clear errors for unknown or malformed ids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOtlpJsonTraces, decodeTraceColumns, SpanKind, type Span } from '@sextant/core';
import { readFixtureText } from '../../../testing/fixtures.js';
import type { RunningSextant } from '../src/server.js';
import { getJson, postZipkin, startTestServer } from './support/server.js';
import { BASE_TIME, hexId, makeSpan } from './support/spans.js';

const SMARTTHINGS = '000000000000000014b60fd9ae504820';
/** More spans than one page of the engine read (api/trace-columns.ts reads 10,000 at a time). */
const BIG_SPANS = 22_500;
let s: RunningSextant;
let capped: RunningSextant;
const big = hexId(16);

before(async () => {
  s = await startTestServer();
  capped = await startTestServer({ maxTraceSpans: 12_500 });
  const root = makeSpan({ traceId: big, service: 'api', name: 'root', kind: SpanKind.SERVER, durationNano: 10_000_000_000n });
  const spans = [root];
  for (let i = 1; i < BIG_SPANS; i++) {
    spans.push(makeSpan({
      traceId: big, service: i % 3 ? 'db' : 'cache', name: `q-${i % 7}`, parentSpanId: spans[Math.floor((i - 1) / 4)]!.spanId,
      startNano: BASE_TIME + BigInt(i) * 1000n, durationNano: 500n + BigInt(i), error: i % 100 === 0,
      attributes: [{ key: 'db.statement', value: `SELECT ${i % 11}` }, { key: 'row', value: BigInt(i) }, { key: 'hit', value: i % 2 === 0 }],
    }));
  }
  for (const server of [s, capped]) await server.store.write(spans, []);
  await postZipkin(s, readFixtureText('zipkin/smartthings-mobile-web-install.json'));
});
after(async () => {
  await s.close();
  await capped.close();
});

test('the columns answer holds exactly the stored spans, over three engine pages, and is far smaller than OTLP/JSON', async () => {
  for (const id of [big, SMARTTHINGS]) {
    const res = await fetch(`${s.urls.api}/api/v1/traces/${id}/columns`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const text = await res.text();
    const doc = JSON.parse(text) as { truncated?: unknown };
    assert.equal(doc.truncated, undefined);
    const spans = decodeTraceColumns(doc);
    const stored = await s.store.getTrace(id);
    assert.deepEqual(spans, stored);
    const otlp = await (await fetch(`${s.urls.api}/api/v1/traces/${id}`)).text();
    // OTLP groups spans by resource; the same spans, whatever the order.
    const key = (x: Span) => `${x.spanId}/${x.kind}/${x.startTimeUnixNano}`;
    const byId = (list: Span[]) => [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    assert.deepEqual(byId(spans), byId(decodeOtlpJsonTraces(JSON.parse(otlp)).items), 'the same spans as the OTLP answer');
    if (id === big) assert.ok(text.length * 3 < otlp.length, `columns ${text.length} bytes, OTLP ${otlp.length}`);
  }
});

test('over --max-trace-spans the columns answer holds the earliest spans and the same truncation marker', async () => {
  const res = await fetch(`${capped.urls.api}/api/v1/traces/${big}/columns`);
  const doc = (await res.json()) as { truncated: { maxSpans: number; message: string } };
  const spans = decodeTraceColumns(doc);
  assert.equal(spans.length, 12_500);
  assert.deepEqual(spans, await capped.store.getTrace(big, 12_500));
  assert.equal(doc.truncated.maxSpans, 12_500);
  assert.match(doc.truncated.message, /only its first 12500 spans by start time/);
});

test('unknown and malformed trace ids: 404 and 400 with a message', async () => {
  const missing = await getJson(`${s.urls.api}/api/v1/traces/${hexId(16)}/columns`);
  assert.equal(missing.status, 404);
  assert.match(missing.body.error, /not found/);
  const bad = await getJson(`${s.urls.api}/api/v1/traces/not-hex/columns`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /trace id/i);
});
