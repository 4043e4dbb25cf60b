/**
 * `--max-size` on ClickHouse. The exporter partitions its tables by day (the trace-id lookup by week), so the
 * bound is kept by dropping whole days, oldest first, from every table Sextant reads: DROP PARTITION frees the
 * space at once, where a DELETE would wait for merges, and it changes no table's definition. The newest day is
 * never dropped (what is being written now). Age retention stays the tables' TTL.
 */
import { ident, LOCAL_SUFFIX, TABLES } from './schema.js';

type Rows = <T>(sql: string, params?: Record<string, unknown>) => Promise<T[]>;
type Command = (sql: string) => Promise<void>;

/** Tables partitioned by day (toDate of their time, or their Day column). */
const DAY_TABLES = [TABLES.traces, TABLES.logs, TABLES.attributeKeys, TABLES.red, TABLES.dependencies];
const DAY_NS = 86_400_000_000_000n;
/** Rounds per pass at most: each frees one day. */
const MAX_ROUNDS = 30;

interface Part {
  table: string;
  partition_id: string;
  partition: string;
  rows: string;
}

/** A partition's value as system.parts prints it for a Date key: 'YYYY-MM-DD' (quoted or not). */
const dayOf = (partition: string): string | null => /^'?(\d{4}-\d{2}-\d{2})'?$/.exec(partition)?.[1] ?? null;

/** Active bytes of the database's tables, as stats() counts them. */
export async function databaseBytes(rows: Rows, database: string): Promise<number> {
  const [r] = await rows<{ bytes: string }>(
    `SELECT toString(sum(bytes_on_disk)) AS bytes FROM system.parts WHERE database = {db:String} AND active`,
    { db: database },
  );
  return Number(r?.bytes ?? 0);
}

/** Drops the oldest days until the database holds at most maxBytes; returns the span rows dropped. */
export async function dropOldestDays(rows: Rows, command: Command, database: string, cluster: string | null, maxBytes: number): Promise<number> {
  const stored = (t: string) => (cluster ? t + LOCAL_SUFFIX : t);
  const onCluster = cluster ? ` ON CLUSTER ${ident(cluster)}` : '';
  let dropped = 0;
  for (let round = 0; round < MAX_ROUNDS && (await databaseBytes(rows, database)) > maxBytes; round++) {
    const parts = await rows<Part>(
      `SELECT table, partition_id, partition, toString(sum(rows)) AS rows FROM system.parts
       WHERE database = {db:String} AND active AND table IN {tables:Array(String)}
       GROUP BY table, partition_id, partition`,
      { db: database, tables: [...DAY_TABLES, TABLES.traceIdTs].map(stored) },
    );
    const spanDays = parts.filter((p) => p.table === stored(TABLES.traces)).map((p) => dayOf(p.partition)).filter((d) => d !== null).sort();
    // The newest day stays, however large: it is what is being written.
    if (spanDays.length <= 1) break;
    const oldest = spanDays[0]!;
    const oldestNano = BigInt(Date.parse(`${oldest}T00:00:00Z`)) * 1_000_000n;
    for (const p of parts) {
      const day = dayOf(p.partition);
      if (day === null || !/^[\w-]+$/.test(p.partition_id)) continue;
      // A week of trace-id lookups goes once all its days are gone.
      const last = p.table === stored(TABLES.traceIdTs) ? BigInt(Date.parse(`${day}T00:00:00Z`)) * 1_000_000n + 6n * DAY_NS : BigInt(Date.parse(`${day}T00:00:00Z`)) * 1_000_000n;
      if (last > oldestNano) continue;
      await command(`ALTER TABLE ${ident(database)}.${ident(p.table)}${onCluster} DROP PARTITION ID '${p.partition_id}'`);
      if (p.table === stored(TABLES.traces)) dropped += Number(p.rows);
    }
  }
  return dropped;
}
