// The storage conformance suite on DuckDB: opened in this thread, and behind the thread boundary as
// `sextant serve` runs it (typed RPC to a worker thread).
import { duckdbEngine } from '../../src/storage/duckdb/engine.js';
import { openInWorker } from '../../src/storage/thread/worker-store.js';
import { runConformance } from './conformance.js';
import { runTraceQLConformance } from './traceql-conformance.js';

const options = (dir: string) => ({ dataDir: dir, retentionNano: null, maxSizeBytes: null, retentionIntervalMs: 60_000 });

runConformance('duckdb', {
  open: (dir) => duckdbEngine.open(options(dir)),
  encoder: () => duckdbEngine.createEncoder(),
});

runConformance('duckdb in its own thread', {
  open: (dir) => openInWorker('duckdb', options(dir), duckdbEngine.createEncoder()),
  encoder: () => duckdbEngine.createEncoder(),
});

runTraceQLConformance('duckdb', { open: (dir) => duckdbEngine.open(options(dir)) });
runTraceQLConformance('duckdb in its own thread', { open: (dir) => openInWorker('duckdb', options(dir), duckdbEngine.createEncoder()) });
