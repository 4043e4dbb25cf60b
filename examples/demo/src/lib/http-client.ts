// Calls between services. fetch is instrumented (undici), so each call is a client span that carries the W3C
// traceparent to the callee.
import { HttpError } from './http-server.js';

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
}

/** JSON in, JSON out; a non-2xx answer throws HttpError with the callee's status and message. */
export async function call<T>(url: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  const body = text === '' ? undefined : (JSON.parse(text) as unknown);
  if (!res.ok) {
    const message = (body as { error?: string } | undefined)?.error ?? res.statusText;
    throw new HttpError(res.status, `${new URL(url).pathname}: ${message}`);
  }
  return body as T;
}
