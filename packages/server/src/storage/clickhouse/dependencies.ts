/**
 * The dependency graph on ClickHouse, kept per minute so that it stays fast as data grows.
 *
 * A parent-child link needs both spans, which a materialised view (it sees one insert at a time) cannot join, so
 * Sextant links them itself in a short background pass: once a minute is two minutes old (its traces are taken
 * to be complete), the pass loads the traces that have spans in it, runs core's DependencyLinker over each whole
 * trace and adds the links made by spans that started in that minute to sextant_dependencies_1m (calls, errors,
 * a latency histogram and an example trace per operation edge and minute). Each minute's insert carries the token
 * `dependencies-<minute>` and the table deduplicates by it, so several query processes running the pass store a
 * minute once. A query reads the linked minutes of its window from the table and links the rest live (a window
 * edge inside a minute, the minutes not linked yet, minutes from before the table existed).
 */
import { buildTraceTree, dependencyLinkRows, emptyScope, groupByTrace, JAEGER_REF_TYPE_ATTR, SpanKind, StatusCode, ZIPKIN_ATTR, type Span } from '@sextant/core';
import { bucketOf as sketchBucket, type BucketCount } from '../stored/sketch.js';
import type { DependencyEdge, DependencyGraph, OperationEdge } from '../contract.js';
import { attrsFromMap, kindFromText, statusFromText } from './rows.js';
import { ENTRY_SPAN, IS_ERROR, TABLES } from './schema.js';

export type Rows = <T>(sql: string, params?: Record<string, unknown>) => Promise<T[]>;
/** Runs an INSERT ... FORMAT statement with a body, under a deduplication token. */
export type Insert = (query: string, body: string, token: string) => Promise<void>;

export const MINUTE = 60_000_000_000n;
/** How long after a minute ends its traces are taken to be complete. */
export const SETTLE = 2n * MINUTE;
/** How far around a minute the pass looks for the other spans of its traces. */
const TRACE_REACH = 15n * MINUTE;

/** The attributes the linker reads: core's remoteServiceName, and those that shape the tree (shared spans, FOLLOWS_FROM). */
const LINK_KEYS = ['peer.service', 'server.address', 'db.system.name', 'db.system', 'messaging.system', ZIPKIN_ATTR.shared, JAEGER_REF_TYPE_ATTR];

interface LinkRow {
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  ServiceName: string;
  SpanName: string;
  SpanKind: string;
  StatusCode: string;
  StartNano: string;
  DurationText: string;
  Remote: string[];
  ResourceAttributes: Record<string, string>;
}

/** One call between operations, as the linker found it. */
export interface Link {
  parent: string;
  child: string;
  parentOp: string;
  childOp: string;
  error: boolean;
  durationNano: bigint;
  traceId: string;
  /** Start of the span that made the call: the minute the link is counted in. */
  startNano: bigint;
}

const window = (from: string, to: string) => `Timestamp >= fromUnixTimestamp64Nano({${from}:Int64}) AND Timestamp < fromUnixTimestamp64Nano({${to}:Int64})`;

/**
 * Links every trace with a span in one of `ranges` ([from, to) in ns), with core's one definition of a link, and
 * returns the links carried by spans that started in them, and the distinct spans it loaded with their ServiceName.
 */
