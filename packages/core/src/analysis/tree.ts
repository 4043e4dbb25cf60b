/**
 * Trace assembly: the span tree every other analysis walks. Nodes are indexes into the input array (not span
 * ids), because real traces carry repeated ids: Zipkin's shared RPC spans (client and server halves with one id)
 * and plain duplicates from buggy instrumentation. Everything here is linear or n·log n in the span count.
 */
import { SpanKind, getAttr, serviceName, type Resource, type Span } from '../model.js';
import { JAEGER_REF_TYPE_ATTR } from '../codec/jaeger-json.js';
import { ZIPKIN_ATTR } from '../codec/zipkin.js';

export interface TraceTree {
  readonly spans: readonly Span[];
  /** `service.name` of each node, looked up once per Resource object. */
  readonly services: readonly string[];
  /** Parent node of each node, -1 for a root. */
  readonly parent: Int32Array;
  /**
   * Children of node i are `childNodes[childStart[i]]` up to `childNodes[childStart[i + 1]]`, ordered by start
   * time (input order on ties). One flat list instead of an array per node: a 50,000-span trace would otherwise
   * allocate 50,000 arrays. `childrenOf` gives one node's children where speed does not matter.
   */
  readonly childStart: Int32Array;
  readonly childNodes: Int32Array;
  /** Roots ordered by start time, longest first on ties: `roots[0]` is the primary root. */
  readonly roots: readonly number[];
  /** Roots whose parent span id names a span that is not in the trace (incomplete trace or broken propagation). */
  readonly orphans: readonly number[];
  /** Spans whose id repeats an earlier span's id without being its shared RPC half. */
  readonly duplicates: readonly number[];
  /** Server halves of shared (Zipkin-style) RPC spans, attached under their client half as Zipkin does. */
  readonly sharedServers: readonly number[];
  /** Spans whose parent chain looped back on itself; each loop was cut at one span, which became a root. */
  readonly cycleBreaks: readonly number[];
  /** Children that start before their parent starts or end after it ends. */
  readonly overflowing: readonly number[];
  /** 1 when the parent does not wait for the node: FOLLOWS_FROM, or a consumer of a message the parent produced. */
  readonly asyncFromParent: Uint8Array;
  /** Node of each span id: the client half of a shared id, the first span of a duplicated one. */
  readonly byId: ReadonlyMap<string, number>;
  /** Span links that resolve to spans of this trace. */
  readonly links: readonly { from: number; to: number }[];
  /** All nodes depth-first, roots in order, children in order. */
  readonly preorder: Int32Array;
  readonly depth: Int32Array;
  readonly startNano: bigint;
  readonly endNano: bigint;
  /**
   * Start and end of each node in ns relative to `startNano`, as doubles: exact for traces shorter than 104
   * days, and an order of magnitude faster to compare and subtract than bigints on large traces.
   */
  readonly start: Float64Array;
  readonly end: Float64Array;
  /**
   * What clock-skew correction added to each node's times when the tree was retimed (see `retimeTree`);
   * undefined for recorded times. The spans themselves are not copied, so read their times with `startOf` and
   * `endOf`; durations read from the spans are unaffected.
   */
  readonly shiftNano?: readonly bigint[];
}

/** Start of a node's span on the tree's (possibly corrected) clock. */
export function startOf(tree: TraceTree, node: number): bigint {
  const t = tree.spans[node].startTimeUnixNano;
  return tree.shiftNano === undefined ? t : t + tree.shiftNano[node];
}

/** End of a node's span on the tree's (possibly corrected) clock. */
export function endOf(tree: TraceTree, node: number): bigint {
  const t = tree.spans[node].endTimeUnixNano;
  return tree.shiftNano === undefined ? t : t + tree.shiftNano[node];
}

export function isFollowsFrom(span: Span): boolean {
  return getAttr(span.attributes, JAEGER_REF_TYPE_ATTR) === 'FOLLOWS_FROM';
}

/** `service.name` per span, reading each distinct Resource object once. */
export function serviceNames(spans: readonly Span[]): string[] {
  const cache = new Map<Resource, string>();
  const out = new Array<string>(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    let name = cache.get(s.resource);
    if (name === undefined) {
      name = serviceName(s);
      cache.set(s.resource, name);
    }
    out[i] = name;
  }
  return out;
}

