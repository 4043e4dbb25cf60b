import type { LogRecord, Span } from '../model.js';
import { quote } from './errors.js';

export interface ValidateOptions {
  /** Accept any non-empty id (imported Jaeger files carry ids such as `span-E`). */
  opaqueIds?: boolean;
  /**
   * Accept any non-negative time: hand-written trace files (such as Jaeger UI's test traces) count microseconds
   * from zero. Never used for received data, where such times mean a unit mix-up.
   */
  anyTime?: boolean;
}

// A span outside 1990..2200 is almost surely a unit mix-up (µs or ms sent as ns) and would poison time ranges.
const MIN_TIME_NANO = 631_152_000_000_000_000n; // 1990-01-01T00:00:00Z
const MAX_TIME_NANO = 7_258_118_400_000_000_000n; // 2200-01-01T00:00:00Z

const HEX_32 = /^[0-9a-f]{32}$/;
const HEX_16 = /^[0-9a-f]{16}$/;
const ZEROS_32 = '0'.repeat(32);
const ZEROS_16 = '0'.repeat(16);

function checkId(field: string, id: unknown, hexLen: 16 | 32, opaque: boolean): string | null {
  if (typeof id !== 'string') return `${field}: expected a string, got ${typeof id}`;
  if (opaque) return id === '' ? `${field}: must not be empty` : null;
  if (!(hexLen === 32 ? HEX_32 : HEX_16).test(id)) {
    return `${field}: expected ${hexLen} lower-case hex characters, got ${quote(id)}`;
  }
  if (id === (hexLen === 32 ? ZEROS_32 : ZEROS_16)) return `${field}: must not be all zeros`;
  return null;
}

function checkTime(field: string, t: unknown, anyTime = false): string | null {
  if (typeof t !== 'bigint') return `${field}: expected integer nanoseconds, got ${quote(t)}`;
  if (anyTime) return t < 0n ? `${field}: must not be negative` : null;
  if (t < MIN_TIME_NANO || t > MAX_TIME_NANO) {
    return `${field}: ${t} ns is outside 1990..2200 (is it in the wrong unit?)`;
  }
  return null;
}

/** The checks every decoder applies to each span; returns why the span is unusable, or null. */
export function validateSpan(span: Span, options: ValidateOptions = {}): string | null {
  const opaque = options.opaqueIds === true;
  const err =
    checkId('traceId', span.traceId, 32, opaque) ??
    checkId('spanId', span.spanId, 16, opaque) ??
    (span.parentSpanId === '' ? null : checkId('parentSpanId', span.parentSpanId, 16, opaque)) ??
    checkTime('startTimeUnixNano', span.startTimeUnixNano, options.anyTime) ??
    checkTime('endTimeUnixNano', span.endTimeUnixNano, options.anyTime);
  if (err) return err;
  if (span.endTimeUnixNano < span.startTimeUnixNano) {
    return `endTimeUnixNano: ${span.endTimeUnixNano} is before startTimeUnixNano ${span.startTimeUnixNano}`;
  }
  if (typeof span.name !== 'string') return `name: expected a string, got ${quote(span.name)}`;
  return null;
}

/** Log records may be uncorrelated (empty ids) and may lack a time (0 means unknown in OTLP). */
export function validateLogRecord(log: LogRecord): string | null {
  const err =
    (log.traceId === '' ? null : checkId('traceId', log.traceId, 32, false)) ??
    (log.spanId === '' ? null : checkId('spanId', log.spanId, 16, false)) ??
    (log.timeUnixNano === 0n ? null : checkTime('timeUnixNano', log.timeUnixNano)) ??
    (log.observedTimeUnixNano === 0n ? null : checkTime('observedTimeUnixNano', log.observedTimeUnixNano));
  return err;
}