export async function linkRanges(rows: Rows, db: string, ranges: readonly [bigint, bigint][]): Promise<{ links: Link[]; spans: Span[]; services: string[] }> {
  if (ranges.length === 0) return { links: [], spans: [], services: [] };
  const params: Record<string, unknown> = { keys: LINK_KEYS };
  const conds = ranges.map(([from, to], i) => {
    params[`f${i}`] = from.toString();
    params[`t${i}`] = to.toString();
    return `(${window(`f${i}`, `t${i}`)})`;
  });
  params.reachFrom = (ranges[0]![0] - TRACE_REACH).toString();
  params.reachTo = (ranges[ranges.length - 1]![1] + TRACE_REACH).toString();
  const spanRows = await rows<LinkRow>(
    `SELECT TraceId, SpanId, ParentSpanId, ServiceName, SpanName, SpanKind, StatusCode,
       toString(toUnixTimestamp64Nano(Timestamp)) AS StartNano, toString(Duration) AS DurationText,
       arrayMap(k -> SpanAttributes[k], {keys:Array(String)}) AS Remote, ResourceAttributes
     FROM ${db}.${TABLES.traces}
     WHERE ${window('reachFrom', 'reachTo')}
       AND TraceId IN (SELECT DISTINCT TraceId FROM ${db}.${TABLES.traces} WHERE ${conds.join(' OR ')})
     -- A span re-sent to the exporter's plain MergeTree is stored twice: link (and count) it once.
     LIMIT 1 BY TraceId, SpanId, SpanKind, Timestamp`,
    params,
  );
  // Whole resources, not just service names: the tree tells Zipkin's shared span halves apart by endpoint.
  const resources = new Map<string, Span['resource']>();
  const scope = emptyScope();
  const spans: Span[] = spanRows.map((r) => {
    const resourceKey = JSON.stringify(r.ResourceAttributes);
    let resource = resources.get(resourceKey);
    if (!resource) resources.set(resourceKey, (resource = { attributes: attrsFromMap(r.ResourceAttributes), droppedAttributesCount: 0, schemaUrl: '' }));
    const start = BigInt(r.StartNano);
    return {
      traceId: r.TraceId,
      spanId: r.SpanId,
      parentSpanId: r.ParentSpanId,
      traceState: '',
      flags: 0,
      name: r.SpanName,
      kind: kindFromText(r.SpanKind),
      startTimeUnixNano: start,
      endTimeUnixNano: start + BigInt(r.DurationText),
      attributes: attrsFromMap(Object.fromEntries(LINK_KEYS.flatMap((key, i) => (r.Remote[i] ? [[key, r.Remote[i]!]] : [])))),
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: statusFromText(r.StatusCode), message: '' },
      resource,
      scope,
    };
  });
  const links: Link[] = [];
  for (const trace of groupByTrace(spans)) {
    const tree = buildTraceTree(trace);
    for (const r of dependencyLinkRows(tree)) {
      const span = tree.spans[r.node]!;
      const startNano = span.startTimeUnixNano;
      if (!ranges.some(([from, to]) => startNano >= from && startNano < to)) continue;
      links.push({
        parent: r.parent,
        child: r.child,
        parentOp: r.parentOperation,
        childOp: r.childOperation,
        error: r.error,
        durationNano: r.durationNano,
        traceId: span.traceId,
        startNano,
      });
    }
  }
  return { links, spans, services: spanRows.map((r) => r.ServiceName) };
}

/**
 * Latency histogram buckets: bucket b > 0 holds durations in [R^(b-1), R^b) ns, so a percentile read from the
 * histogram is within 2.5 % of the exact one; bucket 0 holds durations under 1 ns.
 */
const RATIO = 1.05;
const LOG_RATIO = Math.log(RATIO);
export const bucketOf = (ns: bigint) => (ns < 1n ? 0 : Math.min(65_535, Math.floor(Math.log(Number(ns)) / LOG_RATIO) + 1));
const bucketValue = (b: number) => (b === 0 ? 0n : BigInt(Math.round(RATIO ** (b - 0.5))));

/** The percentiles of a histogram: the middle of the bucket where each one falls. */
function histogramPercentiles(h: ReadonlyMap<number, number>): [bigint, bigint, bigint] {
  const buckets = [...h.entries()].sort((x, y) => x[0] - y[0]);
  const total = buckets.reduce((n, [, c]) => n + c, 0);
  return [0.5, 0.95, 0.99].map((q) => {
    // The same rank as quantile_disc: floor((n - 1) * q), counted from 0.
    const rank = Math.floor((total - 1) * q);
    let seen = 0;
    for (const [b, c] of buckets) {
      seen += c;
      if (seen > rank) return bucketValue(b);
    }
    return 0n;
  }) as [bigint, bigint, bigint];
}

