/**
 * Latency breakdown with Jaeger's Trace Statistics semantics. A span's self time is its duration minus the
 * time covered by its children, where overlapping children count once and the parts of a child outside its
 * parent are not subtracted (they are not the parent's time to lose).
 */
import type { TraceTree } from './tree.js';

export interface SelfTimeRow {
  service: string;
  /** Absent when grouped by service only. */
  operation?: string;
  count: number;
  totalNano: bigint;
  avgNano: bigint;
  minNano: bigint;
  maxNano: bigint;
  selfNano: bigint;
  selfAvgNano: bigint;
  selfMinNano: bigint;
  selfMaxNano: bigint;
  /** selfNano as a percentage of the whole trace's duration. */
  percentOfTrace: number;
}

/** Self time of every node; children are already ordered by start, so one sweep per parent merges them. */
export function selfTimes(tree: TraceTree): bigint[] {
  const { spans, childStart, childNodes, start, end } = tree;
  const out = new Array<bigint>(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const ps = start[i];
    const pe = end[i];
    let covered = 0;
    let runStart = 0;
    let runEnd = 0;
    let open = false;
    for (let m = childStart[i]; m < childStart[i + 1]; m++) {
      const c = childNodes[m];
      const cs = Math.max(start[c], ps);
      const ce = Math.min(end[c], pe);
      if (ce <= cs) continue;
      if (open && cs <= runEnd) {
        if (ce > runEnd) runEnd = ce;
        continue;
      }
      if (open) covered += runEnd - runStart;
      runStart = cs;
      runEnd = ce;
      open = true;
    }
    if (open) covered += runEnd - runStart;
    out[i] = BigInt(Math.max(pe - ps, 0) - covered);
  }
  return out;
}

/** Rows grouped by service, or by service and operation (span name), largest self time first. */
export function selfTimeStats(
  tree: TraceTree,
  groupBy: 'service' | 'operation',
  self: readonly bigint[] = selfTimes(tree),
): SelfTimeRow[] {
  // Rows by service, then by operation ('' when grouping by service): no key string to build per span.
  const byService = new Map<string, Map<string, SelfTimeRow>>();
  const out: SelfTimeRow[] = [];
  const { spans, services } = tree;
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    const duration = s.endTimeUnixNano > s.startTimeUnixNano ? s.endTimeUnixNano - s.startTimeUnixNano : 0n;
    let rows = byService.get(services[i]);
    if (rows === undefined) byService.set(services[i], (rows = new Map()));
    const operation = groupBy === 'service' ? '' : s.name;
    const row = rows.get(operation);
    if (!row) {
      const added: SelfTimeRow = {
        service: services[i],
        ...(groupBy === 'operation' ? { operation: s.name } : {}),
        count: 1,
        totalNano: duration,
        avgNano: 0n,
        minNano: duration,
        maxNano: duration,
        selfNano: self[i],
        selfAvgNano: 0n,
        selfMinNano: self[i],
        selfMaxNano: self[i],
        percentOfTrace: 0,
      };
      rows.set(operation, added);
      out.push(added);
      continue;
    }
    row.count++;
    row.totalNano += duration;
    if (duration < row.minNano) row.minNano = duration;
    if (duration > row.maxNano) row.maxNano = duration;
    row.selfNano += self[i];
    if (self[i] < row.selfMinNano) row.selfMinNano = self[i];
    if (self[i] > row.selfMaxNano) row.selfMaxNano = self[i];
  }
  const traceNano = tree.endNano - tree.startNano;
  for (const row of out) {
    row.avgNano = row.totalNano / BigInt(row.count);
    row.selfAvgNano = row.selfNano / BigInt(row.count);
    row.percentOfTrace = traceNano > 0n ? (Number(row.selfNano) / Number(traceNano)) * 100 : 0;
  }
  return out.sort((a, b) => (a.selfNano > b.selfNano ? -1 : a.selfNano < b.selfNano ? 1 : 0));
}
