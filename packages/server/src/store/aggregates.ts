/**
 * Cross-trace aggregates over any time window (no batch job): the service dependency graph and RED metrics.
 *
 * Links follow Zipkin's DependencyLinker through the one definition in @sextant/core (dependencyLinkRows), so the
 * live graph and the per-trace analysis cannot disagree: SQL reads only the columns the rule needs (ids, service,
 * name, kind, times, and the two per-span facts computed at ingest, is_error and remote_service), never the
 * attributes, and core links each trace.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { buildTraceTree, dependencyLinkRows, emptyScope, type DependencyLinkRow, type LinkFacts, type Resource, type Span, type SpanKind, type TraceTree } from '@sextant/core';
import { spanIdHex, traceIdHex } from './ids.js';
import type { Param } from './params.js';
import type { DependencyEdge, DependencyGraph, OperationEdge, RedQuery, RedResult } from './store.js';

type Query = (sql: string, params?: readonly Param[]) => Promise<DuckDBValue[][]>;

/** The `quantile_disc(x, [0.5, 0.95, 0.99])` list as the API's percentile fields. */
function percentiles(v: DuckDBValue): { p50Nano: bigint; p95Nano: bigint; p99Nano: bigint } {
  const items = (v as { items: (bigint | null)[] } | null)?.items ?? [];
  return { p50Nano: items[0] ?? 0n, p95Nano: items[1] ?? 0n, p99Nano: items[2] ?? 0n };
}

interface EdgeAcc {
  parent: string;
  child: string;
  parentOperation: string;
  childOperation: string;
  calls: number;
  errors: number;
  durations: bigint[];
  exampleTraceId: bigint;
  virtual: boolean;
}

/** Nearest rank: the smallest duration with at least q of them at or below it. */
function nearestRank(sorted: readonly bigint[], q: number): bigint {
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1] ?? 0n;
}

function edgeOf(a: EdgeAcc): DependencyEdge {
  const sorted = a.durations.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return {
    parent: a.parent,
    child: a.child,
    callCount: a.calls,
    errorCount: a.errors,
    p50Nano: nearestRank(sorted, 0.5),
    p95Nano: nearestRank(sorted, 0.95),
    p99Nano: nearestRank(sorted, 0.99),
    exampleTraceId: traceIdHex(a.exampleTraceId),
  };
}

const byCalls = (a: EdgeAcc, b: EdgeAcc) =>
  b.calls - a.calls || compare(a.parent, b.parent) || compare(a.child, b.child) || compare(a.parentOperation, b.parentOperation) || compare(a.childOperation, b.childOperation);
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const SCOPE = emptyScope();

/**
 * The spans of one trace as the linker needs them, from stored columns: a Resource per resource id (Zipkin's rule
 * for children of a shared span id compares resources) and the two facts computed at ingest.
 */
function bareTrace(rows: readonly DuckDBValue[][], resources: Map<bigint, Resource>): { tree: TraceTree; facts: LinkFacts } {
  const spans: Span[] = rows.map((r) => {
    const rid = r[10] as bigint;
    let resource = resources.get(rid);
    if (resource === undefined) {
      // The tree compares resources by content; stored resources differ in content exactly when their ids do, so
      // the id stands in for the attributes it was not worth reading.
      const attributes = [{ key: 'service.name', value: r[3] as string }, { key: 'sextant.resource_id', value: rid }];
      resources.set(rid, (resource = { attributes, droppedAttributesCount: 0, schemaUrl: '' }));
    }
    const start = r[7] as bigint;
    return {
      traceId: '',
      spanId: spanIdHex(r[1] as bigint),
      parentSpanId: spanIdHex(r[2] as bigint),
      traceState: '',
      flags: 0,
      name: r[4] as string,
      kind: r[5] as SpanKind,
      startTimeUnixNano: start,
      endTimeUnixNano: start + (r[8] as bigint),
      attributes: [],
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
      resource,
      scope: SCOPE,
    };
  });
  return {
    tree: buildTraceTree(spans),
    facts: { failed: Uint8Array.from(rows, (r) => (r[6] === true ? 1 : 0)), remoteService: (i) => (rows[i]![9] as string | null) ?? undefined },
  };
}

/**
 * The service graph of the spans that start in the window: each trace's spans linked by core's one rule
 * (dependencyLinkRows), summed per service pair and per operation pair.
 */
