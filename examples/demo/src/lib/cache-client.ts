// Client of the cache service, with a CLIENT span per operation like a Redis client's. A cache that fails is not an
// outage of the caller: the span records the error and the read counts as a miss, so the caller goes to the
// database instead (which is exactly what puts the database on the critical path during the outage).
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { SpanKind, withSpan } from '@sextant/node';
import { serviceUrl } from './runtime.js';
import { untracedFetch } from './transport.js';

function attributes(operation: string, key: string) {
  return { 'peer.service': 'cache', 'db.operation.name': operation, 'cache.key': key };
}

function failed(span: Span, what: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: `cache unavailable: ${what}` });
}

function keyUrl(key: string): string {
  return `${serviceUrl('cache')}/keys/${encodeURIComponent(key)}`;
}

export function cacheGet<T>(key: string): Promise<T | undefined> {
  return withSpan('cache get', SpanKind.CLIENT, attributes('get', key), async (span) => {
    try {
      const res = await untracedFetch(keyUrl(key));
      if (res.status === 404) {
        span.setAttribute('cache.hit', false);
        return undefined;
      }
      if (!res.ok) {
        failed(span, `HTTP ${res.status}`);
        return undefined;
      }
      span.setAttribute('cache.hit', true);
      return ((await res.json()) as { value: T }).value;
    } catch (error) {
      failed(span, (error as Error).message);
      return undefined;
    }
  });
}

export function cacheSet(key: string, value: unknown, ttlMs: number): Promise<void> {
  return withSpan('cache set', SpanKind.CLIENT, attributes('set', key), async (span) => {
    try {
      const res = await untracedFetch(keyUrl(key), {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value, ttlMs }),
      });
      if (!res.ok) failed(span, `HTTP ${res.status}`);
    } catch (error) {
      failed(span, (error as Error).message);
    }
  });
}

/** Read-through: the cached value, or `load()`'s, which is then cached. */
export async function cached<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
  const hit = await cacheGet<T>(key);
  if (hit !== undefined) return hit;
  const value = await load();
  await cacheSet(key, value, ttlMs);
  return value;
}
