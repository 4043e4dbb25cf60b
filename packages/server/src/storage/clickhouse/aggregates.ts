/**
 * Cross-trace aggregates on ClickHouse.
 *
 * RED reads Sextant's per-minute table (sextant_red_1m, an AggregatingMergeTree filled by a materialised view as
 * spans are inserted), so its cost grows with the number of minutes and operations in the window, not with the
 * spans. Minutes the table cannot answer exactly (a window edge inside a minute, a step that is not whole
 * minutes) are read from the spans, and both are merged in one query.
 *
 * The dependency graph runs core's DependencyLinker over the window's spans (the same semantics as every other
 * place in Sextant), reading only the columns the linker needs.
 */
import {
  buildTraceTree,
  DependencyLinker,
  emptyScope,
  groupByTrace,
  type Span,
  type TraceTree,
} from '@sextant/core';
import type { DependencyEdge, DependencyGraph, OperationEdge, RedQuery, RedResult } from '../../store/store.js';
import { ENTRY_SPAN, IS_ERROR } from './schema.js';
import { kindFromText, statusFromText } from './rows.js';

export type Rows = <T>(sql: string, params?: Record<string, unknown>) => Promise<T[]>;

const MINUTE = 60_000_000_000n;

function percentiles(q: readonly (string | number)[]): { p50Nano: bigint; p95Nano: bigint; p99Nano: bigint } {
  const at = (i: number) => BigInt(Math.round(Number(q[i] ?? 0)));
  return { p50Nano: at(0), p95Nano: at(1), p99Nano: at(2) };
}

interface RedRow {
  bucket: string;
  calls: string;
  errors: string;
  q: (string | number)[];
}

interface RedOpRow {
  ServiceName: string;
  SpanName: string;
  calls: string;
  errors: string;
  total: string;
  q: (string | number)[];
}

/**
 * Partial aggregates per series bucket, service and operation: the minute table for the whole minutes it covers
 * inside the window ([tableFrom, tableTo)), the spans for the rest. `filters` restricts by service and operation.
 */
function redSource(db: string, useTable: boolean, filters: string): string {
  const raw = (where: string) => `SELECT intDiv(toUnixTimestamp64Nano(Timestamp) - {start:Int64}, {step:Int64}) AS b, ServiceName, SpanName,
      toUInt64(count()) AS Calls, toUInt64(countIf(${IS_ERROR})) AS Errors, toUInt64(sum(Duration)) AS TotalDuration,
      quantilesTDigestState(0.5, 0.95, 0.99)(Duration) AS Latency
    FROM ${db}.otel_traces WHERE ${ENTRY_SPAN} ${filters} AND ${where}
    GROUP BY b, ServiceName, SpanName`;
  const at = (p: string) => `fromUnixTimestamp64Nano({${p}:Int64})`;
  if (!useTable) return raw(`Timestamp >= ${at('start')} AND Timestamp <= ${at('end')}`);
  return `SELECT intDiv(toInt64(toUnixTimestamp(Minute)) * 1000000000 - {start:Int64}, {step:Int64}) AS b, ServiceName, SpanName,
      Calls, Errors, TotalDuration, Latency
    FROM ${db}.sextant_red_1m
    WHERE Minute >= toDateTime(intDiv({tableFrom:Int64}, 1000000000)) AND Minute < toDateTime(intDiv({tableTo:Int64}, 1000000000)) ${filters}
    UNION ALL
    ${raw(`((Timestamp >= ${at('start')} AND Timestamp < ${at('tableFrom')}) OR (Timestamp >= ${at('tableTo')} AND Timestamp <= ${at('end')}))`)}`;
}

/**
 * @param coveredFrom the first minute the per-minute table holds every span of (it fills from when its view was
 * created: older spans, such as a Collector's history, are read from otel_traces).
 */
