/** DuckDB's background work: checkpoints as the write-ahead log grows, and retention. */
import { every } from '../periodic.js';
import type { DuckDBStore, DuckDBStoreOptions } from './duckdb-store.js';

/** Starts what the options ask for; returns the function that stops it. */
export function startBackgroundTasks(store: DuckDBStore, opts: DuckDBStoreOptions): () => void {
  const stops: (() => void)[] = [];
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
