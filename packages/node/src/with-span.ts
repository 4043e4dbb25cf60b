// Custom spans and the ids of the active span, as thin wrappers over the OpenTelemetry API.
import { isSpanContextValid, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { PACKAGE_NAME, PACKAGE_VERSION } from './package-info.js';

function tracer() {
  // Looked up per call so that spans go to whichever provider is registered by then.
  return trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function recordFailure(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  else span.recordException(String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs `fn` inside a new active span named `name` and returns what `fn` returns. Works for sync and async
 * functions: the span ends when `fn` returns or its promise settles; a throw or rejection is recorded as an
 * exception event with ERROR status, then rethrown. The span is INTERNAL unless a `kind` is given (CLIENT for a
 * call to a database or another service that is not instrumented, PRODUCER/CONSUMER for messaging).
 */
export function withSpan<T>(name: string, fn: (span: Span) => T): T;
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T;
export function withSpan<T>(name: string, kind: SpanKind, fn: (span: Span) => T): T;
export function withSpan<T>(name: string, kind: SpanKind, attributes: Attributes, fn: (span: Span) => T): T;
export function withSpan<T>(name: string, ...rest: [...(SpanKind | Attributes)[], (span: Span) => T]): T {
  // The kind is a separate (number) argument rather than a key of an options object: an attributes object may
  // itself hold a key named `kind`, so an object could not say which of the two it is.
  const fn = rest.pop();
  const kind = typeof rest[0] === 'number' ? (rest.shift() as SpanKind) : undefined;
  const attributes = rest.shift() as Attributes | undefined;
  if (typeof fn !== 'function' || rest.length > 0 || (attributes !== undefined && (typeof attributes !== 'object' || attributes === null))) {
    throw new TypeError('withSpan(name, [kind], [attributes], fn): fn must be a function after at most a kind and an attributes object');
  }
  if (kind !== undefined && SpanKind[kind] === undefined) throw new TypeError(`withSpan: ${kind} is not a SpanKind`);
  return tracer().startActiveSpan(name, { kind, attributes }, (span) => {
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      recordFailure(span, error);
      span.end();
      throw error;
    }
    if (!isPromiseLike(result)) {
      span.end();
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        recordFailure(span, error);
        span.end();
        throw error;
      },
    ) as T;
  });
}

function activeSpanContext() {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The 32-hex trace id of the active span, or undefined outside a span. */
export function currentTraceId(): string | undefined {
  return activeSpanContext()?.traceId;
}

/** The 16-hex span id of the active span, or undefined outside a span. */
export function currentSpanId(): string | undefined {
  return activeSpanContext()?.spanId;
}
