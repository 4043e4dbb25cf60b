// Trace by id streamed a page at a time (encoded in the store's thread, Jaeger's adjustments planned from a compact
// first pass): every API answers exactly what the same trace read whole and encoded at once answers, across page
// boundaries, with Zipkin shared span ids renamed, clock skew corrected, Jaeger's get-trace window and the cap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJaegerTrace, encodeOtlpJsonTraces, jaegerView, jaegerViewSpans, SpanKind, type Span } from '@sextant/core';
import type { RunningSextant } from '../src/server.js';
import { jsonReplacer } from '../src/api/json-stream.js';
import { truncationNote } from '../src/query/traces.js';
import { getJson, startTestServer } from './support/server.js';
import { BASE_TIME, hexId, makeSpan, resourceFor } from './support/spans.js';

const CAP = 4500;
let s: RunningSextant;
const whole = hexId(16);
const capped = hexId(16);
const traces = new Map<string, Span[]>();

/**
 * A root, then per group a client half on host a, its server half (same span id, host b, whose clock is 3 µs
 * behind, with an event) and a child of the shared id on host b: pages of 2,000 spans cut through groups.
 */
function skewedTrace(traceId: string, groups: number): Span[] {
  const front = resourceFor('frontend', [{ key: 'host.name', value: 'a' }]);
  const back = resourceFor('backend', [{ key: 'host.name', value: 'b' }]);
  const root = makeSpan({ traceId, name: 'root', resource: front, kind: SpanKind.SERVER, durationNano: BigInt(groups + 2) * 10_000n });
  const spans = [root];
  for (let g = 0; g < groups; g++) {
    const t = BASE_TIME + 10_000n + BigInt(g) * 10_000n;
    const id = hexId(8);
    spans.push(makeSpan({ traceId, spanId: id, parentSpanId: root.spanId, name: `call ${g}`, resource: front, kind: SpanKind.CLIENT, startNano: t, durationNano: 8_000n }));
    const server = makeSpan({ traceId, spanId: id, parentSpanId: root.spanId, name: `serve ${g}`, resource: back, kind: SpanKind.SERVER, startNano: t - 3_000n, durationNano: 4_000n });
    server.events = [{ timeUnixNano: t - 2_500n, name: 'got it', attributes: [{ key: 'g', value: BigInt(g) }], droppedAttributesCount: 0 }];
    spans.push(server);
    spans.push(makeSpan({ traceId, parentSpanId: id, name: `work ${g}`, resource: back, startNano: t - 2_000n, durationNano: 1_000n }));
  }
  return spans;
}

/** The engines' page order. */
function sorted(spans: Span[]): Span[] {
  return [...spans].sort((a, b) =>
    a.startTimeUnixNano !== b.startTimeUnixNano ? (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1) : a.spanId !== b.spanId ? (a.spanId < b.spanId ? -1 : 1) : a.kind - b.kind,
  );
}

const plain = (v: unknown) => JSON.parse(JSON.stringify(v, jsonReplacer));

/** What the whole-trace code answered: Jaeger's view of the spans, the truncation note on the first span. */
function jaegerReference(spans: Span[], raw: boolean, notes: string[]) {
  const view = jaegerView(spans, raw);
  if (notes.length > 0) view.warnings.set(0, [...notes, ...(view.warnings.get(0) ?? [])]);
  return plain({ data: [encodeJaegerTrace(view.spans, view.warnings)], total: 1, limit: 0, offset: 0, errors: null });
}

/** OTLP answers as sorted (resource, scope, span) triples: how spans are grouped into resourceSpans may differ. */
function flat(resourceSpans: any[]): string[] {
  return resourceSpans.flatMap((r) => r.scopeSpans.flatMap((x: any) => x.spans.map((span: any) => JSON.stringify({ resource: r.resource, scope: x.scope, span })))).sort();
}

before(async () => {
  s = await startTestServer({ maxTraceSpans: CAP });
  traces.set(whole, sorted(skewedTrace(whole, 1400)));
  traces.set(capped, sorted(skewedTrace(capped, 1700)));
  for (const spans of traces.values()) for (let i = 0; i < spans.length; i += 1000) await s.store.write(spans.slice(i, i + 1000), []);
});
after(async () => {
  await s.close();
});

