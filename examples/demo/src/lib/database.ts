// DuckDB with a span per query. No OpenTelemetry instrumentation exists for @duckdb/node-api, so this is what
// the pg or mysql2 instrumentations do, written by hand with withSpan: a CLIENT span (the database is a remote
// service, so the dependency map shows it) named after the operation and table, carrying the parameterised
// statement (never the values: they may be personal data).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { SpanKind, withSpan } from '@sextant/node';
import { config, onExit } from './runtime.js';

/** DuckDB runs in-process; a database server would be a network round trip away, so each query waits this long. */
const ROUND_TRIP_MS = 1;

export interface QueryOptions {
  /** Extra time the query takes on the server (a fault scenario's slow plan). */
  extraLatencyMs?: number;
}

function describe(sql: string): { operation: string; table: string | undefined } {
  const operation = (/^\s*(\w+)/.exec(sql)?.[1] ?? 'QUERY').toUpperCase();
  const table = /\b(?:FROM|INTO|UPDATE)\s+([A-Za-z_][\w.]*)/i.exec(sql)?.[1];
  return { operation, table };
}

export class Database {
  private constructor(
    private readonly instance: DuckDBInstance,
    /** The database's name: `db.namespace`, and `<name>-db` is the node it makes in the dependency map. */
    readonly name: string,
  ) {}

  /** Opens (or creates) `<dataDir>/<name>.duckdb`; `init` creates and seeds the tables, without spans. */
  static async open(name: string, init: (exec: (sql: string, params?: DuckDBValue[]) => Promise<void>) => Promise<void>): Promise<Database> {
    const instance = await DuckDBInstance.create(join(config.dataDir, `${name}.duckdb`), { threads: '1' });
    const connection = await instance.connect();
    try {
      await init(async (sql, params) => {
        await connection.run(sql, params);
      });
    } finally {
      connection.closeSync();
    }
    onExit(() => instance.closeSync());
    return new Database(instance, name);
  }

  async query<T = Record<string, unknown>>(sql: string, params: DuckDBValue[] = [], options: QueryOptions = {}): Promise<T[]> {
    const { operation, table } = describe(sql);
    const attributes = {
      'db.system.name': 'duckdb',
      'db.namespace': this.name,
      'db.operation.name': operation,
      'db.query.text': sql,
      'peer.service': `${this.name}-db`,
      ...(table ? { 'db.collection.name': table } : {}),
    };
    return withSpan(table ? `${operation} ${table}` : operation, SpanKind.CLIENT, attributes, async (span) => {
      await sleep(ROUND_TRIP_MS + (options.extraLatencyMs ?? 0));
      const connection = await this.instance.connect();
      try {
        const rows = (await connection.runAndReadAll(sql, params)).getRowObjectsJson() as T[];
        span.setAttribute('db.response.returned_rows', rows.length);
        return rows;
      } finally {
        connection.closeSync();
      }
    });
  }
}
