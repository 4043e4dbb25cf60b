/**
 * SQL for the log search and for incoming span links (contract.ts, LogAndLinkReader). Every user value is a bound
 * parameter; only fixed column names and operators are spliced into the text.
 */
import type { IncomingLink, LogQuery } from '../contract.js';
import { hexToBig, spanIdHex, traceIdHex } from '../stored/ids.js';
import { linksFromJson } from '../stored/row-codec.js';
import { tagNeedles } from '../stored/tag-needles.js';
import type { Row } from './connections.js';
import { traceIdParam, type Param } from './params.js';
import { LOG_COLUMNS } from './row-mapping.js';
import { containsAny, Sql } from './search-sql.js';

/** A line's time: its own, else when it was observed (OTLP allows either to be unset). */
const LOG_TIME = 'coalesce(nullif(time_ns, 0), observed_ns)';

/**
 * The most recent matching lines, one more than the limit (so the caller knows whether more matched), in a total
 * order (lines equal in it are identical), after the `skip` lines a cursor has shown (storage/log-page.ts).
 */
export function logSearchSql(q: LogQuery): { sql: string; params: Param[] } {
  const sql = new Sql();
  // Spelled out rather than through LOG_TIME so that the time column's zone maps prune the scan.
  const where = [
    `(time_ns BETWEEN ${sql.p(q.startNano)} AND ${sql.p(q.endNano)} OR (time_ns = 0 AND observed_ns BETWEEN ${sql.p(q.startNano)} AND ${sql.p(q.endNano)}))`,
  ];
  if (q.traceId !== undefined) where.push(`trace_id = ${sql.p(traceIdParam(hexToBig(q.traceId)))}`);
  if (q.service !== undefined) where.push(`service = ${sql.p(q.service)}`);
  if (q.minSeverity !== undefined) where.push(`severity_number >= ${sql.p(q.minSeverity)}`);
  // The body is stored as {"v": value}; a structured body is searched in its stored text.
  if (q.text) where.push(`contains(lower(coalesce(json_extract_string(body, '$.v'), '')), lower(${sql.p(q.text)}))`);
  for (const tag of q.attributes ?? []) {
    const needles = tagNeedles(tag.key, tag.value);
    where.push(`(${containsAny(sql, 'attributes', needles)} OR resource_id IN (SELECT id FROM resources WHERE ${containsAny(sql, 'attributes', needles)}))`);
  }
  return {
    sql: `SELECT ${LOG_COLUMNS} FROM logs WHERE ${where.join(' AND ')}
      ORDER BY ${LOG_TIME} DESC, trace_id NULLS LAST, span_id NULLS LAST, severity_number, body, attributes, resource_id, scope_id,
        observed_ns, severity_text NULLS LAST, event_name NULLS LAST, flags
      LIMIT ${sql.p(q.limit + 1)} OFFSET ${sql.p(q.skip ?? 0)}`,
    params: sql.params,
  };
}

/**
 * Spans of other traces whose links name `traceId`. The stored links are `[["trace","span",…],…]`, so a link to
 * the trace starts `[["id"` or `],["id"`; the rows found that way are confirmed by decoding their links.
 */
export function linksToSql(traceId: string, limit: number, window: { startNano: bigint; endNano: bigint }): { sql: string; params: Param[] } {
  const sql = new Sql();
  const needles = [`[["${traceId}"`, `],["${traceId}"`];
  // The time bound first: the start column's zone maps skip the row groups outside the window.
  return {
    sql: `SELECT trace_id, span_id, start_ns, service, name, links FROM spans
      WHERE start_ns BETWEEN ${sql.p(window.startNano)} AND ${sql.p(window.endNano)}
        AND links IS NOT NULL AND trace_id <> ${sql.p(traceIdParam(hexToBig(traceId)))} AND ${containsAny(sql, 'links', needles)}
      ORDER BY start_ns DESC, trace_id, span_id LIMIT ${sql.p(limit)}`,
    params: sql.params,
  };
}

export function incomingLinksFromRows(rows: Row[], traceId: string, limit: number): IncomingLink[] {
  const out: IncomingLink[] = [];
  for (const r of rows) {
    for (const link of linksFromJson(r.links as string)) {
      if (link.traceId !== traceId || out.length >= limit) continue;
      out.push({
        traceId: traceIdHex(r.trace_id as bigint),
        spanId: spanIdHex(r.span_id as bigint),
        service: r.service as string,
        name: r.name as string,
        startUnixNano: r.start_ns as bigint,
        linkedSpanId: link.spanId,
      });
    }
  }
  return out;
}
