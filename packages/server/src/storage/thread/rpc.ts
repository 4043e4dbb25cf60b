/** Messages between the main thread and the store worker. */
import type { LogRecord } from '@sextant/core';
import type { SpanRows } from './span-rows.js';

export interface WorkerOptions {
  dataDir: string | null;
  retentionNano: bigint | null;
  maxSizeBytes: number | null;
  retentionIntervalMs: number;
  checkpointWalBytes: number;
  maxQueuedItems: number;
}

export type ToWorker =
  | { id: number; type: 'rows'; rows: SpanRows | null; logs: LogRecord[] }
  | { id: number; type: 'call'; method: string; args: unknown[] }
  | { id: number; type: 'close' };

export type FromWorker =
  | { type: 'ready'; path: string | null }
  | { type: 'fatal'; message: string }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };
