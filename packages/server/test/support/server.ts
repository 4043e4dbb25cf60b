// Starts a real Sextant (in memory or on a DuckDB file) on ephemeral loopback ports for a test.
import { startSextant, type RunningSextant, type SextantOptions } from '../../src/server.js';

export async function startTestServer(opts: SextantOptions = {}): Promise<RunningSextant> {
  return startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpGrpcPort: 0, otlpHttpPort: 0, zipkinPort: 0, jaegerHttpPort: 0, jaegerGrpcPort: 0, uiDir: null, ...opts });
}

export async function getJson<T = any>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
