/**
 * Ingest pipeline: group commit. Receivers submit encoded batches and wait; the pipeline writes everything that
 * queued up while the previous commit ran as one transaction, then acknowledges all of those requests together.
 * A request is acknowledged only after its spans are committed, so a crash never loses an acknowledged span,
 * and concurrent senders share one commit instead of paying one each. It knows batches only by their size: the
 * engine's encoder made them and the engine's writer commits them.
 */
import type { LogRecord } from '@sextant/core';
import type { BatchWriter, EncodedBatch } from '../storage/contract.js';
import { OverloadedError } from './errors.js';

export interface WriteFailure {
  /** When the first of the failing commits failed (ms since the epoch). */
  since: number;
  error: unknown;
}

interface Pending<B> {
  rows: B | null;
  logs: readonly LogRecord[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class IngestPipeline<B extends EncodedBatch> {
  private queue: Pending<B>[] = [];
  private queuedItems = 0;
  private writing = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private failing: WriteFailure | null = null;

  /**
   * @param maxConcurrentWrites batches in flight at once: while one commits, the next appends (the engine's
   * `concurrentWrites` capability).
   */
  constructor(
    private readonly store: BatchWriter<B>,
    private readonly maxQueuedItems = 200_000,
    private readonly maxConcurrentWrites = 2,
  ) {}

  /** Resolves once the spans and logs are committed. */
  submit(rows: B | null, logs: readonly LogRecord[] = []): Promise<void> {
    const n = (rows?.n ?? 0) + logs.length;
    if (n === 0) return Promise.resolve();
    if (this.queuedItems > 0 && this.queuedItems + n > this.maxQueuedItems) {
      return Promise.reject(new OverloadedError(`ingest queue is full (${this.queuedItems} items waiting); retry later`));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, logs, resolve, reject });
      this.queuedItems += n;
      if (!this.scheduled) {
        this.scheduled = true;
        // Let requests that are already being parsed join this batch.
        setImmediate(() => {
          this.scheduled = false;
          this.startWrites();
        });
      }
    });
  }

  private startWrites(): void {
    while (this.writing < this.maxConcurrentWrites && this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      this.writing++;
      void this.writeBatch(batch).finally(() => {
        this.writing--;
        this.startWrites();
        if (this.writing === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private async writeBatch(batch: Pending<B>[]): Promise<void> {
    const rows: B[] = [];
    const logs: LogRecord[] = [];
    let spans = 0;
    for (const p of batch) {
      if (p.rows) {
        rows.push(p.rows);
        spans += p.rows.n;
      }
      for (const l of p.logs) logs.push(l);
    }
    try {
      await this.store.writeBatches(rows, logs);
      this.failing = null;
      for (const p of batch) p.resolve();
    } catch (err) {
      this.failing ??= { since: Date.now(), error: err };
      for (const p of batch) p.reject(err);
    } finally {
      this.queuedItems -= spans + logs.length;
    }
  }

  /** Set while the store's commits fail: since the first failure, until a commit succeeds again. */
  get writeFailure(): WriteFailure | null {
    return this.failing;
  }

  /** Resolves when everything submitted so far is committed (or failed). */
  flush(): Promise<void> {
    if (this.writing === 0 && this.queue.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
