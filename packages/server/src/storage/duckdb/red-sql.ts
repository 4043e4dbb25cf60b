/**
 * RED straight from the spans, for steps finer than the rollups' minute: entry spans (server, consumer, roots),
 * what a service's callers experience.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { RedQuery, RedResult } from '../contract.js';
import type { Row } from './connections.js';
import type { Param } from './params.js';

type Read = (sql: string, params?: readonly Param[]) => Promise<Row[]>;

/** The `quantile_disc(x, [0.5, 0.95, 0.99])` list as the API's percentile fields. */
function percentiles(v: DuckDBValue): { p50Nano: bigint; p95Nano: bigint; p99Nano: bigint } {
  const items = (v as { items: (bigint | null)[] } | null)?.items ?? [];
  return { p50Nano: items[0] ?? 0n, p95Nano: items[1] ?? 0n, p99Nano: items[2] ?? 0n };
}

export async function redFromSpans(read: Read, q: RedQuery): Promise<RedResult> {
  const filters = ['start_ns >= ?', 'start_ns <= ?', '(kind IN (2, 5) OR parent_span_id = 0)'];
  const params: Param[] = [q.startNano, q.endNano];
  if (q.service !== undefined) {
    filters.push('service = ?');
    params.push(q.service);
  }
  if (q.operation !== undefined) {
    filters.push('name = ?');
    params.push(q.operation);
  }
  const where = filters.join(' AND ');
  const seriesRows = await read(
    `SELECT (start_ns - ?) // ? AS bucket, count(*) AS n, count(*) FILTER (WHERE is_error) AS n_err,
       quantile_disc(duration_ns, [0.5, 0.95, 0.99]) AS pct
     FROM spans WHERE ${where} GROUP BY 1 ORDER BY 1`,
    [q.startNano, q.stepNano, ...params],
  );
  const opRows = await read(
    `SELECT service, name, count(*) AS n, count(*) FILTER (WHERE is_error) AS n_err,
       quantile_disc(duration_ns, [0.5, 0.95, 0.99]) AS pct, sum(duration_ns)::BIGINT AS total
     FROM spans WHERE ${where} GROUP BY 1, 2 ORDER BY 6 DESC, 1, 2`,
    params,
  );
  return {
    series: seriesRows.map((r) => ({
      t: q.startNano + BigInt(r.bucket as bigint) * q.stepNano,
      count: Number(r.n),
      errorCount: Number(r.n_err),
      ...percentiles(r.pct!),
    })),
    operations: opRows.map((r) => ({
      service: r.service as string,
      operation: r.name as string,
      count: Number(r.n),
      errorCount: Number(r.n_err),
      ...percentiles(r.pct!),
      totalNano: r.total as bigint,
    })),
  };
}
