// Custom spans and the ids of the active span, as thin wrappers over the OpenTelemetry API.
import { isSpanContextValid, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
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
 * exception event with ERROR status, then rethrown.
 */
export function withSpan<T>(name: string, fn: (span: Span) => T): T;
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T;
export function withSpan<T>(name: string, attributesOrFn: Attributes | ((span: Span) => T), maybeFn?: (span: Span) => T): T {
  const fn = typeof attributesOrFn === 'function' ? attributesOrFn : maybeFn;
  const attributes = typeof attributesOrFn === 'function' ? undefined : attributesOrFn;
  if (typeof fn !== 'function') throw new TypeError('withSpan(name, [attributes], fn): fn must be a function');
  return tracer().startActiveSpan(name, { attributes }, (span) => {
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
