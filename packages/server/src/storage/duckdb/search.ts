/** Trace search: the matching traces' page (search-sql.ts), then per-service counts and orphans of that page. */
import type { SearchResult, TraceQuery, TraceSummary } from '../contract.js';
import { traceIdHex } from '../stored/ids.js';
import type { Row } from './connections.js';
import { traceIdListParam, type Param } from './params.js';
import { decodeCursor, encodeCursor, sortKeyOf } from '../stored/search-cursor.js';
import { buildSearchSql } from './search-sql.js';

type Read = (sql: string, params?: readonly Param[]) => Promise<Row[]>;

export async function searchTraces(read: Read, q: TraceQuery): Promise<SearchResult> {
  const sort = q.sort ?? 'recent';
  const cursor = q.cursor ? decodeCursor(q.cursor, sort) : null;
  const { sql, params } = buildSearchSql(q, cursor);
  const rows = await read(sql, params);
  const page = rows.slice(0, q.limit);
  const traces: TraceSummary[] = page.map((r) => ({
    traceId: traceIdHex(r.trace_id as bigint),
    startUnixNano: r.t_start as bigint,
    durationNano: (r.t_end as bigint) - (r.t_start as bigint),
    spanCount: Number(r.n),
    errorCount: Number(r.n_err),
    rootService: r.root_service as string,
    rootName: r.root_name as string,
    orphanCount: 0,
    services: [],
  }));
  if (traces.length > 0) {
    const byId = new Map(traces.map((t) => [t.traceId, t]));
    const ids = traceIdListParam(page.map((r) => r.trace_id as bigint));
    const svcRows = await read(
      `SELECT trace_id, service, count(*) AS n, count(*) FILTER (WHERE is_error) AS n_err FROM spans
       WHERE list_contains(?, trace_id) GROUP BY ALL ORDER BY 1, 3 DESC, 2`,
      [ids],
    );
    for (const r of svcRows) {
      byId.get(traceIdHex(r.trace_id as bigint))?.services.push({ name: r.service as string, spanCount: Number(r.n), errorCount: Number(r.n_err) });
    }
    const orphanRows = await read(
      `SELECT c.trace_id AS trace_id, count(*) AS n FROM spans c
       WHERE list_contains(?, c.trace_id) AND c.parent_span_id <> 0
         AND NOT EXISTS (SELECT 1 FROM spans p WHERE p.trace_id = c.trace_id AND p.span_id = c.parent_span_id)
       GROUP BY 1`,
      [ids],
    );
    for (const r of orphanRows) {
      const t = byId.get(traceIdHex(r.trace_id as bigint));
      if (t) t.orphanCount = Number(r.n);
    }
  }
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > q.limit && last
      ? encodeCursor({
          sort,
          key: sortKeyOf(sort, { startNano: last.t_start as bigint, endNano: last.t_end as bigint, spans: last.n as bigint, errors: last.n_err as bigint }),
          traceId: traceIdHex(last.trace_id as bigint),
        })
      : null;
  return { traces, nextCursor };
}
