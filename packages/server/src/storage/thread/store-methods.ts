/** The methods of a StorageBackend that cross to its thread: one list, used by both sides. */
import type { StorageBackend } from '../contract.js';
import type { MethodsOf } from './rpc.js';

// An object rather than an array so that the compiler checks the list is complete.
const METHODS = {
  write: true,
  writeBatches: true,
  getTrace: true,
  getTraces: true,
  searchTraces: true,
  getLogs: true,
  services: true,
  operations: true,
  attributeKeys: true,
  attributeValues: true,
  dependencies: true,
  red: true,
  stats: true,
  enforceRetention: true,
  close: true,
} satisfies Record<MethodsOf<StorageBackend>, true>;

export const STORE_METHODS = Object.keys(METHODS) as MethodsOf<StorageBackend>[];

/** What the thread receives to open its engine. */
export interface StoreThreadData {
  engine: string;
  options: unknown;
}

export type ThreadStartup = { type: 'ready'; location: string | null } | { type: 'fatal'; message: string };
