/** DuckDB's background work: folding the rollups, sealing trace-id buckets (trace-locator.ts), checkpoints as the write-ahead log grows, and retention. */
import type { CommonStorageOptions, Maintenance } from '../contract.js';
import { every } from '../periodic.js';

export interface BackgroundTarget extends Pick<Maintenance, 'enforceRetention'> {
  readonly location: string | null;
  walBytes(): number;
  checkpoint(): Promise<void>;
  foldInBackground(): Promise<number>;
  indexTraceIds(): Promise<number>;
}

export interface BackgroundOptions extends Partial<CommonStorageOptions> {
  /** Checkpoint in the background once the write-ahead log is this large (no background checkpoints if unset). */
  checkpointWalBytes?: number;
}

/** Starts what the options ask for; returns the function that stops it. */
export function startBackgroundTasks(store: BackgroundTarget, opts: BackgroundOptions): () => void {
  const stops: (() => void)[] = [
    every(1000, 'folding the rollups', () => store.foldInBackground()),
    every(1000, 'locating trace ids', () => store.indexTraceIds()),
  ];
  const walLimit = opts.checkpointWalBytes;
  if (walLimit !== undefined && store.location !== null) {
    // Checkpoint when the WAL grows, never inside a commit (see DuckDBStore.checkpoint).
    stops.push(every(2000, 'background checkpoint', async () => {
      if (store.walBytes() >= walLimit) await store.checkpoint();
    }));
  }
  const maxAge = opts.retentionNano ?? null;
  const maxBytes = opts.maxSizeBytes ?? null;
  if (maxAge !== null || maxBytes !== null) {
    stops.push(every(opts.retentionIntervalMs ?? 60_000, 'retention pass', () => store.enforceRetention(maxAge, maxBytes), true));
  }
  return () => stops.forEach((stop) => stop());
}
