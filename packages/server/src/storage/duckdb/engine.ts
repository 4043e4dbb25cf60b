/** DuckDB, the embedded default: one file (or memory), opened in the store's own thread. */
import type { CommonStorageOptions, StorageEngine } from '../contract.js';
import type { DuckDBStoreOptions } from './duckdb-store.js';
import { SpanRowEncoder, type SpanRows } from './span-rows.js';

export type DuckDBEngineOptions = DuckDBStoreOptions & CommonStorageOptions;

export const duckdbEngine: StorageEngine<SpanRows, DuckDBEngineOptions> = {
  name: 'duckdb',
  capabilities: { ownThread: true, sizeRetention: true, concurrentWrites: 2, costs: true },
  createEncoder: () => new SpanRowEncoder(),
  // Loaded only here: the receiving thread needs the encoder, not the database.
  open: async (options) => (await import('./duckdb-store.js')).DuckDBStore.open(options),
};
