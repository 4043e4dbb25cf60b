/**
 * Idempotent ingest. A span is identified by (trace id, span id, kind, start time): the kind tells apart the two
 * halves of a Zipkin shared span (client and server report the same span id), and the start time the repeated
 * events some Zipkin instrumentations report under one id (a consumer's receives), while a re-sent span keeps
 * all four. Before a batch is appended, its spans that are
 * already stored, or repeat one earlier in the batch or in a batch still being written, are dropped, so a retry
 * or a re-sent file never yields a second copy anywhere (trace by id, search counts, rollups, analysis).
 *
 * Finding stored spans reads only the row groups of the batch's time range, which zone maps prune to the recent
 * end of the table for live traffic.
 */
import type { SpanRows } from './span-rows.js';
import { traceIdListParam, type Param } from './params.js';
import type { Row } from './connections.js';

type Query = (sql: string, params: readonly Param[]) => Promise<Row[]>;

/** Trace ids as their two 64-bit words (the form of SpanRows.traceIds). */
function key(lo: bigint, hi: bigint, spanId: bigint, kind: number, start: bigint): string {
  return `${hi}:${lo}/${spanId}/${kind}/${start}`;
}

/**
 * Keys of spans in batches being written. A transaction's reads do not see batches that commit after it began, so
 * a batch's keys stay here until every batch that was being written when it committed has finished too.
 */
export class WritingKeys {
  private readonly keys = new Map<string, number>();
  /** Per batch: its keys, and the batches it must outlive. */
  private readonly batches = new Map<bigint, { keys: string[]; waitFor: Set<bigint> | null }>();

  has(k: string): boolean {
    return this.keys.has(k);
  }

  /** Called before the batch looks for stored copies: from then on, batches committing must wait for it. */
  begin(seq: bigint): void {
    this.batches.set(seq, { keys: [], waitFor: null });
  }

  add(seq: bigint, k: string): void {
    this.batches.get(seq)!.keys.push(k);
    this.keys.set(k, (this.keys.get(k) ?? 0) + 1);
  }

  /** The batch committed (or failed): its keys go once the batches running beside it are done. */
  finish(seq: bigint, committed: boolean): void {
    const b = this.batches.get(seq);
    if (!b) return;
    b.waitFor = committed ? new Set([...this.batches.keys()].filter((s) => s !== seq && this.batches.get(s)!.waitFor === null)) : new Set();
    for (const other of this.batches.values()) other.waitFor?.delete(seq);
    for (const [s, x] of this.batches) {
      if (x.waitFor === null || x.waitFor.size > 0) continue;
      this.batches.delete(s);
      for (const k of x.keys) {
        const n = this.keys.get(k)! - 1;
        if (n === 0) this.keys.delete(k);
        else this.keys.set(k, n);
      }
    }
  }
}

/**
 * Which stored spans a batch could repeat, without reading the table for most batches. The claim kept: every
 * stored span that starts at or after `floor` belongs to a trace listed here, with a start at most that trace's
 * listed one. At open the floor is just past the newest stored start (the claim holds with an empty list), and each
 * commit lists its traces; so a span starting at or after the floor whose trace is not listed cannot be stored
 * yet. Only the other spans (older than the floor, or of a listed trace: a trace continuing from an earlier batch,
 * or a retry) are looked up. Deleting spans (retention) keeps the claim true. The list is bounded: past `max`
 * traces the floor rises to the median of their starts and the traces wholly below it are forgotten.
 */
export class RecentTraces {
  private readonly latest = new Map<string, bigint>();

  constructor(
    private floor: bigint,
    private readonly max = 100_000,
  ) {}

  /** Whether the span may repeat a stored one and must be looked up. */
  mayBeStored(trace: string, start: bigint): boolean {
    return start < this.floor || this.latest.has(trace);
  }

  /** After a commit: the traces of the rows it kept, with their latest start. */
  committed(batches: readonly SpanRows[], skips: readonly (Uint8Array | null)[]): void {
    batches.forEach((b, j) => {
      const skip = skips[j];
      for (let i = 0; i < b.n; i++) {
        if (skip?.[i] === 1) continue;
        const t = traceKey(b, i);
        const s = b.starts[i]!;
        const known = this.latest.get(t);
        if (known === undefined || s > known) this.latest.set(t, s);
      }
    });
    if (this.latest.size > this.max) this.trim();
  }

  private trim(): void {
    const starts = Float64Array.from(this.latest.values(), Number).sort();
    const floor = BigInt(Math.floor(starts[starts.length >> 1]!));
    if (floor > this.floor) this.floor = floor;
    for (const [t, s] of this.latest) if (s < this.floor) this.latest.delete(t);
  }
}

function traceKey(b: SpanRows, i: number): string {
  return `${b.traceIds[2 * i + 1]}:${b.traceIds[2 * i]}`;
}

/**
 * Marks the rows of batch `seq` (begun in `writing`) to skip: one mask per SpanRows (null when it keeps every
 * row). The rows kept are registered as being written in the same synchronous step as the check, so two batches
 * never both keep the same span.
 */
export async function findDuplicates(seq: bigint, batches: readonly SpanRows[], query: Query, writing: WritingKeys, recent: RecentTraces): Promise<(Uint8Array | null)[]> {
  let min: bigint | null = null;
  let max: bigint | null = null;
  const traces = new Set<bigint>();
  for (const b of batches) {
    for (let i = 0; i < b.n; i++) {
      const s = b.starts[i]!;
      if (!recent.mayBeStored(traceKey(b, i), s)) continue;
      if (min === null || s < min) min = s;
      if (max === null || s > max) max = s;
      traces.add((b.traceIds[2 * i + 1]! << 64n) | b.traceIds[2 * i]!);
    }
  }
  const stored = new Set<string>();
  if (min !== null && max !== null) {
    const rows = await query(`SELECT trace_id, span_id, kind, start_ns FROM spans WHERE start_ns BETWEEN ? AND ? AND list_contains(?, trace_id)`, [
      min,
      max,
      traceIdListParam([...traces]),
    ]);
    for (const r of rows) {
      const t = r.trace_id as bigint;
      stored.add(key(BigInt.asUintN(64, t), t >> 64n, r.span_id as bigint, Number(r.kind), r.start_ns as bigint));
    }
  }
  return batches.map((b) => {
    let mask: Uint8Array | null = null;
    for (let i = 0; i < b.n; i++) {
      const k = key(b.traceIds[2 * i]!, b.traceIds[2 * i + 1]!, b.spanIds[i]!, b.kinds[i]!, b.starts[i]!);
      if (stored.has(k) || writing.has(k)) (mask ??= new Uint8Array(b.n))[i] = 1;
      else writing.add(seq, k);
    }
    return mask;
  });
}
