/** The main thread's handle on an engine running in its own thread: the StorageBackend interface, as typed calls. */
import { Worker } from 'node:worker_threads';
import type { LogRecord } from '@sextant/core';
import {
  QueryError,
  QueryTimeoutError,
  StorageUnavailableError,
  type BatchEncoder,
  type CostReader,
  type EncodedBatch,
  type ReadLimits,
  type StorageBackend,
} from '../contract.js';
import { remoteMethods, RpcClient } from './rpc.js';
import type { TraceEncoding } from '../../query/encoded-trace.js';
import { ENCODING_METHODS, STORE_METHODS, type StoreThreadData, type ThreadStartup } from './store-methods.js';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * From the build the worker is the .js file beside this one. From TypeScript sources (tests, tsx) the tsx loader
 * hooks of the main thread do not reach a worker, so a small bootstrap registers them there first.
 */
function spawnWorker(workerData: StoreThreadData): Worker {
  if (!FROM_SOURCE) return new Worker(new URL('./store-worker.js', import.meta.url), { workerData });
  const entry = new URL('./store-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** `costReport` answers only when the engine has the `costs` capability (the thread serves what the engine has). */
export interface WorkerStore<B extends EncodedBatch> extends StorageBackend<B>, CostReader {
  /** Trace pages encoded in the store's thread. */
  readonly traceEncoding: TraceEncoding;
  /** Called once if the store thread dies while the server still needs it (not after close()). */
  onDeath: ((err: Error) => void) | null;
}

/** Opens engine `engine` with `options` in a new thread. */
export async function openInWorker<B extends EncodedBatch>(engine: string, options: unknown, encoder: BatchEncoder<B>): Promise<WorkerStore<B>> {
  const worker = spawnWorker({ engine, options });
  const location = await new Promise<string | null>((resolve, reject) => {
    const onMessage = (m: ThreadStartup) => {
      if (m.type === 'ready') resolve(m.location);
      else reject(new Error(`cannot open the store: ${m.message}`));
      worker.off('message', onMessage);
      worker.off('error', reject);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
  const client = new RpcClient<Required<StorageBackend<B>> & CostReader & TraceEncoding>(worker, [QueryError, QueryTimeoutError, StorageUnavailableError]);
  let closing = false;
  const methods = remoteMethods(client, STORE_METHODS);
  const store: WorkerStore<B> = {
    ...methods,
    location,
    traceEncoding: remoteMethods(client, ENCODING_METHODS),
    onDeath: null,
    costReport: (startNano: bigint, endNano: bigint, limits?: ReadLimits) => client.call('costReport', [startNano, endNano, limits]),
    writeBatches: (batches: readonly B[], logs: readonly LogRecord[]) =>
      client.call('writeBatches', [batches, logs], batches.flatMap((b) => encoder.transferables(b))),
    async close() {
      if (closing) return;
      closing = true;
      await methods.close().catch(() => undefined);
      await worker.terminate();
    },
  };
  const fail = (err: Error) => {
    if (!closing) store.onDeath?.(err);
    client.fail(err);
  };
  worker.on('error', (err) => fail(new Error(`the store stopped: ${err.message}`)));
  worker.on('exit', () => fail(new Error('the store is closed')));
  return store;
}
