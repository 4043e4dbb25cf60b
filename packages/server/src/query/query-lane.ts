/**
 * The lane of expensive reads: searches, TraceQL, metrics, graphs, costs. At most `concurrency` run at once, each
 * for at most `timeoutMs`; the rest wait in order, for at most `maxWaitMs`. Cheap reads (trace by id, services,
 * health) never enter it, so a burst of heavy queries cannot hold them back. A slot is held until the engine
 * has really stopped (DuckDB interrupts at the limit), so the bound is on the engine's work, not only on answers.
 */
import { QueryTimeoutError, type ReadLimits } from '../storage/contract.js';

export interface QueryLaneOptions {
  /** Expensive reads running at once (--query-concurrency). */
  concurrency: number;
  /** Time limit of one expensive read (--query-timeout). */
  timeoutMs: number;
  /** How long a read may wait for a slot before it is refused with 503. */
  maxWaitMs: number;
  /** Reads that may wait at once; more are refused at once. */
  maxQueued: number;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
export const DEFAULT_QUERY_CONCURRENCY = 2;

export function queryLaneOptions(o: Partial<QueryLaneOptions> = {}): QueryLaneOptions {
  const timeoutMs = o.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  return {
    concurrency: o.concurrency ?? DEFAULT_QUERY_CONCURRENCY,
    timeoutMs,
    // Waiting longer than a client (Grafana's 30 s) would is pointless; a short timeout keeps the wait short too.
    maxWaitMs: o.maxWaitMs ?? Math.min(timeoutMs, 10_000),
    maxQueued: o.maxQueued ?? 100,
  };
}

/** No slot in the lane in time: a retryable answer (503 with Retry-After). */
export class QueryBusyError extends Error {
  override name = 'QueryBusyError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export class QueryLane {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly options: QueryLaneOptions) {}

  /**
   * Runs `read` (given the limits to pass to the engine) in the lane; with `deadline` (ms since the epoch), within
   * what is left of it: one request's many reads share one query timeout.
   */
  async run<T>(read: (limits: ReadLimits) => Promise<T>, deadline?: number): Promise<T> {
    await this.enter();
    const timeoutMs = deadline === undefined ? this.options.timeoutMs : Math.min(this.options.timeoutMs, deadline - Date.now());
    if (timeoutMs <= 0) {
      this.leave();
      throw this.timedOut();
    }
    const work = read({ timeoutMs });
    void work.then(
      () => this.leave(),
      () => this.leave(),
    );
    let timer: NodeJS.Timeout | undefined;
    // An engine that cannot stop its work (or is slow to say so) still gets its answer dropped at the limit.
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueryTimeoutError('')), timeoutMs + 50);
    });
    try {
      return await Promise.race([work, limit]);
    } catch (err) {
      throw err instanceof QueryTimeoutError ? this.timedOut() : err;
    } finally {
      clearTimeout(timer);
    }
  }

  private timedOut(): QueryTimeoutError {
    return new QueryTimeoutError(
      `the query ran longer than the query timeout (${seconds(this.options.timeoutMs)}) and was stopped; narrow it (a shorter time range, more filters) or raise --query-timeout`,
    );
  }

  private enter(): Promise<void> {
    if (this.running < this.options.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    const { concurrency, maxWaitMs, maxQueued } = this.options;
    const busy = (why: string) =>
      new QueryBusyError(`too many expensive queries at once: ${why} for one of ${concurrency} query slots (--query-concurrency); retry shortly`, 1 + Math.floor(Math.random() * 2));
    if (this.waiting.length >= maxQueued) return Promise.reject(busy(`${maxQueued} queries are already waiting`));
    return new Promise<void>((resolve, reject) => {
      const start = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(start), 1);
        reject(busy(`this one waited ${seconds(maxWaitMs)}`));
      }, maxWaitMs);
      this.waiting.push(start);
    });
  }

  /** A slot is free: hand it to the oldest waiter (the count stays), or give it back. */
  private leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