test('Jaeger classic trace by id, streamed over several pages: the same answer as the whole trace adjusted at once', async () => {
  const spans = traces.get(whole)!;
  assert.ok(spans.length > 2 * 2000, 'three pages');
  const adjusted = await getJson(`${s.urls.api}/api/traces/${whole}`);
  assert.equal(adjusted.status, 200);
  const expected = jaegerReference(spans, false, []);
  assert.ok(expected.data[0].spans.some((x: any) => x.warnings?.some((w: string) => /adjusted/.test(w))), 'the trace has skew to correct');
  assert.ok(expected.data[0].spans.some((x: any) => x.spanID === '0000000000000001'), 'and shared ids to rename');
  assert.deepEqual(adjusted.body, expected);
  assert.deepEqual((await getJson(`${s.urls.api}/api/traces/${whole}?raw=true`)).body, jaegerReference(spans, true, []));
  // Jaeger's window (µs) keeps the spans starting inside it, adjusted as a trace of those spans.
  const from = spans[1500]!.startTimeUnixNano;
  const to = spans[4200]!.startTimeUnixNano;
  const windowed = await getJson(`${s.urls.api}/api/traces/${whole}?start=${from / 1000n}&end=${to / 1000n}`);
  const inside = spans.filter((x) => x.startTimeUnixNano >= (from / 1000n) * 1000n && x.startTimeUnixNano <= (to / 1000n) * 1000n);
  assert.deepEqual(windowed.body, jaegerReference(inside, false, []));
});

test('past --max-trace-spans, streamed: the earliest spans adjusted as a trace of their own, the note on the first span', async () => {
  const first = traces.get(capped)!.slice(0, CAP);
  const res = await fetch(`${s.urls.api}/api/traces/${capped}`);
  assert.match(res.headers.get('x-sextant-truncated') ?? '', /first 4500 spans/);
  assert.deepEqual(await res.json(), jaegerReference(first, false, [truncationNote({ maxSpans: CAP })]));
  assert.deepEqual((await getJson(`${s.urls.api}/api/traces/${capped}?raw=true`)).body, jaegerReference(first, true, [truncationNote({ maxSpans: CAP })]));
});

test('Jaeger v3 and Tempo trace by id, streamed: the same spans as the whole trace encoded at once', async () => {
  for (const [id, spans] of [
    [whole, traces.get(whole)!],
    [capped, traces.get(capped)!.slice(0, CAP)],
  ] as const) {
    const v3 = await getJson(`${s.urls.api}/api/v3/traces/${id}`);
    assert.deepEqual(flat(v3.body.result.resourceSpans), flat(plain(encodeOtlpJsonTraces(jaegerViewSpans(jaegerView(spans, false)))).resourceSpans));
    assert.equal(v3.body.truncated?.maxSpans, id === capped ? CAP : undefined);
    const raw = await getJson(`${s.urls.api}/api/v3/traces/${id}?rawTraces=true`);
    assert.deepEqual(flat(raw.body.result.resourceSpans), flat(plain(encodeOtlpJsonTraces(spans)).resourceSpans));
    const tempo = await getJson(`${s.urls.api}/api/v2/traces/${id}`);
    assert.deepEqual(flat(tempo.body.trace.resourceSpans), flat(plain(encodeOtlpJsonTraces(spans)).resourceSpans));
    assert.equal(tempo.body.status, id === capped ? 'PARTIAL' : 'COMPLETE');
    const native = await getJson(`${s.urls.api}/api/v1/traces/${id}`);
    assert.deepEqual(flat(native.body.resourceSpans), flat(plain(encodeOtlpJsonTraces(spans)).resourceSpans));
  }
  assert.equal((await getJson(`${s.urls.api}/api/v3/traces/${hexId(16)}`)).status, 404);
  assert.equal((await getJson(`${s.urls.api}/api/traces/${hexId(16)}`)).status, 404);
});

test('Jaeger and v3 searches: full traces read and encoded in the store thread, each as the whole trace adjusted at once', async () => {
  const both = [whole, capped].map((id) => traces.get(id)!);
  const byIds = await getJson(`${s.urls.api}/api/traces?traceID=${capped}&traceID=${whole}&traceID=${hexId(16)}`);
  const expected = [capped, whole].map((id) => jaegerReference(traces.get(id)!, false, []).data[0]);
  assert.deepEqual(byIds.body, { data: expected, total: 2, limit: 0, offset: 0, errors: null });
  const search = await getJson(`${s.urls.api}/api/traces?service=frontend&limit=20`);
  assert.equal(search.body.total, 2);
  assert.deepEqual([...search.body.data].sort((a: any, b: any) => (a.traceID < b.traceID ? -1 : 1)), [...expected].sort((a: any, b: any) => (a.traceID < b.traceID ? -1 : 1)));
  const v3 = await getJson(`${s.urls.api}/api/v3/traces?query.serviceName=frontend`);
  assert.deepEqual(flat(v3.body.result.resourceSpans), flat(both.flatMap((t) => plain(encodeOtlpJsonTraces(jaegerViewSpans(jaegerView(t, false)))).resourceSpans)));
});