/** RED rows (JSONCompactEachRow lines of sextant_red_distinct_1m) of the entry spans that started in the minute. */
function redLines(spans: readonly Span[], services: readonly string[], minute: bigint): string[] {
  const ops = new Map<string, { service: string; name: string; calls: number; errors: number; total: bigint; buckets: Map<number, BucketCount> }>();
  for (const [i, s] of spans.entries()) {
    if (s.startTimeUnixNano < minute || s.startTimeUnixNano >= minute + MINUTE) continue;
    // ENTRY_SPAN and IS_ERROR (schema.ts), on the decoded span.
    if (!(s.kind === SpanKind.SERVER || s.kind === SpanKind.CONSUMER || s.parentSpanId === '')) continue;
    const service = services[i]!;
    const key = `${service}\u0000${s.name}`;
    let op = ops.get(key);
    if (!op) ops.set(key, (op = { service, name: s.name, calls: 0, errors: 0, total: 0n, buckets: new Map() }));
    const d = s.endTimeUnixNano - s.startTimeUnixNano;
    op.calls++;
    if (s.status.code === StatusCode.ERROR) op.errors++;
    op.total += d;
    const b = sketchBucket(d);
    const seen = op.buckets.get(b);
    if (!seen) op.buckets.set(b, { bucket: b, count: 1, min: d, max: d });
    else {
      seen.count++;
      if (d < seen.min) seen.min = d;
      if (d > seen.max) seen.max = d;
    }
  }
  const m = Number(minute / 1_000_000_000n);
  const map = (op: { buckets: Map<number, BucketCount> }, f: (b: BucketCount) => string) => Object.fromEntries([...op.buckets.values()].map((b) => [b.bucket, f(b)]));
  return [...ops.values()].map((op) =>
    JSON.stringify([m, op.service, op.name, op.calls, op.errors, op.total.toString(), map(op, (b) => String(b.count)), map(op, (b) => b.min.toString()), map(op, (b) => b.max.toString())]),
  );
}

/**
 * Links the minute starting at `minute` and stores its edges (and, with `red`, its RED rows first: the edge
 * table's marker row says the minute is done), once however many processes run the pass.
 */
export async function linkMinute(rows: Rows, insert: Insert, db: string, minute: bigint, red: boolean): Promise<number> {
  const { links, spans, services } = await linkRanges(rows, db, [[minute, minute + MINUTE]]);
  const m = Number(minute / 1_000_000_000n);
  const redBody = red ? redLines(spans, services, minute) : [];
  if (redBody.length > 0) {
    await insert(
      `INSERT INTO ${db}.${TABLES.red} (Minute, ServiceName, SpanName, Calls, Errors, TotalDuration, Latency, LatencyMin, LatencyMax) FORMAT JSONCompactEachRow`,
      redBody.join('\n'),
      `red-${m}`,
    );
  }
  const edges = new Map<string, { key: string[]; calls: number; errors: number; latency: Record<number, number>; example: string }>();
  for (const l of links) {
    const key = [l.parent, l.child, l.parentOp, l.childOp];
    const k = key.join('\u0000');
    let e = edges.get(k);
    if (!e) edges.set(k, (e = { key, calls: 0, errors: 0, latency: {}, example: l.traceId }));
    e.calls++;
    if (l.error) e.errors++;
    const b = bucketOf(l.durationNano);
    e.latency[b] = (e.latency[b] ?? 0) + 1;
    if (l.traceId < e.example) e.example = l.traceId;
  }
  const lines = [...edges.values()].map((e) => JSON.stringify([m, ...e.key, e.calls, e.errors, e.latency, e.example]));
  // Even an empty minute gets its marker row (Parent ''), so the table says which minutes are linked.
  lines.push(JSON.stringify([m, '', '', '', '', 0, 0, {}, '']));
  await insert(
    `INSERT INTO ${db}.${TABLES.dependencies} (Minute, Parent, Child, ParentOperation, ChildOperation, Calls, Errors, Latency, ExampleTraceId)
     FORMAT JSONCompactEachRow`,
    lines.join('\n'),
    `dependencies-${m}`,
  );
  return links.length;
}

