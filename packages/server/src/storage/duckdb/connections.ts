/**
 * The connections of one DuckDB database. Writes go through writer connections, each holding one explicit
 * transaction per batch; reads use their own connection and see only committed batches (MVCC); retention and
 * checkpoints use a third, never a writer's, whose transaction may be open. Expensive reads (searches, graphs,
 * metrics) each take a connection of a pool, so that a cheap read (trace by id) never queues behind one on the
 * same connection, and so that stopping one at its time limit (interrupt) stops only that read.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { QueryTimeoutError, type ReadLimits } from '../contract.js';
import { splitParams, type Param } from './params.js';

/** A result row by column name (SELECT ... AS name decides the names). */
export type Row = Record<string, DuckDBValue>;

export type Read = (sql: string, params?: readonly Param[]) => Promise<Row[]>;

export class Connections {
  private readonly freeWriters: DuckDBConnection[];
  private readonly writerWaiters: ((c: DuckDBConnection) => void)[] = [];

  /** Connections of expensive reads not in use; the pool grows to the most expensive reads run at once. */
  private readonly freeHeavy: DuckDBConnection[] = [];
  private readonly heavy: DuckDBConnection[] = [];

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writers: DuckDBConnection[],
    private readonly reader: DuckDBConnection,
    readonly maintenance: DuckDBConnection,
    /** Folds into the rollups (rollups.ts). */
    readonly rollup: DuckDBConnection,
  ) {
    this.freeWriters = [...writers];
  }

  /**
   * @param writerCount writer connections: with two, one batch appends while the previous one commits (the commit
   * waits on the disk), so ingest is not bound by commit latency. DuckDB takes appends from both at once.
   */
  static async open(path: string, config: Record<string, string>, writerCount: number, ddl: readonly string[]): Promise<Connections> {
    const instance = await DuckDBInstance.create(path, config);
    const writers: DuckDBConnection[] = [];
    for (let i = 0; i < writerCount; i++) writers.push(await instance.connect());
    for (const statement of ddl) await writers[0]!.run(statement);
    return new Connections(instance, writers, await instance.connect(), await instance.connect(), await instance.connect());
  }

  /** Rows of a read, by column name. */
  async rows(sql: string, params: readonly Param[] = []): Promise<Row[]> {
    const { values, types } = splitParams(params);
    const reader = await this.reader.runAndReadAll(sql, values, types);
    return reader.getRowObjects();
  }

  /**
   * Runs an expensive read `f` on a connection of its own; with `snapshot`, all its reads see the same committed
   * state (one transaction). Past `limits.timeoutMs` the running statement is interrupted and the read rejects
   * with QueryTimeoutError, so the engine's work stops rather than finishing for nobody.
   */
  async expensive<T>(limits: ReadLimits | undefined, snapshot: boolean, f: (read: Read) => Promise<T>): Promise<T> {
    const c = this.freeHeavy.pop() ?? (await this.connectHeavy());
    let timedOut = false;
    const timer = limits ? setTimeout(() => ((timedOut = true), c.interrupt()), limits.timeoutMs) : null;
    const stopped = () => new QueryTimeoutError(`the read ran past its ${limits!.timeoutMs} ms limit`);
    const read: Read = async (sql, params = []) => {
      // An interrupt between two statements reaches neither: check before each.
      if (timedOut) throw stopped();
      const { values, types } = splitParams(params);
      try {
        return (await c.runAndReadAll(sql, values, types)).getRowObjects();
      } catch (err) {
        throw timedOut ? stopped() : err;
      }
    };
    try {
      if (snapshot) await c.run('BEGIN TRANSACTION');
      let ok = false;
      try {
        const out = await f(read);
        ok = true;
        return out;
      } finally {
        if (snapshot) await c.run(ok ? 'COMMIT' : 'ROLLBACK').catch(() => undefined);
      }
    } finally {
      if (timer) clearTimeout(timer);
      this.freeHeavy.push(c);
    }
  }

  private async connectHeavy(): Promise<DuckDBConnection> {
    const c = await this.instance.connect();
    this.heavy.push(c);
    return c;
  }

  /** Runs `f` with a writer connection of its own. */
  async withWriter<T>(f: (writer: DuckDBConnection) => Promise<T>): Promise<T> {
    const free = this.freeWriters.pop();
    const writer = free ?? (await new Promise<DuckDBConnection>((resolve) => this.writerWaiters.push(resolve)));
    try {
      return await f(writer);
    } finally {
      const next = this.writerWaiters.shift();
      if (next) next(writer);
      else this.freeWriters.push(writer);
    }
  }

  close(): void {
    for (const w of this.writers) w.closeSync();
    this.reader.closeSync();
    this.maintenance.closeSync();
    this.rollup.closeSync();
    for (const c of this.heavy) c.closeSync();
    this.instance.closeSync();
  }
}