export async function redMetrics(rows: Rows, db: string, q: RedQuery, coveredFrom: bigint): Promise<RedResult> {
  const params: Record<string, unknown> = { start: q.startNano.toString(), end: q.endNano.toString(), step: q.stepNano.toString() };
  let filters = '';
  if (q.service !== undefined) {
    filters += ' AND ServiceName = {service:String}';
    params.service = q.service;
  }
  if (q.operation !== undefined) {
    filters += ' AND SpanName = {operation:String}';
    params.operation = q.operation;
  }
  // A minute row belongs wholly to one series bucket only when the window starts on a minute and steps by minutes.
  const aligned = q.startNano % MINUTE === 0n && q.stepNano % MINUTE === 0n;
  const tableFrom = q.startNano > coveredFrom ? q.startNano : coveredFrom;
  const tableTo = ((q.endNano + 1n) / MINUTE) * MINUTE;
  const useTable = aligned && tableFrom < tableTo;
  params.tableFrom = tableFrom.toString();
  params.tableTo = tableTo.toString();
  const source = redSource(db, useTable, filters);
  const merged = `sum(Calls) AS calls, sum(Errors) AS errors, quantilesTDigestMerge(0.5, 0.95, 0.99)(Latency) AS q`;
  const [series, ops] = await Promise.all([
    rows<RedRow>(
      `SELECT toString(b) AS bucket, ${merged} FROM (${source}) GROUP BY b ORDER BY b`,
      params,
    ),
    rows<RedOpRow>(
      `SELECT ServiceName, SpanName, ${merged}, toString(sum(TotalDuration)) AS total FROM (${source})
       GROUP BY ServiceName, SpanName ORDER BY sum(TotalDuration) DESC, ServiceName, SpanName`,
      params,
    ),
  ]);
  return {
    series: series.map((r) => ({
      t: q.startNano + BigInt(r.bucket) * q.stepNano,
      count: Number(r.calls),
      errorCount: Number(r.errors),
      ...percentiles(r.q),
    })),
    operations: ops.map((r) => ({
      service: r.ServiceName,
      operation: r.SpanName,
      count: Number(r.calls),
      errorCount: Number(r.errors),
      ...percentiles(r.q),
      totalNano: BigInt(r.total),
    })),
  };
}

/** The attributes core's remoteServiceName reads. */
const REMOTE_KEYS = ['peer.service', 'server.address', 'db.system.name', 'db.system', 'messaging.system'];

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
}

/** discrete percentile, as DuckDB's quantile_disc: the sorted value at floor((n - 1) * q). */
function discrete(sorted: readonly bigint[], q: number): bigint {
  return sorted.length === 0 ? 0n : sorted[Math.floor((sorted.length - 1) * q)]!;
}

interface Detail {
  durations: bigint[];
  exampleTraceId: string;
}

/** The linker, keeping for each link the operations at both ends, latencies and an example trace. */
class DetailedLinker extends DependencyLinker {
  private tree: TraceTree | null = null;
  readonly services = new Map<string, Detail>();
  readonly operations = new Map<string, Detail & { parent: string; child: string; parentOp: string; childOp: string; calls: number; errors: number }>();

  override putTrace(tree: TraceTree): this {
    this.tree = tree;
    return super.putTrace(tree);
  }

  override add(parent: string, child: string, callCount: number, errorCount: number, via = -1): void {
    super.add(parent, child, callCount, errorCount, via);
    const tree = this.tree;
    if (!tree || via < 0) return;
    const span = tree.spans[via]!;
    const p = tree.parent[via]!;
    const caller = p >= 0 ? tree.spans[p]! : undefined;
    // A server span is timed by the client that waited for it when there is one.
    const timed = caller && caller.kind === 3 && span.kind === 2 ? caller : span;
    const duration = timed.endTimeUnixNano - timed.startTimeUnixNano;
    const parentOp = span.kind === 2 || span.kind === 5 ? (caller?.name ?? span.name) : span.name;
    const sKey = `${parent}\u0000${child}`;
    let s = this.services.get(sKey);
    if (!s) this.services.set(sKey, (s = { durations: [], exampleTraceId: span.traceId }));
    s.durations.push(duration);
    if (span.traceId < s.exampleTraceId) s.exampleTraceId = span.traceId;
    const oKey = `${sKey}\u0000${parentOp}\u0000${span.name}`;
    let o = this.operations.get(oKey);
    if (!o) {
      o = { parent, child, parentOp, childOp: span.name, calls: 0, errors: 0, durations: [], exampleTraceId: span.traceId };
      this.operations.set(oKey, o);
    }
    o.calls += callCount;
    o.errors += errorCount;
    o.durations.push(duration);
    if (span.traceId < o.exampleTraceId) o.exampleTraceId = span.traceId;
  }
}

