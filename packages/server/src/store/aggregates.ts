/**
 * Cross-trace aggregates computed live in SQL over any time window (no batch job): the service dependency graph
 * and RED metrics. Edges follow parent→child span relations that cross a service boundary; a client or producer
 * span with no child in another service but naming its peer (peer.service, server.address) adds an edge to a
 * virtual node for the uninstrumented service.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { traceIdHex } from './ids.js';
import type { Param } from './params.js';
import type { DependencyEdge, DependencyGraph, OperationEdge, RedQuery, RedResult } from './store.js';

type Query = (sql: string, params?: readonly Param[]) => Promise<DuckDBValue[][]>;

function quantiles(v: DuckDBValue): [bigint, bigint, bigint] {
  const items = (v as { items: (bigint | null)[] } | null)?.items ?? [];
  return [items[0] ?? 0n, items[1] ?? 0n, items[2] ?? 0n];
}

const EDGE_SOURCE = `
  WITH win AS (
    SELECT trace_id, span_id, parent_span_id, service, name, kind, is_error, duration_ns, attributes
    FROM spans WHERE start_ns >= ? AND start_ns <= ?
  ), cross_edges AS (
    SELECT p.service AS parent, c.service AS child, p.name AS parent_op, c.name AS child_op,
      c.is_error AS err, c.duration_ns AS dur, c.trace_id AS trace_id, false AS virtual
    FROM win c JOIN win p ON c.trace_id = p.trace_id AND c.parent_span_id = p.span_id
    WHERE c.parent_span_id <> 0 AND p.service <> c.service
  ), peers AS (
    SELECT s.service AS parent,
      coalesce(json_extract_string(s.attributes, '$."peer.service"'), json_extract_string(s.attributes, '$."server.address"'),
        json_extract_string(s.attributes, '$."net.peer.name"'), json_extract_string(s.attributes, '$."db.system"')) AS child,
      s.name AS parent_op, s.name AS child_op, s.is_error AS err, s.duration_ns AS dur, s.trace_id AS trace_id, true AS virtual
    FROM win s
    WHERE s.kind IN (3, 4)
      AND NOT EXISTS (SELECT 1 FROM win c WHERE c.trace_id = s.trace_id AND c.parent_span_id = s.span_id AND c.service <> s.service)
  ), edges AS (
    SELECT * FROM cross_edges UNION ALL SELECT * FROM peers WHERE child IS NOT NULL AND child <> parent
  )`;

export async function dependencyGraph(query: Query, startNano: bigint, endNano: bigint): Promise<DependencyGraph> {
  const params = [startNano, endNano];
  const serviceRows = await query(
    `${EDGE_SOURCE}
     SELECT parent, child, count(*), count(*) FILTER (WHERE err), quantile_disc(dur, [0.5, 0.95, 0.99]), min(trace_id),
       bool_and(virtual)
     FROM edges GROUP BY parent, child ORDER BY 3 DESC, 1, 2`,
    params,
  );
  const opRows = await query(
    `${EDGE_SOURCE}
     SELECT parent, child, parent_op, child_op, count(*), count(*) FILTER (WHERE err), quantile_disc(dur, [0.5, 0.95, 0.99]),
       min(trace_id)
     FROM edges GROUP BY ALL ORDER BY 5 DESC, 1, 2, 3, 4`,
    params,
  );
  const nodeRows = await query(
    `SELECT service, count(*) FILTER (WHERE kind IN (2, 5) OR parent_span_id = 0),
       count(*) FILTER (WHERE is_error AND (kind IN (2, 5) OR parent_span_id = 0))
     FROM spans WHERE start_ns >= ? AND start_ns <= ? GROUP BY 1 ORDER BY 1`,
    params,
  );
  const edges: DependencyEdge[] = [];
  const virtualChildren = new Map<string, { calls: number; errors: number }>();
  for (const r of serviceRows) {
    const [p50, p95, p99] = quantiles(r[4]!);
    const e: DependencyEdge = {
      parent: r[0] as string,
      child: r[1] as string,
      callCount: Number(r[2]),
      errorCount: Number(r[3]),
      p50Nano: p50,
      p95Nano: p95,
      p99Nano: p99,
      exampleTraceId: traceIdHex(r[5] as bigint),
    };
    edges.push(e);
    if (r[6] === true) {
      const v = virtualChildren.get(e.child) ?? { calls: 0, errors: 0 };
      v.calls += e.callCount;
      v.errors += e.errorCount;
      virtualChildren.set(e.child, v);
    }
  }
  const operationEdges: OperationEdge[] = opRows.map((r) => {
    const [p50, p95, p99] = quantiles(r[6]!);
    return {
      parent: r[0] as string,
      child: r[1] as string,
      parentOperation: r[2] as string,
      childOperation: r[3] as string,
      callCount: Number(r[4]),
      errorCount: Number(r[5]),
      p50Nano: p50,
      p95Nano: p95,
      p99Nano: p99,
      exampleTraceId: traceIdHex(r[7] as bigint),
    };
  });
  const nodes = nodeRows.map((r) => ({
    service: r[0] as string,
    callCount: Number(r[1]),
    errorCount: Number(r[2]),
    virtual: false,
  }));
  const instrumented = new Set(nodes.map((n) => n.service));
  for (const [service, v] of virtualChildren) {
    if (!instrumented.has(service)) nodes.push({ service, callCount: v.calls, errorCount: v.errors, virtual: true });
  }
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
    series: seriesRows.map((r) => {
      const [p50, p95, p99] = quantiles(r[3]!);
      return {
        t: q.startNano + BigInt(r[0] as bigint) * q.stepNano,
        count: Number(r[1]),
        errorCount: Number(r[2]),
        p50Nano: p50,
        p95Nano: p95,
        p99Nano: p99,
      };
    }),
    operations: opRows.map((r) => {
      const [p50, p95, p99] = quantiles(r[4]!);
      return {
        service: r[0] as string,
        operation: r[1] as string,
        count: Number(r[2]),
        errorCount: Number(r[3]),
        p50Nano: p50,
        p95Nano: p95,
        p99Nano: p99,
        totalNano: r[5] as bigint,
      };
    }),
  };
}
