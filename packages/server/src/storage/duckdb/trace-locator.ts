/**
 * Where a trace's spans lie, without an index in the table. Spans are stored in ingest order, so the rows of a
 * run of consecutive ingest batches (batch_seq) sit in a few neighbouring row groups, which DuckDB's zone maps on
 * batch_seq prune to. Every sealed run of batches (a bucket of ~BUCKET_SPANS spans) keeps a Bloom filter of its
 * trace ids; a lookup reads only the buckets whose filter may hold the id, plus the batches not sealed yet (the
 * recent tail, at most about a bucket). Its cost is then a few buckets whatever the history stored, where a scan of
 * the trace_id column grows with it. A false positive costs one more bucket read, never a wrong answer; retention
 * leaves filters that promise more than is stored, which is harmless in the same way.
 *
 * The filters are persisted in `trace_blooms` (24–48 bits per trace per bucket) and held in memory.
 */
import { blobValue, type DuckDBBlobValue, type DuckDBConnection } from '@duckdb/node-api';
import type { Read } from './connections.js';

/** Spans per sealed bucket: one bucket read costs about this many trace ids compared. */
export const BUCKET_SPANS = 250_000;
/** Probes per id and filter bits per trace id (rounded up to a power of two): a false positive rate of ~1e-5. */
const HASHES = 12;
const BITS_PER_TRACE = 24;

/** Inclusive range of ingest batches; `last` null is the unsealed tail (every batch after the sealed ones). */
export interface SeqRange {
  first: bigint;
  last: bigint | null;
}

interface Bucket {
  first: bigint;
  last: bigint;
  minStart: bigint;
  /** Probes the filter was built with (stored with it, so that filters built with other settings stay readable). */
  hashes: number;
  bits: Uint8Array;
}