interface EdgeRow {
  Parent: string;
  Child: string;
  ParentOperation: string;
  ChildOperation: string;
  calls: string;
  errors: string;
  h: Record<string, string>;
  example: string;
}

interface Acc {
  parent: string;
  child: string;
  parentOp: string;
  childOp: string;
  calls: number;
  errors: number;
  /** Live calls' exact durations. */
  durations: bigint[];
  /** Linked minutes' latency histogram; when present, live durations are added to it. */
  histogram: Map<number, number> | null;
  example: string;
}

const discrete = (sorted: readonly bigint[], q: number) => (sorted.length === 0 ? 0n : sorted[Math.floor((sorted.length - 1) * q)]!);

/** Exact percentiles for an edge seen only live; from the histogram once linked minutes are part of it. */
function stats(a: Acc): Pick<DependencyEdge, 'p50Nano' | 'p95Nano' | 'p99Nano'> {
  if (a.histogram) {
    const h = new Map(a.histogram);
    for (const d of a.durations) h.set(bucketOf(d), (h.get(bucketOf(d)) ?? 0) + 1);
    const [p50Nano, p95Nano, p99Nano] = histogramPercentiles(h);
    return { p50Nano, p95Nano, p99Nano };
  }
  const s = a.durations.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return { p50Nano: discrete(s, 0.5), p95Nano: discrete(s, 0.95), p99Nano: discrete(s, 0.99) };
}

/**
 * The graph of spans started in [startNano, endNano]: linked minutes from sextant_dependencies_1m, the rest live.
 * @param linked the minutes the table holds: [from, to) in ns, or null when it holds none.
 */
