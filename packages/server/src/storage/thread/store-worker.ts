/**
 * The store's own thread: it owns the DuckDB database, decodes ingest requests, commits them in groups, and runs
 * checkpoints and retention. The main thread only parses HTTP/gRPC and forwards bytes and queries here, so the
 * two cores of a small machine both work on ingest.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DuckDBStore } from './duckdb-store.js';
import { IngestPipeline } from '../pipeline.js';
import { IngestRejected, OverloadedError } from '../ingest.js';
import { QueryError } from './store.js';
import type { FromWorker, ToWorker, WorkerOptions } from './worker-protocol.js';

const opts = workerData as WorkerOptions;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

function errorPayload(err: unknown): { name: string; message: string } {
  const e = err as Error;
  const name = e instanceof IngestRejected ? 'IngestRejected' : e instanceof OverloadedError ? 'OverloadedError' : e instanceof QueryError ? 'QueryError' : 'Error';
  return { name, message: e?.message ?? String(err) };
}

async function main(): Promise<void> {
  const store = await DuckDBStore.open({ dataDir: opts.dataDir });
  const pipeline = new IngestPipeline(store, opts.maxQueuedItems);
  const timers: NodeJS.Timeout[] = [];

  // Checkpoint when the WAL grows, never inside a commit (see DuckDBStore.checkpoint).
  let checkpointing = false;
  timers.push(
    setInterval(() => {
      if (checkpointing || store.walBytes() < opts.checkpointWalBytes) return;
      checkpointing = true;
      store
        .checkpoint()
        .catch((err) => process.stderr.write(`sextant: background checkpoint failed: ${(err as Error).message}\n`))
        .finally(() => (checkpointing = false));
    }, 2000),
  );

  if (opts.retentionNano !== null || opts.maxSizeBytes !== null) {
    let busy = false;
    const run = async () => {
      if (busy) return;
      busy = true;
      try {
        await store.enforceRetention(opts.retentionNano, opts.maxSizeBytes);
      } catch (err) {
        process.stderr.write(`sextant: retention pass failed: ${(err as Error).message}\n`);
      } finally {
        busy = false;
      }
    };
    timers.push(setInterval(run, opts.retentionIntervalMs));
    void run();
  }

  port.on('message', (m: ToWorker) => {
    const reply = (p: Promise<unknown>) =>
      p.then(
        (value) => post({ id: m.id, ok: true, value }),
        (err) => post({ id: m.id, ok: false, error: errorPayload(err) }),
      );
    switch (m.type) {
      case 'rows':
        void reply(pipeline.submit(m.rows, m.logs));
        break;
      case 'call': {
        const fn = (store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m.method];
        void reply(typeof fn === 'function' ? Promise.resolve().then(() => fn.apply(store, m.args)) : Promise.reject(new Error(`no store method ${m.method}`)));
        break;
      }
      case 'close':
        for (const t of timers) clearInterval(t);
        void reply(pipeline.flush().then(() => store.close())).then(() => port.close());
        break;
    }
  });
  post({ type: 'ready', path: store.path });
}

main().catch((err) => post({ type: 'fatal', message: (err as Error).message }));
