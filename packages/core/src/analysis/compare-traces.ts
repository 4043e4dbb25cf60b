/**
 * Two traces side by side, aligned by call-tree path: what one does that the other does not (added or missing
 * subtrees) and where the same calls took longer. Results are JSON-safe: durations are numbers of nanoseconds.
 */
import type { Span } from '../model.js';
import { PATH_SEPARATOR, pathStats, type PathStats } from './call-path.js';
import { buildTraceTree } from './tree.js';

export interface SubtreeChange {
  path: string;
  count: number;
  totalNano: number;
}

export interface PathTiming {
  path: string;
  countA: number;
  countB: number;
  totalNanoA: number;
  totalNanoB: number;
  /** totalNanoB − totalNanoA. */
  deltaNano: number;
}

export interface TraceComparison {
  traceIdA: string;
  traceIdB: string;
  durationNanoA: number;
  durationNanoB: number;
  /** Subtrees only in B, at the topmost path where they start. */
  added: SubtreeChange[];
  /** Subtrees only in A, at the topmost path where they start. */
  missing: SubtreeChange[];
  /** Paths in both whose time grew, largest growth first. */
  slower: PathTiming[];
  /** Paths in both whose time shrank, largest drop first. */
  faster: PathTiming[];
  /** Paths in both called a different number of times. */
  countChanged: PathTiming[];
}

/** Minimum change worth reporting: 1 ms or 10% of the path's time in A, whichever is larger. */
function significant(a: number, delta: number): boolean {
  return Math.abs(delta) >= Math.max(1e6, a * 0.1);
}

function parentPath(path: string): string | undefined {
  const cut = path.lastIndexOf(PATH_SEPARATOR);
  return cut < 0 ? undefined : path.slice(0, cut);
}

function onlyIn(mine: Map<string, PathStats>, other: Map<string, PathStats>): SubtreeChange[] {
  const out: SubtreeChange[] = [];
  for (const [path, s] of mine) {
    if (other.has(path)) continue;
    const up = parentPath(path);
    if (up !== undefined && !other.has(up)) continue; // inside a subtree already reported at its top
    out.push({ path, count: s.count, totalNano: s.totalNano });
  }
  return out.sort((x, y) => y.totalNano - x.totalNano);
}

function traceDuration(spans: readonly Span[]): number {
  const tree = buildTraceTree(spans);
  return Number(tree.endNano - tree.startNano);
}

export function compareTraces(a: readonly Span[], b: readonly Span[]): TraceComparison {
  const statsA = pathStats(buildTraceTree(a));
  const statsB = pathStats(buildTraceTree(b));
  const slower: PathTiming[] = [];
  const faster: PathTiming[] = [];
  const countChanged: PathTiming[] = [];
  for (const [path, sa] of statsA) {
    const sb = statsB.get(path);
    if (!sb) continue;
    const row = { path, countA: sa.count, countB: sb.count, totalNanoA: sa.totalNano, totalNanoB: sb.totalNano, deltaNano: sb.totalNano - sa.totalNano };
    if (significant(sa.totalNano, row.deltaNano)) (row.deltaNano > 0 ? slower : faster).push(row);
    if (sa.count !== sb.count) countChanged.push(row);
  }
  slower.sort((x, y) => y.deltaNano - x.deltaNano);
  faster.sort((x, y) => x.deltaNano - y.deltaNano);
  countChanged.sort((x, y) => Math.abs(y.countB - y.countA) - Math.abs(x.countB - x.countA));
  return {
    traceIdA: a[0]?.traceId ?? '',
    traceIdB: b[0]?.traceId ?? '',
    durationNanoA: traceDuration(a),
    durationNanoB: traceDuration(b),
    added: onlyIn(statsB, statsA),
    missing: onlyIn(statsA, statsB),
    slower,
    faster,
    countChanged,
  };
}