export async function dependencyGraph(rows: Rows, db: string, startNano: bigint, endNano: bigint, linked: [bigint, bigint] | null): Promise<DependencyGraph> {
  const end = endNano + 1n;
  // A window starting inside a linked minute takes that whole minute: minute granularity at the start, where a
  // window's edge seldom matters, rather than linking the minute again.
  let tableFrom = linked && (startNano / MINUTE) * MINUTE >= linked[0] ? (startNano / MINUTE) * MINUTE : ((startNano + MINUTE - 1n) / MINUTE) * MINUTE;
  let tableTo = (end / MINUTE) * MINUTE;
  if (linked) {
    if (linked[0] > tableFrom) tableFrom = linked[0];
    if (linked[1] < tableTo) tableTo = linked[1];
  }
  const useTable = linked !== null && tableFrom < tableTo;
  const live: [bigint, bigint][] = useTable
    ? ([[startNano, tableFrom], [tableTo, end]] as [bigint, bigint][]).filter(([a, b]) => a < b)
    : [[startNano, end]];
  const params = { start: startNano.toString(), end: end.toString(), tableFrom: tableFrom.toString(), tableTo: tableTo.toString() };
  const [tableRows, liveLinks, nodeRows] = await Promise.all([
    useTable
      ? rows<EdgeRow>(
          `SELECT Parent, Child, ParentOperation, ChildOperation, toString(sum(Calls)) AS calls, toString(sum(Errors)) AS errors,
             sumMap(Latency) AS h, min(ExampleTraceId) AS example
           FROM ${db}.${TABLES.dependencies}
           WHERE Minute >= toDateTime(intDiv({tableFrom:Int64}, 1000000000)) AND Minute < toDateTime(intDiv({tableTo:Int64}, 1000000000)) AND Parent != ''
           GROUP BY Parent, Child, ParentOperation, ChildOperation`,
          params,
        )
      : Promise.resolve([]),
    linkRanges(rows, db, live).then((r) => r.links),
    rows<{ ServiceName: string; calls: string; errors: string }>(
      `SELECT ServiceName, uniqExactIf((TraceId, SpanId, SpanKind, Timestamp), ${ENTRY_SPAN}) AS calls,
         uniqExactIf((TraceId, SpanId, SpanKind, Timestamp), ${IS_ERROR} AND ${ENTRY_SPAN}) AS errors
       FROM ${db}.${TABLES.traces} WHERE ${window('start', 'end')} GROUP BY ServiceName ORDER BY ServiceName`,
      params,
    ),
  ]);
  const ops = new Map<string, Acc>();
  const acc = (parent: string, child: string, parentOp: string, childOp: string): Acc => {
    const key = `${parent}\u0000${child}\u0000${parentOp}\u0000${childOp}`;
    let a = ops.get(key);
    if (!a) ops.set(key, (a = { parent, child, parentOp, childOp, calls: 0, errors: 0, durations: [], histogram: null, example: '' }));
    return a;
  };
  const example = (a: { example: string }, id: string) => {
    if (id !== '' && (a.example === '' || id < a.example)) a.example = id;
  };
  for (const r of tableRows) {
    const a = acc(r.Parent, r.Child, r.ParentOperation, r.ChildOperation);
    a.calls += Number(r.calls);
    a.errors += Number(r.errors);
    a.histogram = new Map(Object.entries(r.h).map(([b, c]) => [Number(b), Number(c)]));
    example(a, r.example);
  }
  for (const l of liveLinks) {
    const a = acc(l.parent, l.child, l.parentOp, l.childOp);
    a.calls++;
    if (l.error) a.errors++;
    a.durations.push(l.durationNano);
    example(a, l.traceId);
  }
  // Service edges: their operation edges summed.
  const services = new Map<string, Acc>();
  for (const a of ops.values()) {
    const key = `${a.parent}\u0000${a.child}`;
    let s = services.get(key);
    if (!s) services.set(key, (s = { ...a, parentOp: '', childOp: '', calls: 0, errors: 0, durations: [], histogram: null, example: '' }));
    if (a.histogram) {
      s.histogram ??= new Map();
      for (const [b, c] of a.histogram) s.histogram.set(b, (s.histogram.get(b) ?? 0) + c);
    }
    s.calls += a.calls;
    s.errors += a.errors;
    s.durations.push(...a.durations);
    example(s, a.example);
  }
  const byCalls = (x: DependencyEdge, y: DependencyEdge) => y.callCount - x.callCount || x.parent.localeCompare(y.parent) || x.child.localeCompare(y.child);
  const edges: DependencyEdge[] = [...services.values()]
    .map((s) => ({ parent: s.parent, child: s.child, callCount: s.calls, errorCount: s.errors, ...stats(s), exampleTraceId: s.example }))
    .sort(byCalls);
  const operationEdges: OperationEdge[] = [...ops.values()]
    .map((a) => ({ parent: a.parent, child: a.child, parentOperation: a.parentOp, childOperation: a.childOp, callCount: a.calls, errorCount: a.errors, ...stats(a), exampleTraceId: a.example }))
    .sort((x, y) => byCalls(x, y) || x.parentOperation.localeCompare(y.parentOperation) || x.childOperation.localeCompare(y.childOperation));
  const nodes = nodeRows.map((r) => ({ service: r.ServiceName, callCount: Number(r.calls), errorCount: Number(r.errors), virtual: false }));
  const instrumented = new Set(nodes.map((n) => n.service));
  const virtual = new Map<string, { calls: number; errors: number }>();
  for (const e of edges) {
    if (instrumented.has(e.child)) continue;
    const v = virtual.get(e.child) ?? { calls: 0, errors: 0 };
    v.calls += e.callCount;
    v.errors += e.errorCount;
    virtual.set(e.child, v);
  }
  for (const [service, v] of virtual) nodes.push({ service, callCount: v.calls, errorCount: v.errors, virtual: true });
  return { nodes, edges, operationEdges };
}
