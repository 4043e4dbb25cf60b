/**
 * Call-tree paths (`api:GET /cart/db:SELECT`): how spans of different traces are matched to each other. Two
 * traces of the same request type have the same paths; an extra loop iteration shows up as a higher count on
 * the same path, a new dependency as a new path.
 */
import type { TraceTree } from './tree.js';

export const PATH_SEPARATOR = ' / ';

/** The call-tree path of every node (service:operation of it and each ancestor, root first). */
export function callPaths(tree: TraceTree): string[] {
  const { spans, services, parent } = tree;
  const out = new Array<string>(spans.length);
  for (const i of tree.preorder) {
    const step = `${services[i]}:${spans[i].name}`;
    out[i] = parent[i] >= 0 ? out[parent[i]] + PATH_SEPARATOR + step : step;
  }
  return out;
}

export interface PathStats {
  count: number;
  /** Summed span durations, ns. */
  totalNano: number;
}

/** Span count and summed duration per call-tree path. Durations are numbers: sums of durations fit a double. */
export function pathStats(tree: TraceTree, paths: readonly string[] = callPaths(tree)): Map<string, PathStats> {
  const out = new Map<string, PathStats>();
  for (let i = 0; i < paths.length; i++) {
    const s = tree.spans[i];
    const d = s.endTimeUnixNano > s.startTimeUnixNano ? Number(s.endTimeUnixNano - s.startTimeUnixNano) : 0;
    const row = out.get(paths[i]);
    if (row) {
      row.count++;
      row.totalNano += d;
    } else {
      out.set(paths[i], { count: 1, totalNano: d });
    }
  }
  return out;
}
