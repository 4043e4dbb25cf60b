/**
 * How often each attribute key is searched by since the server started, for the cost view's "costly and never
 * searched" advice: tag filters of the native search (`attr.KEY=`), Jaeger's (`tags={…}`) and Jaeger v3's
 * (`query.attributes={…}`), counted from the requests themselves so that no search handler has to report them.
 * In memory: a restart forgets it.
 */
import type { FastifyInstance } from 'fastify';

const SEARCH_PATHS = new Set(['/api/v1/traces', '/api/traces', '/api/v3/traces', '/api/v3/trace-summaries', '/api/v1/cohort']);

function jsonKeys(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
  } catch {
    return [];
  }
}

/** The attribute keys a search request filters by. */
export function searchedKeys(query: Record<string, unknown>): string[] {
  const keys: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (name.startsWith('attr.') && name.length > 5) keys.push(name.slice(5));
    else if (name === 'tags' || name === 'query.attributes') keys.push(...jsonKeys(Array.isArray(value) ? value[0] : value));
  }
  return keys;
}

export class SearchUsage {
  private readonly counts = new Map<string, number>();

  note(keys: Iterable<string>): void {
    for (const k of new Set(keys)) this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Counts the keys of every answered search on `app`. */
  watch(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      if (reply.statusCode !== 200 || !SEARCH_PATHS.has(req.url.split('?')[0]!)) return;
      this.note(searchedKeys(req.query as Record<string, unknown>));
    });
  }
}
