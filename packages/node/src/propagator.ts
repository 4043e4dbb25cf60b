// Our W3C Trace Context propagator. The OpenTelemetry one (@opentelemetry/core W3CTraceContextPropagator)
// departs from the spec and the w3c/trace-context test harness (strict level 2) in ways that matter to us:
// - it drops invalid tracestate members one by one and truncates past 32 members, where the spec asks to
//   discard the whole tracestate (a vendor that cannot parse it must not pass a partial list on), and its
//   TraceState checks keys with Level 1 rules, dropping Level 2 keys such as `foo@` or a 242-character tenant;
// - it never sends the Level 2 random-trace-id flag (the SDK only keeps the sampled bit on new spans), and it
//   would write a 3-digit flags field for received flags >= 0x10;
// - it accepts at most one white-space character around traceparent (Node's HTTP parser trims header values,
//   but carriers such as message headers are not trimmed);
// - given several traceparent values as an array it continues the first, where the spec asks to restart.
// test/w3c-harness.test.ts fails 7 checks with the stock propagator (OTEL_PROPAGATORS=tracecontext) and none with ours.
// So we keep its interface (and `fields()`), and replace extraction and injection.
import {
  createContextKey,
  isSpanContextValid,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isTracingSuppressed, W3CTraceContextPropagator } from '@opentelemetry/core';
import { FLAG_RANDOM, formatTraceparent, parseTraceparent } from './traceparent.js';
import { parseTracestate, truncateTracestate, W3CTraceState } from './tracestate.js';

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';

interface RemoteTraceOrigin {
  traceId: string;
  random: boolean;
}

// The SDK builds each new span's flags from the sampling decision alone, so the random flag received with a
// trace would be lost by the time a child call is made. The context remembers it for the trace it came with.
const REMOTE_TRACE_ORIGIN = createContextKey('sextant remote trace origin');

/**
 * The trace flags to send for `spanContext`: its sampled bit, plus the Level 2 random flag — as received
 * when the trace was continued from a caller, set when this process started the trace (the SDK's ids are
 * random).
 */
export function outgoingTraceFlags(context: Context, spanContext: SpanContext): number {
  const origin = context.getValue(REMOTE_TRACE_ORIGIN) as RemoteTraceOrigin | undefined;
  const random = origin !== undefined && origin.traceId === spanContext.traceId ? origin.random : true;
  return (spanContext.traceFlags & TraceFlags.SAMPLED) | (random ? FLAG_RANDOM : 0);
}

function single(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}

export class SextantTraceContextPropagator extends W3CTraceContextPropagator {
  override inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context);
    if (!spanContext || isTracingSuppressed(context) || !isSpanContextValid(spanContext)) return;
    setter.set(carrier, TRACEPARENT, formatTraceparent(spanContext.traceId, spanContext.spanId, outgoingTraceFlags(context, spanContext)));
    const tracestate = spanContext.traceState?.serialize();
    if (tracestate) setter.set(carrier, TRACESTATE, tracestate);
  }

  override extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    // Several traceparent fields (an array here, or one value joined with commas by Node's HTTP parser,
    // which the parser rejects) are ambiguous: the spec says to restart the trace.
    const header = single(getter.get(carrier, TRACEPARENT));
    if (header === undefined) return context;
    const parent = parseTraceparent(header);
    if (!parent) return context;
    const members = parseTracestate(getter.get(carrier, TRACESTATE));
    const spanContext: SpanContext = {
      traceId: parent.traceId,
      spanId: parent.parentId,
      traceFlags: parent.traceFlags,
      isRemote: true,
    };
    if (members && members.length > 0) spanContext.traceState = new W3CTraceState(truncateTracestate(members));
    const origin: RemoteTraceOrigin = { traceId: parent.traceId, random: (parent.traceFlags & FLAG_RANDOM) !== 0 };
    return trace.setSpanContext(context, spanContext).setValue(REMOTE_TRACE_ORIGIN, origin);
  }
}
