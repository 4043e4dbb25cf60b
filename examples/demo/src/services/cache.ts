// An in-memory key-value cache over HTTP, standing in for Redis or Memcached. Like them it is infrastructure
// and not instrumented: the services' `cache get` / `cache set` spans show it. In the cache-outage scenario it
// answers 503 to everything.
import { currentScenario } from '../lib/runtime.js';
import { HttpError, serve } from '../lib/http-server.js';

const entries = new Map<string, { value: unknown; expires: number }>();

function available(): void {
  if (currentScenario() === 'cache-outage') throw new HttpError(503, 'cache node down');
}

await serve([
  {
    method: 'GET',
    path: '/keys/:key',
    handler: ({ params }) => {
      available();
      const entry = entries.get(params.key);
      if (!entry || entry.expires < Date.now()) {
        entries.delete(params.key);
        return { status: 404, body: { error: 'miss' } };
      }
      return { body: { value: entry.value } };
    },
  },
  {
    method: 'PUT',
    path: '/keys/:key',
    handler: ({ params, body }) => {
      available();
      const { value, ttlMs } = (body ?? {}) as { value?: unknown; ttlMs?: number };
      if (value === undefined || typeof ttlMs !== 'number') throw new HttpError(400, 'PUT needs {value, ttlMs}');
      entries.set(params.key, { value, expires: Date.now() + ttlMs });
      return { status: 204 };
    },
  },
]);
