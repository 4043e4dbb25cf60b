/**
 * The connections of one DuckDB database. Writes go through writer connections, each holding one explicit
 * transaction per batch; reads use their own connection and see only committed batches (MVCC); retention and
 * checkpoints use a third, never a writer's, whose transaction may be open.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { splitParams, type Param } from './params.js';

/** A result row by column name (SELECT ... AS name decides the names). */
export type Row = Record<string, DuckDBValue>;

export class Connections {
  private readonly freeWriters: DuckDBConnection[];
  private readonly writerWaiters: ((c: DuckDBConnection) => void)[] = [];

  /** Reads that must see one snapshot queue here, one at a time (a connection holds one transaction). */
  private snapshotQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writers: DuckDBConnection[],
    private readonly reader: DuckDBConnection,
    readonly maintenance: DuckDBConnection,
    /** Folds into the rollups (rollups.ts). */
    readonly rollup: DuckDBConnection,
    private readonly snapshotReader: DuckDBConnection,
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
    return new Connections(instance, writers, await instance.connect(), await instance.connect(), await instance.connect(), await instance.connect());
  }

  /** Rows of a read, by column name. */
  async rows(sql: string, params: readonly Param[] = []): Promise<Row[]> {
    const { values, types } = splitParams(params);
    const reader = await this.reader.runAndReadAll(sql, values, types);
    return reader.getRowObjects();
  }

  /** Runs `f` with reads that all see the same committed state. */
  readSnapshot<T>(f: (read: (sql: string, params?: readonly Param[]) => Promise<Row[]>) => Promise<T>): Promise<T> {
    const c = this.snapshotReader;
    const run = async () => {
      await c.run('BEGIN TRANSACTION');
      try {
        return await f(async (sql, params = []) => {
          const { values, types } = splitParams(params);
          return (await c.runAndReadAll(sql, values, types)).getRowObjects();
        });
      } finally {
        await c.run('COMMIT');
      }
    };
    const result = this.snapshotQueue.then(run, run);
    this.snapshotQueue = result.catch(() => undefined);
    return result;
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
    this.snapshotReader.closeSync();
    this.instance.closeSync();
  }
}
