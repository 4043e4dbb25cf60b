/** The methods of a StorageBackend that cross to its thread: one list, used by both sides. */
import type { CostReader, StorageBackend } from '../contract.js';
import type { TraceEncoding } from '../../query/encoded-trace.js';
import type { MethodsOf } from './rpc.js';

// An object rather than an array so that the compiler checks the list is complete.
const METHODS = {
  write: true,
  writeBatches: true,
  getTrace: true,
  getTracePage: true,
  getTraces: true,
  searchTraces: true,
  getLogs: true,
  searchLogs: true,
  linksTo: true,
  services: true,
  operations: true,
  attributeKeys: true,
  attributeValues: true,
  dependencies: true,
  red: true,
  countSpans: true,
  stats: true,
  enforceRetention: true,
  close: true,
} satisfies Record<ThreadMethod, true>;

/**
 * Optional capabilities (countSpans, getTracePage) are listed too: only engines that implement them run in a thread of
 * their own (DuckDB), so the proxy may offer them.
 */
export type ThreadMethod = MethodsOf<Required<StorageBackend>>;
export const STORE_METHODS = Object.keys(METHODS) as ThreadMethod[];

/** Methods of optional capabilities (StorageCapabilities), served when the engine implements them. */
export const CAPABILITY_METHODS = ['costReport'] as const satisfies readonly MethodsOf<CostReader>[];

/** Trace pages encoded to JSON in the store's thread (query/encoded-trace.ts): only bytes cross to the main thread. */
export const ENCODING_METHODS = ['encodeTracePage', 'planJaegerTrace', 'encodeTraces'] as const satisfies readonly MethodsOf<TraceEncoding>[];

/** What the thread receives to open its engine. */
export interface StoreThreadData {
  engine: string;
  options: unknown;
}

export type ThreadStartup = { type: 'ready'; location: string | null } | { type: 'fatal'; message: string };
