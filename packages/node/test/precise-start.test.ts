// Span start times on the real OpenTelemetry SDK: OTel JS 2.x stamps starts with Date.now() (whole ms) and ends
// with start + a high-resolution duration, so a child started a fraction of a millisecond after its parent can end
// after it. With @sextant/node's PreciseStartTime every child lies inside its parent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { hrTimeToNanoseconds } from '@opentelemetry/core';
import { context, trace } from '@opentelemetry/api';
import { PreciseStartTime } from '../src/precise-start.js';

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('children start and end inside their parents, with sub-millisecond start times', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new PreciseStartTime(), new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('precise-start-test');
  for (let i = 0; i < 300; i++) {
    const parent = tracer.startSpan('parent');
    spin(0.3);
    const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), parent));
    spin(0.2);
    child.end();
    spin(0.05);
    parent.end();
  }
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 600);
  let fractional = 0;
  for (let i = 0; i < spans.length; i += 2) {
    const [child, parent] = [spans[i], spans[i + 1]];
    const [cs, ce, ps, pe] = [child.startTime, child.endTime, parent.startTime, parent.endTime].map((t) => hrTimeToNanoseconds(t));
    assert.ok(cs >= ps && ce <= pe, `child [${cs}, ${ce}] inside parent [${ps}, ${pe}]`);
    // The measured gaps (0.3 ms, 0.05 ms) are kept, give or take the processor's own microseconds.
    assert.ok(cs - ps >= 300_000 && pe - ce >= 50_000, `gaps ${cs - ps} ns, ${pe - ce} ns`);
    if (ps % 1_000_000 !== 0) fractional++;
  }
  assert.ok(fractional > 250, `starts carry sub-millisecond digits (${fractional} of 300)`);
  // On the wall clock (the test's own scheduling delays are the slack).
  const lag = Date.now() - hrTimeToNanoseconds(spans[spans.length - 1].endTime) / 1e6;
  assert.ok(lag > -2 && lag < 1000, `the last end is ${lag} ms before now`);
});

test('a start time given by the caller is kept as given', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new PreciseStartTime(), new SimpleSpanProcessor(exporter)] });
  const given = Date.now() - 1000;
  const span = provider.getTracer('t').startSpan('given', { startTime: given });
  span.end();
  assert.equal(hrTimeToNanoseconds(exporter.getFinishedSpans()[0].startTime), given * 1_000_000);
});
