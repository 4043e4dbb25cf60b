/** The main thread's handle on the store worker: the SpanStore API and ingest, as messages. */
import { Worker } from 'node:worker_threads';
import type { LogRecord, Span } from '@sextant/core';
import { decodeIngest, IngestRejected, OverloadedError, retentionWarning, type IngestRequest, type IngestResult, type Ingestor } from '../ingest.js';
import { rowBuffers, SpanRowEncoder } from './span-rows.js';
import {
  QueryError,
  type DependencyGraph,
  type OperationInfo,
  type RedQuery,
  type RedResult,
  type SearchResult,
  type SpanStore,
  type StoreStats,
  type TraceQuery,
} from './store.js';
import type { FromWorker, ToWorker, WorkerOptions } from './worker-protocol.js';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * From the build the worker is the .js file beside this one. From TypeScript sources (tests, tsx) the tsx loader
 * hooks of the main thread do not reach a worker, so a small bootstrap registers them there first.
 */
function spawnWorker(workerData: WorkerOptions): Worker {
  if (!FROM_SOURCE) return new Worker(new URL('./store-worker.js', import.meta.url), { workerData });
  const entry = new URL('./store-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

const ERRORS: Record<string, new (message: string) => Error> = { IngestRejected, OverloadedError, QueryError };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class WorkerStore implements SpanStore, Ingestor {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;
  private closing = false;
  /** Called once if the store thread dies while the server still needs it (not after close()). */
  onDeath: ((err: Error) => void) | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly path: string | null,
    private readonly retentionNano: bigint | null,
  ) {
    worker.on('message', (m: FromWorker) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new (ERRORS[m.error.name] ?? Error)(m.error.message));
    });
    const fail = (err: Error) => {
      if (this.dead) return;
      this.dead = err;
      if (!this.closing) this.onDeath?.(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err) => fail(new Error(`the store stopped: ${err.message}`)));
    worker.on('exit', () => fail(new Error('the store is closed')));
  }

  static async open(opts: WorkerOptions): Promise<WorkerStore> {
    const worker = spawnWorker(opts);
    const path = await new Promise<string | null>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if ('type' in m && m.type === 'ready') resolve(m.path);
        else if ('type' in m && m.type === 'fatal') reject(new Error(`cannot open the store: ${m.message}`));
        else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return new WorkerStore(worker, path, opts.retentionNano);
  }

  private send<T>(msg: DistributiveOmit<ToWorker, 'id'>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...msg, id } as ToWorker, transfer);
    });
  }

  private call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.send<T>({ type: 'call', method, args });
  }

  private readonly encoder = new SpanRowEncoder();

  /**
   * Decodes and encodes on this (the receiving) thread; the store's thread only appends and commits, so the
   * two share the work of ingest.
   */
  async ingest(req: IngestRequest): Promise<IngestResult> {
    const { spans, logs, result } = decodeIngest(req);
    const rows = spans.length > 0 ? this.encoder.encode(spans) : null;
    await this.send<void>({ type: 'rows', rows, logs }, rows ? rowBuffers(rows) : []);
    const warning = retentionWarning(spans, this.retentionNano, BigInt(Date.now()) * 1_000_000n);
    return { accepted: result.items.length, rejected: result.rejected, errors: result.errors, warning };
  }

  write(spans: readonly Span[], logs: readonly LogRecord[]): Promise<void> {
    return this.call('write', spans, logs);
  }
  getTrace(traceId: string): Promise<Span[]> {
    return this.call('getTrace', traceId);
  }
  getTraces(traceIds: readonly string[]): Promise<Map<string, Span[]>> {
    return this.call('getTraces', traceIds);
  }
  searchTraces(q: TraceQuery): Promise<SearchResult> {
    return this.call('searchTraces', q);
  }
  getLogs(traceId: string): Promise<LogRecord[]> {
    return this.call('getLogs', traceId);
  }
  services(): Promise<string[]> {
    return this.call('services');
  }
  operations(service?: string): Promise<(OperationInfo & { service: string })[]> {
    return this.call('operations', service);
  }
  attributeKeys(): Promise<string[]> {
    return this.call('attributeKeys');
  }
  attributeValues(key: string): Promise<string[]> {
    return this.call('attributeValues', key);
  }
  dependencies(startNano: bigint, endNano: bigint): Promise<DependencyGraph> {
    return this.call('dependencies', startNano, endNano);
  }
  red(q: RedQuery): Promise<RedResult> {
    return this.call('red', q);
  }
  stats(): Promise<StoreStats> {
    return this.call('stats');
  }
  enforceRetention(maxAgeNano: bigint | null, maxBytes: number | null): Promise<{ deletedSpans: number }> {
    return this.call('enforceRetention', maxAgeNano, maxBytes);
  }

  /** Finishes queued writes, checkpoints and closes the database, and ends the thread. */
  async close(): Promise<void> {
    if (this.dead) return;
    this.closing = true;
    await this.send({ type: 'close' });
    await this.worker.terminate();
  }
}
