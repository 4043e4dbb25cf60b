/**
 * Compaction at close. A checkpoint during ingest writes the row group it finds unfinished, and the next one
 * rewrites that group with the rows added since, freeing the blocks of the first copy; retention frees whole row
 * groups. DuckDB reuses free blocks for later writes but never gives them back to the file system, so after a run
 * with background checkpoints a third or more of the file could be free blocks (97 B/span of file for 58 B/span in
 * use). When free blocks are a large part of the file, close copies the database into a fresh file (COPY FROM
 * DATABASE keeps each column's compression) and renames the copy over the original. The rename is atomic: a crash
 * before it leaves the original whole beside a stale copy, which the next open deletes.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Row } from './connections.js';

type Read = (sql: string) => Promise<Row[]>;

/** Compact when at least this share of the file is free blocks... */
export const COMPACT_FREE_SHARE = 0.1;
/** ...and they add up to at least this much... */
export const COMPACT_MIN_FREE_BYTES = 1024 * 1024;
/**
 * ...and the blocks in use (what the copy reads and compresses again, ~50 MB/s on a small machine) are at most
 * this much, so that stopping never takes more than about half a minute. Larger files keep their free blocks for
 * later writes; after long runs they are a small share of the file.
 */
export const COMPACT_MAX_USED_BYTES = 1024 * 1024 * 1024;

export interface FileSpace {
  totalBytes: number;
  freeBytes: number;
}

export async function fileSpace(read: Read): Promise<FileSpace> {
  const [r] = await read(`SELECT total_blocks * block_size AS total, free_blocks * block_size AS free FROM pragma_database_size() LIMIT 1`);
  return { totalBytes: Number(r?.total ?? 0), freeBytes: Number(r?.free ?? 0) };
}

export function worthCompacting({ totalBytes, freeBytes }: FileSpace): boolean {
  return freeBytes >= COMPACT_MIN_FREE_BYTES && freeBytes >= totalBytes * COMPACT_FREE_SHARE && totalBytes - freeBytes <= COMPACT_MAX_USED_BYTES;
}

const copyPath = (path: string) => `${path}.compact`;

function removeCopy(path: string): void {
  for (const p of [copyPath(path), `${copyPath(path)}.wal`]) rmSync(p, { force: true });
}

/** A copy left by a compaction that did not finish (the process died before the rename). */
export const removeStaleCompaction = removeCopy;

/**
 * Copies the open database (checkpointed, no writes running) into the compacted file beside it; returns false
 * when there was nothing worth compacting. The original stays in use until `replaceWithCompacted`.
 */
export async function compactCopy(conn: DuckDBConnection, read: Read, path: string): Promise<boolean> {
  if (!worthCompacting(await fileSpace(read))) return false;
  removeCopy(path);
  const [db] = await read(`SELECT current_database() AS name`);
  const target = copyPath(path).replaceAll("'", "''");
  try {
    await conn.run(`ATTACH '${target}' AS sextant_compact`);
    await conn.run(`COPY FROM DATABASE "${String(db!.name).replaceAll('"', '""')}" TO sextant_compact`);
    // Detaching checkpoints the copy and syncs it: it is complete on disk before the rename.
    await conn.run(`DETACH sextant_compact`);
  } catch (err) {
    await conn.run(`DETACH DATABASE IF EXISTS sextant_compact`).catch(() => undefined);
    removeCopy(path);
    throw err;
  }
  return true;
}

/**
 * After the database is closed: the copy takes the original's place. Not when the original still has a
 * write-ahead log (its close did not checkpoint everything), which the copy would otherwise be paired with.
 */
export function replaceWithCompacted(path: string): boolean {
  if (existsSync(`${path}.wal`) || existsSync(`${copyPath(path)}.wal`)) {
    removeCopy(path);
    return false;
  }
  renameSync(copyPath(path), path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return true;
}
