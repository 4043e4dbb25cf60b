/** Retention by age and by size, oldest data first, on the maintenance connection. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Row } from './connections.js';
import { deleteRollupsBefore } from './rollups.js';

type Read = (sql: string) => Promise<Row[]>;

/**
 * CHECKPOINT refuses to run while another connection has a write transaction open (an ingest commit, a rollup
 * fold). FORCE CHECKPOINT would abort those, failing acknowledged-to-be work, so wait for a gap instead.
 */
export async function checkpointBetweenWrites(conn: DuckDBConnection, attempts = 50): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await conn.run('CHECKPOINT');
      return;
    } catch (err) {
      if (i >= attempts || !/other write transactions active/i.test((err as Error).message)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(20 * i, 200)));
    }
  }
}

export async function databaseBytes(read: Read): Promise<number> {
  const [r] = await read(`SELECT used_blocks * block_size AS bytes FROM pragma_database_size() LIMIT 1`);
  return Number(r?.bytes ?? 0);
}

async function deleteBefore(maintenance: DuckDBConnection, cutoffNano: bigint): Promise<number> {
  const res = await maintenance.run(`DELETE FROM spans WHERE start_ns < ?`, [cutoffNano]);
  await maintenance.run(`DELETE FROM logs WHERE time_ns < ?`, [cutoffNano]);
  await deleteRollupsBefore(maintenance, cutoffNano);
  return Number(res.rowsChanged);
}

export async function enforceRetention(maintenance: DuckDBConnection, read: Read, maxAgeNano: bigint | null, maxBytes: number | null): Promise<{ deletedSpans: number }> {
  let deleted = 0;
  if (maxAgeNano !== null) {
    deleted += await deleteBefore(maintenance, BigInt(Date.now()) * 1_000_000n - maxAgeNano);
  }
  if (maxBytes !== null) {
    // Deleted rows only give their blocks back at a checkpoint, so measure after one. DuckDB frees space a
    // whole row group (122,880 rows) at a time, so a round may free nothing until the oldest group is empty;
    // the newest row group is never deleted for size, since deleting from it cannot give space back.
    await checkpointBetweenWrites(maintenance);
    let bytes = await databaseBytes(read);
    for (let round = 0; round < 5 && bytes > maxBytes; round++) {
      const [groups] = await read(`SELECT count(DISTINCT row_group_id) AS n FROM pragma_storage_info('spans')`);
      if (Number(groups?.n ?? 0) <= 1) break;
      const fraction = Math.min(0.5, (bytes - maxBytes) / bytes + 0.05);
      const [row] = await read(`SELECT quantile_disc(start_ns, ${fraction}) AS cutoff FROM spans`);
      const cutoff = row?.cutoff as bigint | null | undefined;
      if (cutoff === null || cutoff === undefined) break;
      deleted += await deleteBefore(maintenance, cutoff + 1n);
      await checkpointBetweenWrites(maintenance);
      bytes = await databaseBytes(read);
    }
  }
  return { deletedSpans: deleted };
}
