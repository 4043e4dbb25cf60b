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
  /** Children of each node ordered by start time (input order on ties). */
  readonly children: readonly (readonly number[])[];
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
}

export function isFollowsFrom(span: Span): boolean {
  return getAttr(span.attributes, JAEGER_REF_TYPE_ATTR) === 'FOLLOWS_FROM';
}

/** `service.name` per span, reading each distinct Resource object once. */
export function serviceNames(spans: readonly Span[]): string[] {
  const cache = new Map<Resource, string>();
  return spans.map((s) => {
    let name = cache.get(s.resource);
    if (name === undefined) {
      name = serviceName(s);
      cache.set(s.resource, name);
    }
    return name;
  });
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

export function buildTraceTree(spans: readonly Span[]): TraceTree {
  const n = spans.length;
  const services = serviceNames(spans);
  // First span per id; only ids that repeat get a list (most traces have none, so no array per span).
  const byId = new Map<string, number>();
  const groups = new Map<string, number[]>();
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
    const group = groups.get(s.parentSpanId);
    // Zipkin's rule: a span belongs under the server half of its parent id only when it was recorded by that
    // same endpoint (same resource); otherwise the id means the client half.
    let p = found;
    if (group) {
      for (const j of group) if (shared[j] && sameResource(spans[j].resource, s.resource)) p = j;
    }
    parent[i] = p; // a span naming itself as parent is cut below like any other loop
  }

  // Bounds ignore spans without a start time (fragments of a span reported elsewhere), which would sit at 1970.
  let startNano = -1n;
  let endNano = 0n;
  for (const s of spans) {
    if (s.startTimeUnixNano > 0n) {
      if (startNano < 0n || s.startTimeUnixNano < startNano) startNano = s.startTimeUnixNano;
      if (s.endTimeUnixNano > endNano) endNano = s.endTimeUnixNano;
    }
  }
  if (startNano < 0n) startNano = 0n;
  if (endNano < startNano) endNano = startNano;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    start[i] = Number(spans[i].startTimeUnixNano - startNano);
    end[i] = Number(spans[i].endTimeUnixNano - startNano);
  }

  const children: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) if (parent[i] >= 0) children[parent[i]].push(i);

  // Cut parent loops: walk up from every span not yet known to reach a root; a walk that meets itself is a loop.
  const cycleBreaks: number[] = [];
  const state = new Uint8Array(n); // 0 unknown, 1 on current walk, 2 reaches a root
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0) continue;
    const walk: number[] = [];
    let j = i;
    while (j >= 0 && state[j] === 0) {
      state[j] = 1;
      walk.push(j);
      j = parent[j];
    }
    if (j >= 0 && state[j] === 1) {
      const p = parent[j];
      children[p].splice(children[p].indexOf(j), 1);
      parent[j] = -1;
      cycleBreaks.push(j);
    }
    for (const k of walk) state[k] = 2;
  }

  const byStart = (a: number, b: number) => start[a] - start[b] || a - b;
  for (const c of children) if (c.length > 1) c.sort(byStart);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) if (parent[i] < 0) roots.push(i);
  roots.sort((a, b) => {
    // Spans without a start time cannot be the primary root.
    const untimed = Number(spans[a].startTimeUnixNano === 0n) - Number(spans[b].startTimeUnixNano === 0n);
    if (untimed !== 0) return untimed;
    return start[a] - start[b] || end[b] - end[a] || a - b;
  });
  const orphans = roots.filter((i) => orphanFlag[i]);

  const preorder = new Int32Array(n);
  const depth = new Int32Array(n);
  let k = 0;
  const stack: number[] = [];
  for (let r = roots.length - 1; r >= 0; r--) stack.push(roots[r]);
  while (stack.length > 0) {
    const i = stack.pop()!;
    preorder[k++] = i;
    const c = children[i];
    for (let m = c.length - 1; m >= 0; m--) {
      depth[c[m]] = depth[i] + 1;
      stack.push(c[m]);
    }
  }

  const asyncFromParent = new Uint8Array(n);
  const overflowing: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    const p = parent[i];
    if (p < 0) continue;
    const ps = spans[p];
    if (
      isFollowsFrom(s) ||
      (s.kind === SpanKind.CONSUMER && (ps.kind === SpanKind.PRODUCER || services[p] !== services[i]))
    ) {
      asyncFromParent[i] = 1;
    }
    if (start[i] < start[p] || end[i] > end[p]) overflowing.push(i);
  }

  const links: { from: number; to: number }[] = [];
  for (let i = 0; i < n; i++) {
    for (const l of spans[i].links) {
      const to = l.traceId === spans[i].traceId ? byId.get(l.spanId) : undefined;
      if (to !== undefined) links.push({ from: i, to });
    }
  }

  return {
    spans,
    services,
    parent,
    children,
    roots,
    orphans,
    duplicates,
    sharedServers,
    cycleBreaks,
    overflowing,
    asyncFromParent,
    byId,
    links,
    preorder,
    depth,
    startNano,
    endNano,
    start,
    end,
  };
}

/** Splits spans of many traces into one array per trace id, in order of first appearance. */
export function groupByTrace(spans: readonly Span[]): Span[][] {
  const byTrace = new Map<string, Span[]>();
  for (const s of spans) {
    const list = byTrace.get(s.traceId);
    if (list) list.push(s);
    else byTrace.set(s.traceId, [s]);
  }
  return [...byTrace.values()];
}