/** Two 32-bit hashes of a 128-bit id (murmur3-style mixing of its four words): the filter probes h1 + i·h2. */
function hashPair(id: bigint): [number, number] {
  let a = 0x9e3779b9;
  let b = 0x7f4a7c15;
  for (let shift = 0n; shift < 128n; shift += 32n) {
    const w = Number((id >> shift) & 0xffffffffn);
    a = Math.imul(a ^ w, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    b = Math.imul(b ^ w, 0x1b873593);
    b = (b << 13) | (b >>> 19);
    b = (b + a) | 0;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  return [a >>> 0, (b | 1) >>> 0];
}

function mayHold({ bits, hashes }: Bucket, [h1, h2]: [number, number]): boolean {
  const mask = bits.length * 8 - 1;
  for (let i = 0; i < hashes; i++) {
    const p = ((h1 + Math.imul(i, h2)) >>> 0) & mask;
    if ((bits[p >>> 3]! & (1 << (p & 7))) === 0) return false;
  }
  return true;
}

function filterOf(ids: readonly bigint[]): Uint8Array {
  let size = 1024;
  while (size < ids.length * BITS_PER_TRACE) size *= 2;
  const bits = new Uint8Array(size / 8);
  const mask = size - 1;
  for (const id of ids) {
    const [h1, h2] = hashPair(id);
    for (let i = 0; i < HASHES; i++) {
      const p = ((h1 + Math.imul(i, h2)) >>> 0) & mask;
      bits[p >>> 3]! |= 1 << (p & 7);
    }
  }
  return bits;
}

export class TraceLocator {
  private readonly buckets: Bucket[] = [];
  /** Last sealed batch; -1 when none is. */
  private sealed = -1n;

  static async load(read: Read): Promise<TraceLocator> {
    const locator = new TraceLocator();
    for (const r of await read(`SELECT seq_first, seq_last, min_ns, hashes, bits FROM trace_blooms ORDER BY seq_first`)) {
      const bits = (r.bits as DuckDBBlobValue).bytes;
      locator.buckets.push({ first: r.seq_first as bigint, last: r.seq_last as bigint, minStart: r.min_ns as bigint, hashes: Number(r.hashes), bits });
      locator.sealed = r.seq_last as bigint;
    }
    return locator;
  }

  /** The last sealed batch (-1 when none is): batches after a restart must be numbered past it. */
  get sealedThrough(): bigint {
    return this.sealed;
  }

  /**
   * Forgets the buckets none of whose batches holds a span any more (retention deleted them all), in memory and
   * on disk: otherwise filters would pile up with the history retention has already dropped, in memory, in the
   * file (counting against --max-size) and in every lookup's probes. `firstStoredSeq` is the oldest batch that
   * still holds a span, null when none does. Runs in the folds' queue, like seal().
   */
  async forgetDeleted(conn: DuckDBConnection, firstStoredSeq: bigint | null): Promise<void> {
    const keepFrom = firstStoredSeq ?? this.sealed + 1n;
    const gone = this.buckets.findIndex((b) => b.last >= keepFrom);
    const count = gone === -1 ? this.buckets.length : gone;
    if (count === 0) return;
    await conn.run(`DELETE FROM trace_blooms WHERE seq_last < ${keepFrom}`);
    this.buckets.splice(0, count);
  }

  /**
   * The batch ranges that may hold spans of any of `ids` (merged where adjacent), the unsealed tail last; with
   * `before`, only buckets holding a span that starts before it.
   */
  ranges(ids: readonly bigint[], before?: bigint): SeqRange[] {
    const hashes = ids.map(hashPair);
    const out: SeqRange[] = [];
    for (const b of this.buckets) {
      if (before !== undefined && b.minStart >= before) continue;
      if (!hashes.some((h) => mayHold(b, h))) continue;
      const prev = out[out.length - 1];
      if (prev && prev.last === b.first - 1n) prev.last = b.last;
      else out.push({ first: b.first, last: b.last });
    }
    const prev = out[out.length - 1];
    if (prev && prev.last === this.sealed) prev.last = null;
    else out.push({ first: this.sealed + 1n, last: null });
    return out;
  }

  /**
   * Seals the batches up to `through` (all of them committed) into buckets and persists their filters: whole
   * buckets only, unless `all` (then the rest too). Returns the spans sealed and those of `through`'s batches
   * left unsealed.
   */
  async seal(conn: DuckDBConnection, through: bigint, all = false): Promise<{ sealed: number; unsealed: number }> {
    if (through <= this.sealed) return { sealed: 0, unsealed: 0 };
    const read: Read = async (sql) => (await conn.runAndReadAll(sql)).getRowObjects();
    const counts = await read(`SELECT batch_seq AS seq, count(*) AS n FROM spans
      WHERE batch_seq >= ${this.sealed + 1n} AND batch_seq <= ${through} GROUP BY 1 ORDER BY 1`);
    const total = counts.reduce((n, r) => n + Number(r.n), 0);
    let sealedSpans = 0;
    let i = 0;
    while (i < counts.length) {
      let spans = 0;
      let j = i;
      while (j < counts.length && spans < BUCKET_SPANS) spans += Number(counts[j++]!.n);
      if (!all && spans < BUCKET_SPANS) break;
      const first = this.sealed + 1n;
      const last = counts[j - 1]!.seq as bigint;
      const range = `batch_seq BETWEEN ${first} AND ${last}`;
      const ids = (await read(`SELECT DISTINCT trace_id FROM spans WHERE ${range}`)).map((r) => r.trace_id as bigint);
      const [extent] = await read(`SELECT min(start_ns) AS lo FROM spans WHERE ${range}`);
      const bucket: Bucket = { first, last, minStart: extent!.lo as bigint, hashes: HASHES, bits: filterOf(ids) };
      await conn.run(`INSERT INTO trace_blooms (seq_first, seq_last, min_ns, traces, hashes, bits) VALUES (${first}, ${last}, ${bucket.minStart}, ${ids.length}, ${HASHES}, ?)`, [blobValue(bucket.bits)]);
      this.buckets.push(bucket);
      this.sealed = last;
      sealedSpans += spans;
      i = j;
    }
    return { sealed: sealedSpans, unsealed: total - sealedSpans };
  }
}

/**
 * `select` (a SELECT over `spans` whose WHERE clause is open for one more condition, with its `params`) read from
 * each range only, as one UNION ALL: one scan per range, each pruned by its batch bounds.
 */
export function inRanges<P>(ranges: readonly SeqRange[], select: string, params: readonly P[]): { sql: string; params: P[] } {
  const parts = ranges.map((r) => `${select} AND ${r.last === null ? `batch_seq >= ${r.first}` : `batch_seq BETWEEN ${r.first} AND ${r.last}`}`);
  return { sql: parts.join('\nUNION ALL\n'), params: ranges.flatMap(() => params) };
}
