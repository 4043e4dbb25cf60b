/**
 * How the MCP tools reach Sextant: one GET of a native API path, answered either over HTTP (`sextant mcp`, a
 * separate process) or in-process through the query server's own routes (`/api/mcp`). Both go through the same
 * route handlers, so the tools never re-implement a query, and both see the same errors.
 */
import type { FastifyInstance } from 'fastify';

export type Params = Record<string, string | string[] | undefined>;

export interface SextantClient {
  /** JSON body of a successful GET; throws SextantRequestError for any other answer. */
  get(path: string, params?: Params): Promise<unknown>;
}

/** A non-2xx answer from Sextant, with the API's own error sentence. */
export class SextantRequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function queryString(params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, one);
  }
  return q.toString();
}

function withQuery(path: string, params?: Params): string {
  const text = queryString(params);
  return text ? `${path}?${text}` : path;
}

function errorText(status: number, body: string): string {
  try {
    const json = JSON.parse(body) as { error?: unknown };
    if (typeof json.error === 'string') return json.error;
  } catch {
    // Not JSON: the Tempo API answers errors as plain text, which is the sentence to pass on.
    const text = body.trim();
    if (text !== '' && text.length <= 2000 && !text.startsWith('<')) return text;
  }
  return `Sextant answered HTTP ${status}`;
}

function parse(status: number, body: string): unknown {
  if (status < 200 || status > 299) throw new SextantRequestError(status, errorText(status, body));
  return JSON.parse(body);
}

/** A Sextant reached over HTTP; `token` is sent as `Authorization: Bearer` when the server requires one. */
export function httpClient(baseUrl: string, token?: string): SextantClient {
  const base = baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return {
    async get(path, params) {
      let res: Response;
      try {
        res = await fetch(base + withQuery(path, params), { headers });
      } catch (err) {
        throw new SextantRequestError(0, `cannot reach Sextant at ${base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
      }
      return parse(res.status, await res.text());
    },
  };
}

/**
 * The query server's routes called in-process. The caller's credentials and Host travel with each call, so
 * whatever guards the API (authentication, Host checks) applies to the MCP tools exactly as to the API.
 */
export function inProcessClient(app: FastifyInstance, forwarded: Record<string, string>): SextantClient {
  return {
    async get(path, params) {
      const res = await app.inject({ method: 'GET', url: withQuery(path, params), headers: { ...forwarded, accept: 'application/json' } });
      return parse(res.statusCode, res.body);
    },
  };
}
