// withSpan, current ids and the propagator inside one process, on the real OpenTelemetry SDK
// (NodeTracerProvider, AsyncLocalStorage context, in-memory exporter).
import assert from 'node:assert/strict';
import { before, beforeEach, test } from 'node:test';
import { context, defaultTextMapGetter, defaultTextMapSetter, propagation, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { currentSpanId, currentTraceId, SextantTraceContextPropagator, SpanKind, withSpan } from '@sextant/node';

const exporter = new InMemorySpanExporter();
const propagator = new SextantTraceContextPropagator();
const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const P = '00f067aa0ba902b7';

before(() => {
  new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register({ propagator });
});
beforeEach(() => exporter.reset());

test('withSpan (sync) returns the value, ends the span, exposes its ids', () => {
  let seen: [string | undefined, string | undefined] = [undefined, undefined];
  const value = withSpan('sync-work', { 'job.size': 3 }, (span) => {
    seen = [currentTraceId(), currentSpanId()];
    assert.equal(seen[1], span.spanContext().spanId);
    return 42;
  });
  assert.equal(value, 42);
  const [span] = exporter.getFinishedSpans();
  assert.equal(span.name, 'sync-work');
  assert.equal(span.attributes['job.size'], 3);
  assert.deepEqual(seen, [span.spanContext().traceId, span.spanContext().spanId]);
  assert.equal(currentTraceId(), undefined, 'no active span afterwards');
});

test('withSpan (async) keeps the span active across awaits and nests', async () => {
  const value = await withSpan('outer', async () => {
    await new Promise((r) => setTimeout(r, 1));
    return withSpan('inner', async () => {
      await Promise.resolve();
      return currentTraceId();
    });
  });
  const spans = exporter.getFinishedSpans();
  const outer = spans.find((s) => s.name === 'outer')!;
  const inner = spans.find((s) => s.name === 'inner')!;
  assert.equal(value, outer.spanContext().traceId);
  assert.equal(inner.parentSpanContext?.spanId, outer.spanContext().spanId);
});

test('withSpan records a thrown error, sets ERROR and rethrows (sync and async)', async () => {
  assert.throws(() => withSpan('sync-fail', () => { throw new Error('sync boom'); }), /sync boom/);
  await assert.rejects(withSpan('async-fail', async () => { throw new TypeError('async boom'); }), /async boom/);
  for (const [name, message] of [['sync-fail', 'sync boom'], ['async-fail', 'async boom']]) {
    const span = exporter.getFinishedSpans().find((s) => s.name === name)!;
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.status.message, message);
    assert.equal(span.events[0].name, 'exception');
    assert.equal(span.events[0].attributes?.['exception.message'], message);
    assert.ok(span.ended);
  }
});

test('withSpan takes an optional kind before the attributes; without one the span is INTERNAL', async () => {
  withSpan('plain', () => undefined);
  withSpan('with-attributes', { kind: 3, 'db.system': 'duckdb' }, () => undefined);
  withSpan('client', SpanKind.CLIENT, () => undefined);
  const rows = await withSpan('client-with-attributes', SpanKind.CLIENT, { 'peer.service': 'orders-db' }, async () => 7);
  assert.equal(rows, 7);
  const byName = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
  assert.equal(byName.get('plain')!.kind, SpanKind.INTERNAL);
  const withAttributes = byName.get('with-attributes')!;
  assert.equal(withAttributes.kind, SpanKind.INTERNAL, 'an attribute named kind stays an attribute');
  assert.deepEqual(withAttributes.attributes, { kind: 3, 'db.system': 'duckdb' });
  assert.equal(byName.get('client')!.kind, SpanKind.CLIENT);
  const clientWithAttributes = byName.get('client-with-attributes')!;
  assert.equal(clientWithAttributes.kind, SpanKind.CLIENT);
  assert.deepEqual(clientWithAttributes.attributes, { 'peer.service': 'orders-db' });
});

test('withSpan rejects an unknown kind and misplaced arguments without starting a span', () => {
  const call = withSpan as (...args: unknown[]) => unknown;
  assert.throws(() => call('bad-kind', 9, () => undefined), /9 is not a SpanKind/);
  assert.throws(() => call('no-fn', SpanKind.CLIENT, {}), TypeError);
  assert.throws(() => call('too-many', SpanKind.CLIENT, {}, {}, () => undefined), TypeError);
  assert.throws(() => call('kind-last', {}, SpanKind.CLIENT, () => undefined), TypeError);
  assert.deepEqual(exporter.getFinishedSpans(), []);
});

test('the propagator continues a valid traceparent and keeps the random flag on child spans', () => {
  const ctx = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${T}-${P}-03`, tracestate: 'rojo=1,congo=2' }, defaultTextMapGetter);
  const out: Record<string, string> = {};
  context.with(ctx, () => withSpan('child', () => propagation.inject(context.active(), out, defaultTextMapSetter)));
  const [child] = exporter.getFinishedSpans();
  assert.equal(child.parentSpanContext?.spanId, P);
  assert.equal(out.traceparent, `00-${T}-${child.spanContext().spanId}-03`);
  assert.equal(out.tracestate, 'rojo=1,congo=2');
});

test('the propagator sends sampled without random when the caller did not say random', () => {
  const ctx = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${T}-${P}-01` }, defaultTextMapGetter);
  const out: Record<string, string> = {};
  context.with(ctx, () => withSpan('child', () => propagation.inject(context.active(), out, defaultTextMapSetter)));
  assert.match(out.traceparent, /-01$/);
});

test('a trace this process starts is marked random', () => {
  const out: Record<string, string> = {};
  withSpan('root', () => propagation.inject(context.active(), out, defaultTextMapSetter));
  assert.match(out.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-03$/);
});

test('several traceparent values in an array restart the trace', () => {
  const ctx = propagator.extract(ROOT_CONTEXT, { traceparent: [`00-${T}-${P}-01`, `00-${T}-${P}-01`] }, defaultTextMapGetter);
  assert.equal(trace.getSpanContext(ctx), undefined);
});

test('an invalid tracestate is dropped while traceparent is kept', () => {
  const ctx = propagator.extract(ROOT_CONTEXT, { traceparent: `00-${T}-${P}-01`, tracestate: 'ok=1,BAD=2' }, defaultTextMapGetter);
  const sc = trace.getSpanContext(ctx)!;
  assert.equal(sc.traceId, T);
  assert.equal(sc.isRemote, true);
  assert.equal(sc.traceState, undefined);
});

test('nothing is injected without a valid span', () => {
  const out: Record<string, string> = {};
  propagator.inject(ROOT_CONTEXT, out, defaultTextMapSetter);
  assert.deepEqual(out, {});
});
