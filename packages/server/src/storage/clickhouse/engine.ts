/** ClickHouse, the scale-out engine: a server over HTTP or chdb, talked to from the main thread. */
import type { CommonStorageOptions, StorageEngine } from '../contract.js';
import type { ClickHouseStoreOptions } from './store.js';
import { TraceRowEncoder, type TraceRowBatch } from './rows.js';

export type ClickHouseEngineOptions = ClickHouseStoreOptions & CommonStorageOptions;

export const clickhouseEngine: StorageEngine<TraceRowBatch, ClickHouseEngineOptions> = {
  name: 'clickhouse',
  // Inserts are network calls: the engine's work happens in ClickHouse, so no thread of its own; age retention
  // is the tables' TTL, so there is no size bound.
  capabilities: { ownThread: false, sizeRetention: false, concurrentWrites: 2, costs: false },
  createEncoder: () => new TraceRowEncoder(),
  open: async (options) => (await import('./store.js')).ClickHouseStore.open(options),
};
