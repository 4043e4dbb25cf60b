/**
 * Critical path with Jaeger UI's semantics: start at the end of the root span, step into the child that
 * finished last before the current point, and when a span has no such child, credit it down to its own start
 * and return to its parent at that start. Children that the parent does not wait for (FOLLOWS_FROM, consumers of
 * its messages) and children entirely outside the parent are left out with their subtrees; children that
 * overflow the parent are clipped to it, against the already-clipped parent.
 *
 * One deliberate difference: a child that ends exactly where the next step began is eligible (Jaeger requires
 * it to end strictly before), so back-to-back sequential calls are all credited instead of their parent.
 *
 * The walk is iterative and each parent keeps a cursor into its children sorted by end time: the point we
 * return to only moves backwards, so a child skipped once is never eligible again and the walk is n·log n.
 */
import { sortSegment, type TraceTree } from './tree.js';

export interface CriticalPathSection {
  spanId: string;
  node: number;
  startNano: bigint;
  endNano: bigint;
}

/** Sections ordered by start time; they tile the root span's critical path without overlap. */
export function criticalPath(tree: TraceTree, root: number | undefined = tree.roots[0]): CriticalPathSection[] {
  if (root === undefined) return [];
  const { spans, childStart, childNodes, parent } = tree;
  const n = spans.length;
  // Clipped times, relative to the trace start (see TraceTree.start).
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  // The children a node waits for sit at the front of its slot in the tree's flat child list:
  // eligible[childStart[u] .. eligibleEnd[u]).
  const eligible = new Int32Array(childNodes.length);
  const eligibleEnd = new Int32Array(n);
  // Later-ending first; on equal clipped ends the one that really ended later, then input order.
  const endsLater = (a: number, b: number) => end[b] - end[a] || tree.end[b] - tree.end[a] || a - b;

  start[root] = tree.start[root];
  end[root] = Math.max(tree.end[root], start[root]);
  const stack = new Int32Array(n);
  let top = 0;
  stack[top++] = root;
  while (top > 0) {
    const u = stack[--top];
    let kept = childStart[u];
    for (let m = childStart[u]; m < childStart[u + 1]; m++) {
      const c = childNodes[m];
      if (tree.asyncFromParent[c]) continue;
      const cs = tree.start[c];
      const ce = Math.max(tree.end[c], cs);
      if (cs >= end[u] || (cs < start[u] && ce <= start[u])) continue;
      start[c] = Math.max(cs, start[u]);
      end[c] = Math.min(ce, end[u]);
      eligible[kept++] = c;
      stack[top++] = c;
    }
    eligibleEnd[u] = kept;
    sortSegment(eligible, childStart[u], kept, endsLater);
  }

  const cursor = childStart.slice(0, n);
  const backwards: { node: number; start: number; end: number }[] = [];
  const emit = (node: number, s: number, e: number) => {
    if (s >= e) return;
    // A zero-length child would otherwise split its parent's section in two.
    const last = backwards[backwards.length - 1];
    if (last !== undefined && last.node === node && last.start === e) last.start = s;
    else backwards.push({ node, start: s, end: e });
  };
  let cur = root;
  let returnedAt: number | undefined;
  // How far past the current point a child may end and still count as finished before it (see below).
  let slack = 0;
  for (;;) {
    const last = eligibleEnd[cur];
    let next = -1;
    let k = cursor[cur];
    if (returnedAt === undefined) {
      if (k < last) next = eligible[k++];
    } else {
      while (k < last && end[eligible[k]] > returnedAt + slack) k++;
      if (k < last) next = eligible[k++];
    }
    cursor[cur] = k;
    const sectionEnd = returnedAt ?? end[cur];
    if (next >= 0) {
      emit(cur, Math.min(end[next], sectionEnd), sectionEnd);
      cur = next;
      // A child accepted within the slack is clipped at the point, so that the sections still tile the path.
      returnedAt = end[next] > sectionEnd ? sectionEnd : undefined;
      slack = 0;
    } else {
      emit(cur, start[cur], sectionEnd);
      if (cur === root) break;
      returnedAt = start[cur];
      // OpenTelemetry JS (2.x) records start times in whole milliseconds but durations to the nanosecond, so a
      // span started right after its sibling finished seems to start up to 1 ms before that sibling's end.
      // After such a start, a sibling ending less than 1 ms later still counts as finished before it.
      slack = spans[cur].startTimeUnixNano % 1_000_000n === 0n ? 999_999 : 0;
      cur = parent[cur];
    }
  }
  const base = tree.startNano;
  return backwards.reverse().map((x) => ({
    spanId: spans[x.node].spanId,
    node: x.node,
    startNano: base + BigInt(x.start),
    endNano: base + BigInt(x.end),
  }));
}

/** Critical-path time credited to each node (0 for nodes off the path). */
export function criticalTimeByNode(tree: TraceTree, sections: readonly CriticalPathSection[]): bigint[] {
  const total = new Array<bigint>(tree.spans.length).fill(0n);
  for (const s of sections) total[s.node] += s.endNano - s.startNano;
  return total;
}