function sameResource(a: Resource, b: Resource): boolean {
  if (a === b) return true;
  if (a.attributes.length !== b.attributes.length) return false;
  return a.attributes.every((kv) => {
    const other = getAttr(b.attributes, kv.key);
    return other === kv.value || (other !== null && typeof other === 'object' && JSON.stringify(other, bigintSafe) === JSON.stringify(kv.value, bigintSafe));
  });
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function isSharedHalf(span: Span, group: readonly number[], spans: readonly Span[]): boolean {
  if (getAttr(span.attributes, ZIPKIN_ATTR.shared) === true) return true;
  return span.kind === SpanKind.SERVER && group.some((j) => spans[j].kind === SpanKind.CLIENT);
}

/** Children of one node in start order (a view into `tree.childNodes`). */
export function childrenOf(tree: TraceTree, node: number): Int32Array {
  return tree.childNodes.subarray(tree.childStart[node], tree.childStart[node + 1]);
}

/** The parts of a tree that do not depend on span times, so that a clock-skew correction can reuse them. */
type TraceStructure = Pick<
  TraceTree,
  'spans' | 'services' | 'parent' | 'childStart' | 'childNodes' | 'duplicates' | 'sharedServers' | 'cycleBreaks' | 'asyncFromParent' | 'byId' | 'links'
> & { readonly orphanFlag: Uint8Array };

function linkSpans(spans: readonly Span[]): TraceStructure {
  const n = spans.length;
  const services = serviceNames(spans);
  // First span per id; only ids that repeat get a list. Ids rarely repeat, so first try one Map operation per
  // span; a map smaller than the trace means some did, and it is rebuilt pointing at first occurrences (`set`
  // keeps a key's first position, so the map lists ids in first-seen order either way).
  const byId = new Map<string, number>();
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) byId.set(spans[i].spanId, i);
  if (byId.size < n) {
    byId.clear();
    for (let i = 0; i < n; i++) {
      const id = spans[i].spanId;
      const first = byId.get(id);
      if (first === undefined) byId.set(id, i);
      else {
        const g = groups.get(id);
        if (g) g.push(i);
        else groups.set(id, [first, i]);
      }
    }
  }

  const shared = new Uint8Array(n);
  const duplicates: number[] = [];
  const sharedServers: number[] = [];
  for (const [id, group] of groups) {
    const halves = group.filter((i) => isSharedHalf(spans[i], group, spans));
    const plain = group.filter((i) => !halves.includes(i));
    // The client half owns the id; with no client present the first span does (a lone server half keeps its
    // own parent id). Other spans with the id are fragments or duplicates.
    const canonical = plain.find((i) => spans[i].kind === SpanKind.CLIENT) ?? plain[0] ?? halves[0];
    byId.set(id, canonical);
    for (const i of halves) if (i !== canonical) shared[i] = 1;
    for (const i of plain) if (i !== canonical) duplicates.push(i);
  }

  const parent = new Int32Array(n).fill(-1);
  const orphanFlag = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    if (shared[i]) {
      parent[i] = byId.get(s.spanId)!;
      sharedServers.push(i);
      continue;
    }
    if (s.parentSpanId === '') continue;
    const found = byId.get(s.parentSpanId);
    if (found === undefined) {
      orphanFlag[i] = 1;
      continue;
    }
    // Zipkin's rule: a span belongs under the server half of its parent id only when it was recorded by that
    // same endpoint (same resource); otherwise the id means the client half.
    let p = found;
    const group = groups.size > 0 ? groups.get(s.parentSpanId) : undefined;
    if (group) {
      for (const j of group) if (shared[j] && sameResource(spans[j].resource, s.resource)) p = j;
    }
    parent[i] = p; // a span naming itself as parent is cut below like any other loop
  }

  // Cut parent loops: walk up from every span not yet known to reach a root; a walk that meets itself is a loop.
  const cycleBreaks: number[] = [];
  const state = new Uint8Array(n); // 0 unknown, 1 on current walk, 2 reaches a root
  const walk = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0) continue;
    let length = 0;
    let j = i;
    while (j >= 0 && state[j] === 0) {
      state[j] = 1;
      walk[length++] = j;
      j = parent[j];
    }
    if (j >= 0 && state[j] === 1) {
      parent[j] = -1;
      cycleBreaks.push(j);
    }
    for (let k = 0; k < length; k++) state[walk[k]] = 2;
  }

  // Child lists in input order, counted first so that they fit one flat array.
  const childStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) if (parent[i] >= 0) childStart[parent[i] + 1]++;
  for (let i = 0; i < n; i++) childStart[i + 1] += childStart[i];
  const childNodes = new Int32Array(childStart[n]);
  const fill = childStart.slice(0, n);
  for (let i = 0; i < n; i++) if (parent[i] >= 0) childNodes[fill[parent[i]]++] = i;

  const asyncFromParent = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = parent[i];
    if (p < 0) continue;
    const s = spans[i];
    if (
      (s.kind === SpanKind.CONSUMER && (spans[p].kind === SpanKind.PRODUCER || services[p] !== services[i])) ||
      isFollowsFrom(s)
    ) {
      asyncFromParent[i] = 1;
    }
  }

  const links: { from: number; to: number }[] = [];
  for (let i = 0; i < n; i++) {
    const spanLinks = spans[i].links;
    for (let k = 0; k < spanLinks.length; k++) {
      const l = spanLinks[k];
      const to = l.traceId === spans[i].traceId ? byId.get(l.spanId) : undefined;
      if (to !== undefined) links.push({ from: i, to });
    }
  }

  return { spans, services, parent, childStart, childNodes, orphanFlag, duplicates, sharedServers, cycleBreaks, asyncFromParent, byId, links };
}

