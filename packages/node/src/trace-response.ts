// Tells the caller which trace its request joined: the W3C Trace Context Level 2 `traceresponse` header
// (`00-<trace-id>-<server span id>-<flags>`, https://www.w3.org/TR/trace-context-2/#traceresponse-header)
// and, optionally, a request-id style header holding the bare trace id.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context as otelContext, isSpanContextValid, trace, type Context, type Span } from '@opentelemetry/api';
import { outgoingTraceFlags } from './propagator.js';
import { formatTraceparent } from './traceparent.js';

export const TRACERESPONSE_HEADER = 'traceresponse';

export interface TraceResponseOptions {
  /** Also send the trace id in this header (for example `x-request-id`). Off by default. */
  requestIdHeader?: string;
}

interface HeaderTarget {
  headersSent?: boolean;
  setHeader(name: string, value: string): unknown;
}

/**
 * Sets the response headers for `span` (the active span by default). Returns the trace id, or undefined
 * when there is no valid span or the headers were already sent.
 */
export function setTraceResponseHeaders(
  res: HeaderTarget,
  options: TraceResponseOptions = {},
  span: Span | undefined = trace.getActiveSpan(),
  context: Context = otelContext.active(),
): string | undefined {
  const spanContext = span?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext) || res.headersSent) return undefined;
  res.setHeader(TRACERESPONSE_HEADER, formatTraceparent(spanContext.traceId, spanContext.spanId, outgoingTraceFlags(context, spanContext)));
  if (options.requestIdHeader) res.setHeader(options.requestIdHeader, spanContext.traceId);
  return spanContext.traceId;
}

/** Express (4 and 5) middleware: `app.use(traceResponse())`. */
export function traceResponse(options: TraceResponseOptions = {}) {
  return function sextantTraceResponse(_req: unknown, res: HeaderTarget, next: () => void): void {
    setTraceResponseHeaders(res, options);
    next();
  };
}

interface FastifyLike {
  addHook(name: 'onRequest', hook: (request: unknown, reply: { raw: HeaderTarget }, done: () => void) => void): unknown;
}

/**
 * Fastify plugin: `fastify.register(fastifyTraceResponse, { requestIdHeader: 'x-request-id' })`.
 * Hooks the root instance (not an encapsulated child context), so every route gets the headers.
 */
export const fastifyTraceResponse = Object.assign(
  function sextantFastifyTraceResponse(fastify: FastifyLike, options: TraceResponseOptions, done: () => void): void {
    fastify.addHook('onRequest', (_request, reply, hookDone) => {
      setTraceResponseHeaders(reply.raw, options);
      hookDone();
    });
    done();
  },
  { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@sextant/node' },
);

/** Plain `node:http`: `http.createServer(withTraceResponse((req, res) => { ... }))`. */
export function withTraceResponse<Req extends IncomingMessage, Res extends ServerResponse>(
  handler: (req: Req, res: Res) => void,
  options: TraceResponseOptions = {},
): (req: Req, res: Res) => void {
  return (req, res) => {
    setTraceResponseHeaders(res, options);
    handler(req, res);
  };
}
