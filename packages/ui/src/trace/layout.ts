import { buildTraceTree, errorReason, type Span } from '@sextant/core';
import type { TraceAnalysis } from './analysis-types.js';

/**
 * Everything the timeline needs, computed once per trace: spans in tree (pre-)order with depth and subtree
 * sizes, so that collapsing a subtree is a skip over a contiguous range and rendering a row is a few array reads.
 * Times are float milliseconds relative to the trace start, after clock-skew adjustment. The tree itself is
 * core's `buildTraceTree`, so the timeline nests spans exactly as the analysis does (shared Zipkin ids,
 * duplicates, loops).
 */
export interface TraceLayout {
  /** Spans in depth-first order, children by start time. */
  spans: Span[];
  depth: Int32Array;
  /** Number of descendants of each row (its subtree occupies the next `subtree[i]` rows). */
  subtree: Int32Array;
  parent: Int32Array;
  childCount: Int32Array;
  startMs: Float64Array;
  endMs: Float64Array;
  service: string[];
  /** Row of each span id (the first row carrying it). */
  indexById: Map<string, number>;
  traceStartNano: bigint;
  durationMs: number;
  maxDepth: number;
  services: string[];
  /** Why the span is an error ('' when it is not). */
  errorReason: string[];
  isError: Uint8Array;
  isRootCause: Uint8Array;
  /** Clock-skew adjustment of the span in ms (0 when none). */
  skewMs: Float64Array;
  /** Critical-path sections per row, relative ms. */
  critical: Map<number, [number, number][]>;
}

export function buildTraceLayout(input: readonly Span[], analysis: TraceAnalysis | undefined): TraceLayout {
  const tree = buildTraceTree(input);
  const n = input.length;
  const rowOf = new Int32Array(n);
  const spans: Span[] = new Array(n);
  const depth = new Int32Array(n);
  const service: string[] = new Array(n);
  const rowsById = new Map<string, number[]>();
  let maxDepth = 0;
  for (let row = 0; row < n; row++) {
    const node = tree.preorder[row];
    rowOf[node] = row;
    spans[row] = input[node];
    depth[row] = tree.depth[node];
    service[row] = tree.services[node];
    if (depth[row] > maxDepth) maxDepth = depth[row];
    const ids = rowsById.get(spans[row].spanId);
    if (ids) ids.push(row);
    else rowsById.set(spans[row].spanId, [row]);
  }
  const parent = new Int32Array(n);
  const subtree = new Int32Array(n);
  const childCount = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    const p = tree.parent[tree.preorder[row]];
    parent[row] = p < 0 ? -1 : rowOf[p];
  }
  for (let row = n - 1; row >= 0; row--) {
    const p = parent[row];
    if (p >= 0) {
      subtree[p] += subtree[row] + 1;
      childCount[p]++;
    }
  }

  // The analysis JSON names spans by id only. Spans sharing an id (Zipkin RPC halves) take that id's
  // adjustments in tree order; a lone adjustment for a shared id belongs to the later (server) half, the one
  // recorded on the other host.
  const skewNano = new Array<bigint>(n).fill(0n);
  const skewById = new Map<string, bigint[]>();
  for (const s of analysis?.clockSkew ?? []) {
    const list = skewById.get(s.spanId);
    if (list) list.push(BigInt(s.adjustNano));
    else skewById.set(s.spanId, [BigInt(s.adjustNano)]);
  }
  for (const [id, adj] of skewById) {
    const rows = rowsById.get(id) ?? [];
    const offset = Math.max(0, rows.length - adj.length);
    for (let k = 0; k < adj.length && offset + k < rows.length; k++) skewNano[rows[offset + k]] = adj[k];
  }

  let minStart = -1n;
  let maxEnd = 0n;
  for (let row = 0; row < n; row++) {
    const s = spans[row];
    if (s.startTimeUnixNano <= 0n) continue; // fragments without times would stretch the trace to 1970
    const st = s.startTimeUnixNano + skewNano[row];
    const en = s.endTimeUnixNano + skewNano[row];
    if (minStart < 0n || st < minStart) minStart = st;
    if (en > maxEnd) maxEnd = en;
  }
  if (minStart < 0n) minStart = 0n;
  if (maxEnd < minStart) maxEnd = minStart;

  const startMs = new Float64Array(n);
  const endMs = new Float64Array(n);
  const skewMs = new Float64Array(n);
  const indexById = new Map<string, number>();
  const rootCauseIds = new Set(analysis?.errors.rootCauseSpanIds ?? []);
  const reasons: string[] = new Array(n);
  const isError = new Uint8Array(n);
  const isRootCause = new Uint8Array(n);
  for (let row = 0; row < n; row++) {
    const s = spans[row];
    const adj = skewNano[row];
    const st = s.startTimeUnixNano > 0n ? s.startTimeUnixNano + adj : minStart;
    startMs[row] = Number(st - minStart) / 1e6;
    endMs[row] = Math.max(startMs[row], Number(s.endTimeUnixNano + adj - minStart) / 1e6);
    skewMs[row] = Number(adj) / 1e6;
    if (!indexById.has(s.spanId)) indexById.set(s.spanId, row);
    reasons[row] = errorReason(s) ?? '';
    isError[row] = reasons[row] ? 1 : 0;
    isRootCause[row] = isError[row] && rootCauseIds.has(s.spanId) ? 1 : 0;
  }

  const critical = new Map<number, [number, number][]>();
  for (const c of analysis?.criticalPath ?? []) {
    const seg: [number, number] = [Number(BigInt(c.startUnixNano) - minStart) / 1e6, Number(BigInt(c.endUnixNano) - minStart) / 1e6];
    // A section names an id; for a shared RPC id it belongs to the half whose time it lies within.
    const rows = rowsById.get(c.spanId) ?? [];
    const row = rows.find((r) => startMs[r] <= seg[0] + 1e-6 && endMs[r] >= seg[1] - 1e-6) ?? rows[0];
    if (row === undefined) continue;
    const list = critical.get(row);
    if (list) list.push(seg);
    else critical.set(row, [seg]);
  }

  return {
    spans,
    depth,
    subtree,
    parent,
    childCount,
    startMs,
    endMs,
    service,
    indexById,
    traceStartNano: minStart,
    durationMs: Number(maxEnd - minStart) / 1e6,
    maxDepth,
    services: [...new Set(service)].sort(),
    errorReason: reasons,
    isError,
    isRootCause,
    skewMs,
    critical,
  };
}

/** Rows left visible when the subtrees under `collapsed` are folded. */
export function visibleRows(layout: TraceLayout, collapsed: ReadonlySet<number>): Int32Array {
  const n = layout.spans.length;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; ) {
    out[k++] = i;
    i += collapsed.has(i) ? layout.subtree[i] + 1 : 1;
  }
  return out.subarray(0, k);
}
