/**
 * Repeated sibling calls: the same operation (and, for database calls, the same statement once literals are
 * replaced by `?`) issued many times under one parent. One after another it is the classic N+1 query loop; all
 * at once it is a fan-out. Both show up as one parent with a long run of near-identical children.
 */
import { getAttr, type Span } from '../model.js';
import { buildTraceTree, childrenOf, endOf, startOf, type TraceTree } from './tree.js';

export interface RepeatedCallFinding {
  parentSpanId: string;
  service: string;
  operation: string;
  /** Normalised statement, when the calls carry one. */
  statement?: string;
  count: number;
  /** `sequential` when the calls barely overlap (an N+1 loop), `parallel` when they mostly run together. */
  pattern: 'sequential' | 'parallel';
  totalNano: bigint;
  /** Time from the first call's start to the last call's end. */
  wallNano: bigint;
  spanIds: string[];
}

export const DEFAULT_MIN_REPEATS = 5;

/** Literals (strings, numbers, lists of them) become `?` so that one query shape matches its every instance. */
export function normalizeStatement(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/"(?:[^"\\]|\\.)*"/g, (m) => (/^"[A-Za-z_][\w$]*"$/.test(m) ? m : '?'))
    .replace(/\$\d+/g, '?')
    .replace(/\b0x[0-9a-f]+\b/gi, '?')
    .replace(/(?<![\w$])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?')
    .replace(/\(\s*\?(?:\s*,\s*\?)*\s*\)/g, '(?)')
    .replace(/\s+/g, ' ')
    .trim();
}

export function statementOf(span: Span): string | undefined {
  const v = getAttr(span.attributes, 'db.query.text') ?? getAttr(span.attributes, 'db.statement');
  return typeof v === 'string' && v !== '' ? normalizeStatement(v) : undefined;
}

export function findRepeatedCalls(tree: TraceTree, minRepeats = DEFAULT_MIN_REPEATS): RepeatedCallFinding[] {
  const { spans, services, childStart } = tree;
  const out: RepeatedCallFinding[] = [];
  for (const p of tree.preorder) {
    if (childStart[p + 1] - childStart[p] < minRepeats) continue;
    const groups = new Map<string, number[]>();
    for (const c of childrenOf(tree, p)) {
      if (startOf(tree, c) === 0n) continue; // an untimed fragment, not a call
      const key = `${services[c]}\u0000${spans[c].name}\u0000${statementOf(spans[c]) ?? ''}`;
      const g = groups.get(key);
      if (g) g.push(c);
      else groups.set(key, [c]);
    }
    for (const g of groups.values()) {
      if (g.length < minRepeats) continue;
      // Children are in start order, so one sweep gives both the summed time and the covered (wall) time.
      let total = 0n;
      let covered = 0n;
      let runEnd = -1n;
      const first = startOf(tree, g[0]);
      let last = first;
      for (const c of g) {
        const s = startOf(tree, c);
        const recordedEnd = endOf(tree, c);
        const e = recordedEnd > s ? recordedEnd : s;
        total += e - s;
        if (e > last) last = e;
        if (s >= runEnd) covered += e - s;
        else if (e > runEnd) covered += e - runEnd;
        if (e > runEnd) runEnd = e;
      }
      const statement = statementOf(spans[g[0]]);
      out.push({
        parentSpanId: spans[p].spanId,
        service: services[g[0]],
        operation: spans[g[0]].name,
        ...(statement !== undefined ? { statement } : {}),
        count: g.length,
        // Overlap below a half of the summed time means the calls mostly waited for each other.
        pattern: total > 0n && covered * 2n < total ? 'parallel' : 'sequential',
        totalNano: total,
        wallNano: last - first,
        spanIds: g.map((c) => spans[c].spanId),
      });
    }
  }
  return out.sort((a, b) => b.count - a.count || (a.totalNano > b.totalNano ? -1 : a.totalNano < b.totalNano ? 1 : 0));
}

export interface RepeatedCallPattern {
  service: string;
  operation: string;
  statement?: string;
  /** Traces with at least one such run. */
  traceCount: number;
  /** Share of the given traces that have it. */
  traceShare: number;
  maxCount: number;
  meanCount: number;
  meanTotalNano: bigint;
}

/** The same findings across many traces, one row per call shape, most widespread first. */
export function repeatedCallPatterns(traces: readonly (readonly Span[])[], minRepeats = DEFAULT_MIN_REPEATS): RepeatedCallPattern[] {
  const rows = new Map<string, { row: RepeatedCallPattern; lastTrace: number; sumCount: number; sumTotal: bigint; runs: number }>();
  traces.forEach((trace, t) => {
    for (const f of findRepeatedCalls(buildTraceTree(trace), minRepeats)) {
      const key = `${f.service}\u0000${f.operation}\u0000${f.statement ?? ''}`;
      let acc = rows.get(key);
      if (!acc) {
        acc = {
          row: { service: f.service, operation: f.operation, ...(f.statement !== undefined ? { statement: f.statement } : {}), traceCount: 0, traceShare: 0, maxCount: 0, meanCount: 0, meanTotalNano: 0n },
          lastTrace: -1,
          sumCount: 0,
          sumTotal: 0n,
          runs: 0,
        };
        rows.set(key, acc);
      }
      if (acc.lastTrace !== t) {
        acc.row.traceCount++;
        acc.lastTrace = t;
      }
      acc.runs++;
      acc.sumCount += f.count;
      acc.sumTotal += f.totalNano;
      if (f.count > acc.row.maxCount) acc.row.maxCount = f.count;
    }
  });
  return [...rows.values()]
    .map(({ row, sumCount, sumTotal, runs }) => ({
      ...row,
      traceShare: traces.length > 0 ? row.traceCount / traces.length : 0,
      meanCount: sumCount / runs,
      meanTotalNano: sumTotal / BigInt(runs),
    }))
    .sort((a, b) => b.traceCount - a.traceCount || b.meanCount - a.meanCount);
}
