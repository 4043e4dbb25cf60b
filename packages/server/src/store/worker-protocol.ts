/** Messages between the main thread and the store worker. */
import type { IngestRequest } from '../ingest.js';

export interface WorkerOptions {
  dataDir: string | null;
  retentionNano: bigint | null;
  maxSizeBytes: number | null;
  retentionIntervalMs: number;
  checkpointWalBytes: number;
  maxQueuedItems: number;
}

export type ToWorker =
  | { id: number; type: 'ingest'; req: IngestRequest }
  | { id: number; type: 'call'; method: string; args: unknown[] }
  | { id: number; type: 'close' };

export type FromWorker =
  | { type: 'ready'; path: string | null }
  | { type: 'fatal'; message: string }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };
