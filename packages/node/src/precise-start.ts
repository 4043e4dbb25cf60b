// OpenTelemetry JS 2.x stamps a span's start with Date.now() (whole milliseconds) and its end as that start
// plus a high-resolution duration. A child that starts 0.3 ms after its parent can then be stamped a whole
// millisecond later and end after it: a server outlasting its caller. This processor re-stamps each start with
// sub-millisecond precision before anything reads it; the SDK measures the end from that start, so durations
// stay exactly what the monotonic clock measured.
import type { Context } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** How often the monotonic clock is checked against the wall clock, and how far it may drift before re-anchoring. */
const CHECK_MS = 10_000;
const MAX_DRIFT_MS = 1;

let anchorWall = 0;
let anchorPerf = Number.NaN;
let checkedAt = Number.NaN;

function anchor(): void {
  // Date.now() ticks in whole ms: anchoring right at a tick makes the fraction measured from it true.
  const wall = Date.now();
  let next = Date.now();
  while (next === wall) next = Date.now();
  anchorWall = next;
  anchorPerf = performance.now();
  checkedAt = anchorPerf;
}

/** Epoch milliseconds, with sub-microsecond resolution, of a `performance.now()` reading. */
export function epochMsAt(perf: number): number {
  if (Number.isNaN(anchorPerf)) anchor();
  else if (perf - checkedAt >= CHECK_MS) {
    checkedAt = perf;
    // Re-anchor only for real drift (NTP steps, suspend): every re-anchor can move times by a fraction of a ms.
    if (Math.abs(Date.now() + 0.5 - (anchorWall + (performance.now() - anchorPerf))) > MAX_DRIFT_MS) anchor();
  }
  return anchorWall + (perf - anchorPerf);
}

/** The SDK span's fields this processor reads and corrects (not in the public types). */
interface SdkSpanTimes {
  startTime: [number, number];
  _startTimeProvided?: boolean;
  _performanceStartTime?: number;
}

export class PreciseStartTime implements SpanProcessor {
  onStart(span: Span, _parent: Context): void {
    const s = span as unknown as SdkSpanTimes;
    // A start time the caller gave is the caller's to get right.
    if (s._startTimeProvided || !Array.isArray(s.startTime)) return;
    // The SDK measures the end from its own monotonic reading at start: stamp exactly that instant.
    const perf = typeof s._performanceStartTime === 'number' ? s._performanceStartTime : performance.now();
    s.startTime = millisToHrTime(epochMsAt(perf));
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