function edgeStats(d: Detail): Pick<DependencyEdge, 'p50Nano' | 'p95Nano' | 'p99Nano' | 'exampleTraceId'> {
  const sorted = d.durations.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { p50Nano: discrete(sorted, 0.5), p95Nano: discrete(sorted, 0.95), p99Nano: discrete(sorted, 0.99), exampleTraceId: d.exampleTraceId };
}

export async function dependencyGraph(rows: Rows, db: string, startNano: bigint, endNano: bigint): Promise<DependencyGraph> {
  const params = { start: startNano.toString(), end: endNano.toString(), keys: REMOTE_KEYS };
  const window = `Timestamp >= fromUnixTimestamp64Nano({start:Int64}) AND Timestamp <= fromUnixTimestamp64Nano({end:Int64})`;
  const [spanRows, nodeRows] = await Promise.all([
    rows<LinkRow>(
      `SELECT TraceId, SpanId, ParentSpanId, ServiceName, SpanName, SpanKind, StatusCode,
         toString(toUnixTimestamp64Nano(Timestamp)) AS StartNano, toString(Duration) AS DurationText,
         arrayMap(k -> SpanAttributes[k], {keys:Array(String)}) AS Remote
       FROM ${db}.otel_traces WHERE ${window}`,
      params,
    ),
    rows<{ ServiceName: string; calls: string; errors: string }>(
      `SELECT ServiceName, countIf(${ENTRY_SPAN}) AS calls, countIf(${IS_ERROR} AND ${ENTRY_SPAN}) AS errors
       FROM ${db}.otel_traces WHERE ${window} GROUP BY ServiceName ORDER BY ServiceName`,
      params,
    ),
  ]);
  const resources = new Map<string, Span['resource']>();
  const scope = emptyScope();
  const spans: Span[] = spanRows.map((r) => {
    let resource = resources.get(r.ServiceName);
    if (!resource) resources.set(r.ServiceName, (resource = { attributes: [{ key: 'service.name', value: r.ServiceName }], droppedAttributesCount: 0, schemaUrl: '' }));
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
      attributes: REMOTE_KEYS.flatMap((key, i) => (r.Remote[i] ? [{ key, value: r.Remote[i]! }] : [])),
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
  const linker = new DetailedLinker();
  for (const trace of groupByTrace(spans)) linker.putTrace(buildTraceTree(trace));
  const links = linker.result();
  const edges: DependencyEdge[] = links
    .map((l) => ({ parent: l.parent, child: l.child, callCount: l.callCount, errorCount: l.errorCount, ...edgeStats(linker.services.get(`${l.parent}\u0000${l.child}`) ?? { durations: [], exampleTraceId: '' }) }))
    .sort((a, b) => b.callCount - a.callCount || a.parent.localeCompare(b.parent) || a.child.localeCompare(b.child));
  const operationEdges: OperationEdge[] = [...linker.operations.values()]
    .map((o) => ({ parent: o.parent, child: o.child, parentOperation: o.parentOp, childOperation: o.childOp, callCount: o.calls, errorCount: o.errors, ...edgeStats(o) }))
    .sort((a, b) => b.callCount - a.callCount || a.parent.localeCompare(b.parent) || a.child.localeCompare(b.child) || a.parentOperation.localeCompare(b.parentOperation) || a.childOperation.localeCompare(b.childOperation));
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
