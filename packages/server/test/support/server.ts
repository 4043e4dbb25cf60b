// Starts a real Sextant (in memory or on a DuckDB file) on ephemeral loopback ports for a test.
import assert from 'node:assert/strict';
import { startSextant, type RunningSextant, type SextantOptions } from '../../src/server.js';

export async function startTestServer(opts: SextantOptions = {}): Promise<RunningSextant> {
  return startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpGrpcPort: 0, otlpHttpPort: 0, zipkinPort: 0, jaegerHttpPort: 0, jaegerGrpcPort: 0, uiDir: null, ...opts });
}

export async function getJson<T = any>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Sends Zipkin v2 JSON (text or a value to serialise) through the running server's Zipkin receiver; it must be accepted. */
export async function postZipkin(s: RunningSextant, body: unknown): Promise<void> {
  const res = await fetch(`${s.urls.zipkin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  assert.equal(res.status, 202, await res.text());
}
