// Reads with limits: a trace over --max-trace-spans comes back as its earliest spans with an explicit truncation
// marker in every API; a search answer of full traces holds at most --max-search-spans spans, marked when traces
// were left out; a search with too many attribute filters or an absurd limit is a 400 naming the limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TAG_FILTERS } from '../src/storage/contract.js';
import type { RunningSextant } from '../src/server.js';
import { getJson, startTestServer } from './support/server.js';
import { SpanKind } from '@sextant/core';
import { BASE_TIME, hexId, makeSpan } from './support/spans.js';

let s: RunningSextant;
const big = hexId(16);
const small = hexId(16);
before(async () => {
  s = await startTestServer({ maxTraceSpans: 5, maxSearchSpans: 7 });
  const root = makeSpan({ traceId: big, service: 'svc', name: 'root' });
  const spans = [root, ...Array.from({ length: 7 }, (_, i) => makeSpan({ traceId: big, service: 'svc', name: `child-${i}`, parentSpanId: root.spanId, startNano: BASE_TIME + BigInt(i + 1) * 1000n }))];
  await s.store.write([...spans, ...Array.from({ length: 5 }, () => makeSpan({ traceId: small, service: 'svc', startNano: BASE_TIME + 1_000_000n }))], []);
});
after(async () => {
  await s.close();
});

test('a trace over --max-trace-spans: its earliest spans, marked truncated in the native, Jaeger and v3 APIs and the analysis', async () => {
  const native = await fetch(`${s.urls.api}/api/v1/traces/${big}`);
  assert.match(native.headers.get('x-sextant-truncated') ?? '', /first 5 spans/);
  const body = (await native.json()) as any;
  const spans = body.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((x: any) => x.spans));
  assert.equal(spans.length, 5);
  assert.ok(spans.some((x: any) => x.name === 'root'), 'the earliest spans are kept');
  assert.equal(body.truncated.maxSpans, 5);
  const jaeger = await getJson(`${s.urls.api}/api/traces/${big}`);
  assert.equal(jaeger.body.data[0].spans.length, 5);
  assert.ok(jaeger.body.data[0].spans.some((x: any) => (x.warnings ?? []).some((w: string) => /trace truncated/.test(w))));
  const v3 = await getJson(`${s.urls.api}/api/v3/traces/${big}`);
  assert.equal(v3.body.truncated.maxSpans, 5);
  const tempo = await getJson(`${s.urls.api}/api/v2/traces/${big}`);
  assert.equal(tempo.body.status, 'PARTIAL', 'Tempo says so in its own status');
  assert.match(tempo.body.message, /first 5 spans/);
  assert.equal(tempo.body.trace.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((x: any) => x.spans)).length, 5);
  const analysis = await getJson(`${s.urls.api}/api/v1/traces/${big}/analysis`);
  assert.equal(analysis.body.truncated.maxSpans, 5);
  // At the cap exactly: nothing is marked.
  const whole = await fetch(`${s.urls.api}/api/v1/traces/${small}`);
  assert.equal(whole.headers.get('x-sextant-truncated'), null);
  assert.equal(((await whole.json()) as any).truncated, undefined);
});

test('a search with too many attribute filters: 400 naming the limit', async () => {
  const params = Array.from({ length: MAX_TAG_FILTERS + 1 }, (_, i) => `attr.k${i}=v`).join('&');
  const res = await getJson(`${s.urls.api}/api/v1/traces?${params}`);
  assert.equal(res.status, 400);
  assert.match(res.body.error, new RegExp(`at most ${MAX_TAG_FILTERS} attribute filters`));
  const jaeger = await getJson(`${s.urls.api}/api/traces?service=svc&tags=${encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: MAX_TAG_FILTERS + 1 }, (_, i) => [`k${i}`, 'v']))))}`);
  assert.equal(jaeger.status, 400);
});

test('a search answer of full traces over --max-search-spans: whole traces that fit, the rest left out and marked', async () => {
  // Most recent first: the small trace (5 spans) fits in 7, the big one (8) does not.
  const search = await fetch(`${s.urls.api}/api/traces?service=svc&limit=20`);
  assert.match(search.headers.get('x-sextant-truncated') ?? '', /1 of 2 traces left out.*--max-search-spans/);
  const body = (await search.json()) as any;
  assert.equal(body.data.length, 1);
  assert.ok(body.data[0].spans[0].warnings.some((w: string) => /search answer truncated/.test(w)));
  const byIds = await getJson(`${s.urls.api}/api/traces?traceID=${small}&traceID=${big}`);
  assert.deepEqual(byIds.body.data.map((t: any) => t.spans.length), [5]);
  const v3 = await getJson(`${s.urls.api}/api/v3/traces?query.serviceName=svc`);
  assert.equal(v3.body.truncated.omittedTraces, 1);
  assert.equal(v3.body.result.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((x: any) => x.spans)).length, 5);
  // One trace alone over the cap: nothing to show, the envelope's error says why.
  const none = await getJson(`${s.urls.api}/api/traces?traceID=${big}`);
  assert.deepEqual(none.body.data, []);
  assert.match(none.body.errors[0].msg, /--max-search-spans/);
  const fits = await fetch(`${s.urls.api}/api/traces?traceID=${small}`);
  assert.equal(fits.headers.get('x-sextant-truncated'), null);
});

test('a limit past what an endpoint answers: 400 naming the most it answers', async () => {
  const native = await getJson(`${s.urls.api}/api/v1/traces?limit=100000`);
  assert.equal(native.status, 400);
  assert.match(native.body.error, /limit: 100000 is more than this endpoint answers \(at most 1000\)/);
  const jaeger = await getJson(`${s.urls.api}/api/traces?service=svc&limit=99999999`);
  assert.equal(jaeger.status, 400);
  assert.match(jaeger.body.errors[0].msg, /at most 1500/);
});

test('a trace over several pages is streamed whole, each span once (shared Zipkin ids at a page boundary too); past the cap the body ends with the marker', async () => {
  const paged = await startTestServer({ maxTraceSpans: 11_000 });
  try {
    const make = (traceId: string, n: number) =>
      Array.from({ length: n }, (_, i) => makeSpan({ traceId, name: `s${i}`, startNano: BASE_TIME + BigInt(i) * 1000n, kind: SpanKind.SERVER }));
    const whole = hexId(16);
    const spans = make(whole, 10_001);
    // A client and a server half with one id and one start, on the boundary of the first page (2,000 spans).
    spans[2000] = { ...spans[1999]!, kind: SpanKind.CLIENT, name: 'client half' };
    const over = hexId(16);
    await paged.store.write([...spans, ...make(over, 12_000)], []);
    const read = async (id: string) => {
      const res = await fetch(`${paged.urls.api}/api/v1/traces/${id}`);
      const body = (await res.json()) as any;
      return { body, spans: body.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((x: any) => x.spans)) as any[] };
    };
    const a = await read(whole);
    assert.equal(a.spans.length, 10_001);
    assert.equal(new Set(a.spans.map((x) => `${x.spanId}/${x.kind}`)).size, 10_001);
    assert.equal(a.body.truncated, undefined);
    const b = await read(over);
    assert.equal(b.spans.length, 11_000);
    assert.deepEqual(b.spans.map((x) => x.name).slice(-1), ['s10999'], 'the earliest spans');
    assert.equal(b.body.truncated.maxSpans, 11_000);
  } finally {
    await paged.close();
  }
});
