/**
 * Trace search: the matching traces' page (search-sql.ts), then per-service counts and orphans of that page.
 *
 * Most recent first (the default order) reads the recent end of the table only: spans are stored roughly in
 * arrival order, so a lower bound on start time prunes whole row groups by their zone maps, and the search widens
 * that bound until it holds a full page. Its cost follows the answer (how far back the page's traces lie), not the
 * history stored. The other orders need every match and read the whole window.
 */
import type { SearchResult, TraceQuery, TraceSummary } from '../contract.js';
import { traceIdHex } from '../stored/ids.js';
import type { Row } from './connections.js';
import { traceIdListParam, type Param } from './params.js';
import { decodeCursor, nextPageCursor, type Cursor } from '../stored/search-cursor.js';
import { buildSearchSql } from './search-sql.js';
import { inRanges, type TraceLocator } from './trace-locator.js';

type Read = (sql: string, params?: readonly Param[]) => Promise<Row[]>;

/** The first recent window; a window with no match widens EMPTY_WIDEN times, else by what is still missing. */
const FIRST_WINDOW_NS = 1_000_000_000n;
const EMPTY_WIDEN = 4n;

export async function searchTraces(read: Read, q: TraceQuery, locator: TraceLocator): Promise<SearchResult> {
  const sort = q.sort ?? 'recent';
  const cursor = q.cursor ? decodeCursor(q.cursor, sort) : null;
  const rows = sort === 'recent' ? await recentRows(read, q, cursor, locator) : await read(...sqlOf(buildSearchSql(q, cursor)));
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
    const idList = page.map((r) => r.trace_id as bigint);
    const ranges = locator.ranges(idList);
    const ids = traceIdListParam(idList);
    const pageSpans = inRanges(ranges, `SELECT trace_id, span_id, parent_span_id, service, is_error FROM spans WHERE list_contains(?, trace_id)`, [ids]);
    const svcRows = await read(
      `SELECT trace_id, service, count(*) AS n, count(*) FILTER (WHERE is_error) AS n_err FROM (${pageSpans.sql})
       GROUP BY ALL ORDER BY 1, 3 DESC, 2`,
      pageSpans.params,
    );
    for (const r of svcRows) {
      byId.get(traceIdHex(r.trace_id as bigint))?.services.push({ name: r.service as string, spanCount: Number(r.n), errorCount: Number(r.n_err) });
    }
    const orphanRows = await read(
      `WITH s AS (${pageSpans.sql})
       SELECT c.trace_id AS trace_id, count(*) AS n FROM s c
       WHERE c.parent_span_id <> 0 AND NOT EXISTS (SELECT 1 FROM s p WHERE p.trace_id = c.trace_id AND p.span_id = c.parent_span_id)
       GROUP BY 1`,
      pageSpans.params,
    );
    for (const r of orphanRows) {
      const t = byId.get(traceIdHex(r.trace_id as bigint));
      if (t) t.orphanCount = Number(r.n);
    }
  }
  return { traces, nextCursor: nextPageCursor(sort, traces, rows.length > q.limit) };
}

const sqlOf = ({ sql, params }: { sql: string; params: Param[] }): [string, Param[]] => [sql, params];

/**
 * The most recent matches (limit + 1 rows, as buildSearchSql returns them), read from a window [since, ∞) that
 * widens until it holds them. Every matching trace that starts inside the window is found there; a row is kept
 * only when its trace has no span before the window (else its summary, read from the window alone, is partial and
 * its true start lies below every kept row), so the page equals the one the whole table would give.
 */
async function recentRows(read: Read, q: TraceQuery, cursor: Cursor | null, locator: TraceLocator): Promise<Row[]> {
  const [extent] = await read(`SELECT min(start_ns) AS lo, max(start_ns) AS hi FROM spans`);
  if (extent?.lo === null || extent?.lo === undefined) return [];
  const first = extent.lo as bigint;
  // A later page's traces start at or before its cursor; matching spans can lie anywhere up to the window's end.
  let top = extent.hi as bigint;
  if (q.endNano !== undefined && q.endNano < top) top = q.endNano;
  if (cursor && cursor.key < top) top = cursor.key;
  const floor = q.startNano !== undefined && q.startNano > first ? q.startNano : first;
  for (let width = FIRST_WINDOW_NS; ; ) {
    const since = top - width;
    if (since <= floor) return read(...sqlOf(buildSearchSql(q, cursor)));
    const rows = await read(...sqlOf(buildSearchSql(q, cursor, since)));
    const older = rows.length === 0 ? new Set<bigint>() : await tracesWithSpansBefore(read, locator, since, rows.map((r) => r.trace_id as bigint));
    const kept = rows.filter((r) => !older.has(r.trace_id as bigint));
    if (kept.length === rows.length && rows.length > q.limit) return rows;
    // Too few in the window (or some rows were partial): widen in proportion to what is missing, with a margin.
    const found = BigInt(kept.length);
    const need = BigInt(q.limit + 1);
    width = found === 0n ? width * EMPTY_WIDEN : (width * need * 5n) / (found * 4n) + 1n;
  }
}

/** Which of `ids` have a span starting before `before` (read only where the locator says they may). */
async function tracesWithSpansBefore(read: Read, locator: TraceLocator, before: bigint, ids: bigint[]): Promise<Set<bigint>> {
  const { sql, params } = inRanges(locator.ranges(ids, before), `SELECT trace_id FROM spans WHERE start_ns < ? AND list_contains(?, trace_id)`, [before, traceIdListParam(ids)]);
  const rows = await read(`SELECT DISTINCT trace_id FROM (${sql})`, params);
  return new Set(rows.map((r) => r.trace_id as bigint));
}
