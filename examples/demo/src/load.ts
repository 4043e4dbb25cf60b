// runLoad(): shoppers that sign in, browse, search, fill a cart and (mostly) check out, over and over, against
// the gateway's JSON API. Each request is a new trace: the shoppers are not instrumented, like browsers without
// a tracing SDK.
import { setTimeout as sleep } from 'node:timers/promises';
import { PRODUCTS, SEARCH_TERMS } from './lib/products.js';

export interface LoadOptions {
  gatewayUrl: string;
  /** How long to run; sessions in progress stop at their next request. */
  durationMs: number;
  /** Shoppers at once; default 2. */
  concurrency?: number;
  /** Pause between a shopper's requests; default 20 ms. */
  thinkTimeMs?: number;
  /** Stops early. */
  signal?: AbortSignal;
}

export interface RouteStats {
  requests: number;
  errors: number;
}

export interface LoadStats {
  sessions: number;
  requests: number;
  /** Answers with a status of 400 or more, and requests that got no answer. */
  errors: number;
  checkouts: number;
  /** Per `METHOD /route`. */
  routes: Record<string, RouteStats>;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

class Stopped extends Error {}

export async function runLoad(options: LoadOptions): Promise<LoadStats> {
  const deadline = Date.now() + options.durationMs;
  const think = options.thinkTimeMs ?? 20;
  const stats: LoadStats = { sessions: 0, requests: 0, errors: 0, checkouts: 0, routes: {} };

  async function request(route: string, path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<unknown> {
    if (Date.now() >= deadline || options.signal?.aborted) throw new Stopped();
    const row = (stats.routes[route] ??= { requests: 0, errors: 0 });
    stats.requests++;
    row.requests++;
    try {
      const headers: Record<string, string> = {};
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${options.gatewayUrl}${path}`, {
        method: init.method ?? 'GET',
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: options.signal,
      });
      const text = await res.text();
      if (!res.ok) {
        stats.errors++;
        row.errors++;
        return undefined;
      }
      return text === '' ? null : (JSON.parse(text) as unknown);
    } catch (error) {
      if (options.signal?.aborted) throw new Stopped();
      stats.errors++;
      row.errors++;
      return undefined;
    } finally {
      await sleep(think);
    }
  }

  async function session(shopper: number): Promise<void> {
    const user = `shopper-${shopper}-${stats.sessions}`;
    // One session in four also asks the shop assistant (an LLM agent with tools), the first one included.
    const asksAssistant = stats.sessions % 4 === 0;
    stats.sessions++;
    const login = (await request('POST /api/login', '/api/login', { method: 'POST', body: { user } })) as { token?: string } | undefined;
    const token = login?.token;
    if (!token) return;
    await request('GET /api/products', '/api/products', { token });
    const term = pick(SEARCH_TERMS);
    await request('GET /api/search', `/api/search?q=${encodeURIComponent(term)}`, { token });
    if (asksAssistant) await request('POST /api/assistant', '/api/assistant', { method: 'POST', token, body: { question: `Do you have a ${term} in stock?` } });
    // Enough distinct items for the cart's per-item queries to stand out as N+1 when that scenario is on.
    const items = 5 + Math.floor(Math.random() * 3);
    const chosen = new Set<number>();
    while (chosen.size < items) chosen.add(pick(PRODUCTS).id);
    for (const id of chosen) {
      await request('GET /api/products/:id', `/api/products/${id}`, { token });
      await request('POST /api/cart/items', '/api/cart/items', { method: 'POST', token, body: { productId: id, quantity: 1 + (id % 2) } });
    }
    await request('GET /api/cart', '/api/cart', { token });
    if (Math.random() < 0.7) {
      if (await request('POST /api/checkout', '/api/checkout', { method: 'POST', token })) stats.checkouts++;
      else await request('DELETE /api/cart', '/api/cart', { method: 'DELETE', token });
    } else {
      await request('DELETE /api/cart', '/api/cart', { method: 'DELETE', token });
    }
  }

  async function shopper(n: number): Promise<void> {
    try {
      for (;;) await session(n);
    } catch (error) {
      if (!(error instanceof Stopped)) throw error;
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, (_, i) => shopper(i + 1)));
  return stats;
}
