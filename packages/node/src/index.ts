export { start, shutdown, type StartOptions, type Sextant } from './start.js';
export { withSpan, currentTraceId, currentSpanId } from './with-span.js';
// Re-exported so that withSpan's kind needs no direct dependency on @opentelemetry/api.
export { SpanKind } from '@opentelemetry/api';
export {
  traceResponse,
  fastifyTraceResponse,
  withTraceResponse,
  setTraceResponseHeaders,
  TRACERESPONSE_HEADER,
  type TraceResponseOptions,
} from './trace-response.js';
export { SextantTraceContextPropagator, outgoingTraceFlags } from './propagator.js';
export { parseTraceparent, formatTraceparent, FLAG_SAMPLED, FLAG_RANDOM, type Traceparent } from './traceparent.js';
export {
  parseTracestate,
  truncateTracestate,
  serializeTracestate,
  isValidTracestateKey,
  isValidTracestateValue,
  MAX_TRACESTATE_MEMBERS,
  W3CTraceState,
  type TracestateMember,
} from './tracestate.js';
export type { OtlpProtocol } from './exporters.js';
