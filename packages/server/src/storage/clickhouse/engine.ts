/** ClickHouse, the scale-out engine: a server over HTTP or chdb, talked to from the main thread. */
import type { CommonStorageOptions, StorageEngine } from '../contract.js';
import type { ClickHouseStoreOptions } from './store.js';
import { TraceRowEncoder, type TraceRowBatch } from './rows.js';

export type ClickHouseEngineOptions = ClickHouseStoreOptions & CommonStorageOptions;

export const clickhouseEngine: StorageEngine<TraceRowBatch, ClickHouseEngineOptions> = {
  name: 'clickhouse',
  // Inserts are network calls: the engine's work happens in ClickHouse, so no thread of its own. Age retention is
  // the tables' TTL; --max-size drops the oldest days (retention.ts).
  capabilities: { ownThread: false, sizeRetention: true, concurrentWrites: 2, costs: true },
  createEncoder: () => new TraceRowEncoder(),
  open: async (options) => (await import('./store.js')).ClickHouseStore.open(options),
};