export async function dependencyGraph(query: Query, startNano: bigint, endNano: bigint): Promise<DependencyGraph> {
  const params = [startNano, endNano];
  const rows = await query(
    `SELECT trace_id, span_id, parent_span_id, service, name, kind, is_error, start_ns, duration_ns, remote_service, resource_id
     FROM spans WHERE start_ns >= ? AND start_ns <= ? ORDER BY trace_id, rowid`,
    params,
  );
  const nodeRows = await query(
    `SELECT service, count(*) FILTER (WHERE kind IN (2, 5) OR parent_span_id = 0),
       count(*) FILTER (WHERE is_error AND (kind IN (2, 5) OR parent_span_id = 0))
     FROM spans WHERE start_ns >= ? AND start_ns <= ? GROUP BY 1 ORDER BY 1`,
    params,
  );
  const services = new Map<string, EdgeAcc>();
  const operations = new Map<string, EdgeAcc>();
  const add = (map: Map<string, EdgeAcc>, key: string, l: DependencyLinkRow, traceId: bigint, ops: boolean) => {
    let a = map.get(key);
    if (a === undefined) {
      map.set(key, (a = { parent: l.parent, child: l.child, parentOperation: ops ? l.parentOperation : '', childOperation: ops ? l.childOperation : '', calls: 0, errors: 0, durations: [], exampleTraceId: traceId, virtual: true }));
    }
    a.calls++;
    if (l.error) a.errors++;
    a.durations.push(l.durationNano);
    if (traceId < a.exampleTraceId) a.exampleTraceId = traceId;
    a.virtual &&= l.virtual;
  };
  const resources = new Map<bigint, Resource>();
  for (let i = 0; i < rows.length; ) {
    const traceId = rows[i]![0] as bigint;
    let j = i + 1;
    while (j < rows.length && rows[j]![0] === traceId) j++;
    const { tree, facts } = bareTrace(rows.slice(i, j), resources);
    for (const l of dependencyLinkRows(tree, facts)) {
      add(services, `${l.parent}\u0000${l.child}`, l, traceId, false);
      add(operations, `${l.parent}\u0000${l.child}\u0000${l.parentOperation}\u0000${l.childOperation}`, l, traceId, true);
    }
    i = j;
  }
  const serviceEdges = [...services.values()].sort(byCalls);
  const edges = serviceEdges.map(edgeOf);
  const operationEdges: OperationEdge[] = [...operations.values()].sort(byCalls).map((a) => ({ ...edgeOf(a), parentOperation: a.parentOperation, childOperation: a.childOperation }));
  const nodes = nodeRows.map((r) => ({ service: r[0] as string, callCount: Number(r[1]), errorCount: Number(r[2]), virtual: false }));
  const instrumented = new Set(nodes.map((n) => n.service));
  const virtualChildren = new Map<string, { calls: number; errors: number }>();
  for (const a of serviceEdges) {
    if (!a.virtual || instrumented.has(a.child)) continue;
    const v = virtualChildren.get(a.child) ?? { calls: 0, errors: 0 };
    v.calls += a.calls;
    v.errors += a.errors;
    virtualChildren.set(a.child, v);
  }
  for (const [service, v] of virtualChildren) nodes.push({ service, callCount: v.calls, errorCount: v.errors, virtual: true });
  return { nodes, edges, operationEdges };
}

/**
 * RED over a service's entry spans (server and consumer spans, and roots): what its callers experience.
 */
export async function redMetrics(query: Query, q: RedQuery): Promise<RedResult> {
  const filters = ['start_ns >= ?', 'start_ns <= ?', '(kind IN (2, 5) OR parent_span_id = 0)'];
  const params: DuckDBValue[] = [q.startNano, q.endNano];
  if (q.service !== undefined) {
    filters.push('service = ?');
    params.push(q.service);
  }
  if (q.operation !== undefined) {
    filters.push('name = ?');
    params.push(q.operation);
  }
  const where = filters.join(' AND ');
  const seriesRows = await query(
    `SELECT (start_ns - ?) // ? AS bucket, count(*), count(*) FILTER (WHERE is_error), quantile_disc(duration_ns, [0.5, 0.95, 0.99])
     FROM spans WHERE ${where} GROUP BY 1 ORDER BY 1`,
    [q.startNano, q.stepNano, ...params],
  );
  const opRows = await query(
    `SELECT service, name, count(*), count(*) FILTER (WHERE is_error), quantile_disc(duration_ns, [0.5, 0.95, 0.99]),
       sum(duration_ns)::BIGINT
     FROM spans WHERE ${where} GROUP BY 1, 2 ORDER BY 6 DESC, 1, 2`,
    params,
  );
  return {
    series: seriesRows.map((r) => ({
      t: q.startNano + BigInt(r[0] as bigint) * q.stepNano,
      count: Number(r[1]),
      errorCount: Number(r[2]),
      ...percentiles(r[3]!),
    })),
    operations: opRows.map((r) => ({
      service: r[0] as string,
      operation: r[1] as string,
      count: Number(r[2]),
      errorCount: Number(r[3]),
      ...percentiles(r[4]!),
      totalNano: r[5] as bigint,
    })),
  };
}