/**
 * Sorts `nodes[from..to)` in place by `compare`, a total order (ties broken by node index). Segments are
 * usually short and already in order, as instrumentation reports children in the order it started them, so
 * that case is one comparison per node and allocates nothing.
 */
export function sortSegment(nodes: Int32Array, from: number, to: number, compare: (a: number, b: number) => number): void {
  let sorted = true;
  for (let k = from + 1; k < to && sorted; k++) sorted = compare(nodes[k - 1], nodes[k]) < 0;
  if (sorted) return;
  const part = Array.from(nodes.subarray(from, to));
  part.sort(compare);
  nodes.set(part, from);
}

/** Everything that follows from span times: bounds, child and root order, depth-first order, overflows. */
function placeInTime(structure: TraceStructure, shiftNano?: readonly bigint[]): TraceTree {
  const { spans, parent, childStart, orphanFlag } = structure;
  const n = spans.length;
  let spanStart = (i: number) => spans[i].startTimeUnixNano;
  let spanEnd = (i: number) => spans[i].endTimeUnixNano;
  if (shiftNano !== undefined) {
    spanStart = (i) => spans[i].startTimeUnixNano + shiftNano[i];
    spanEnd = (i) => spans[i].endTimeUnixNano + shiftNano[i];
  }

  // Bounds ignore spans without a start time (fragments of a span reported elsewhere), which would sit at 1970.
  let startNano = -1n;
  let endNano = 0n;
  for (let i = 0; i < n; i++) {
    const s = spanStart(i);
    if (s > 0n) {
      const e = spanEnd(i);
      if (startNano < 0n || s < startNano) startNano = s;
      if (e > endNano) endNano = e;
    }
  }
  if (startNano < 0n) startNano = 0n;
  if (endNano < startNano) endNano = startNano;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    start[i] = Number(spanStart(i) - startNano);
    end[i] = Number(spanEnd(i) - startNano);
  }

  const childNodes = structure.childNodes.slice();
  const byStart = (a: number, b: number) => start[a] - start[b] || a - b;
  for (let i = 0; i < n; i++) if (childStart[i + 1] - childStart[i] > 1) sortSegment(childNodes, childStart[i], childStart[i + 1], byStart);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) if (parent[i] < 0) roots.push(i);
  roots.sort((a, b) => {
    // Spans without a start time cannot be the primary root.
    const untimed = Number(spanStart(a) === 0n) - Number(spanStart(b) === 0n);
    if (untimed !== 0) return untimed;
    return start[a] - start[b] || end[b] - end[a] || a - b;
  });
  const orphans = roots.filter((i) => orphanFlag[i]);

  const preorder = new Int32Array(n);
  const depth = new Int32Array(n);
  let k = 0;
  const stack = new Int32Array(n);
  let top = 0;
  for (let r = roots.length - 1; r >= 0; r--) stack[top++] = roots[r];
  while (top > 0) {
    const i = stack[--top];
    preorder[k++] = i;
    for (let m = childStart[i + 1] - 1; m >= childStart[i]; m--) {
      const c = childNodes[m];
      depth[c] = depth[i] + 1;
      stack[top++] = c;
    }
  }

  const overflowing: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = parent[i];
    if (p >= 0 && (start[i] < start[p] || end[i] > end[p])) overflowing.push(i);
  }

  return {
    spans,
    services: structure.services,
    parent,
    childStart,
    childNodes,
    roots,
    orphans,
    duplicates: structure.duplicates,
    sharedServers: structure.sharedServers,
    cycleBreaks: structure.cycleBreaks,
    overflowing,
    asyncFromParent: structure.asyncFromParent,
    byId: structure.byId,
    links: structure.links,
    preorder,
    depth,
    startNano,
    endNano,
    start,
    end,
    ...(shiftNano !== undefined ? { shiftNano } : {}),
  };
}

export function buildTraceTree(spans: readonly Span[]): TraceTree {
  return placeInTime(linkSpans(spans));
}

/**
 * The same tree with every node's times shifted by `shiftNano[node]` (a clock-skew correction). Only the
 * time-dependent parts are recomputed, and the spans are not copied: on a large trace with skewed hosts,
 * copying them all cost more than the rest of the analysis.
 */
export function retimeTree(tree: TraceTree, shiftNano: readonly bigint[]): TraceTree {
  const orphanFlag = new Uint8Array(tree.spans.length);
  for (const i of tree.orphans) orphanFlag[i] = 1;
  return placeInTime({ ...tree, orphanFlag }, shiftNano);
}
