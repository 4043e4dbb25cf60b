/**
 * The storage engines Sextant can run on, by the name `sextant serve --storage` takes. Each is loaded only when
 * chosen, so an engine's client library is needed only by those who use it.
 */
import type { StorageEngine } from './contract.js';

const ENGINES: Record<string, () => Promise<StorageEngine>> = {
  duckdb: async () => (await import('./duckdb/engine.js')).duckdbEngine as unknown as StorageEngine,
  clickhouse: async () => (await import('./clickhouse/engine.js')).clickhouseEngine as unknown as StorageEngine,
};

export const ENGINE_NAMES = Object.keys(ENGINES);

export async function loadEngine(name: string): Promise<StorageEngine> {
  const load = ENGINES[name];
  if (!load) throw new Error(`storage engine '${name}' is not one of ${ENGINE_NAMES.join(', ')}`);
  return load();
}
