/**
 * SQL for trace search (the semantics of ARCHITECTURE.md, "Search semantics"). Every user-supplied value is a bound parameter; only fixed column
 * names and operators are spliced into the text.
 */
import { parseSpanKind, parseStatusCode } from '@sextant/core';
import { hexToBig } from '../stored/ids.js';
import { traceIdParam, type Param } from './params.js';
import { tagNeedles } from '../stored/tag-needles.js';
import type { TagFilter, TraceQuery } from '../contract.js';
import { ORDERS, type Cursor } from '../stored/search-cursor.js';

export class Sql {
  readonly params: Param[] = [];
  p(v: Param): string {
    this.params.push(v);
    return '?';
  }
}

export function containsAny(sql: Sql, column: string, needles: string[]): string {
  return '(' + needles.map((n) => `contains(${column}, ${sql.p(n)})`).join(' OR ') + ')';
}

/** One tag filter as a condition on a `spans` row. */
function tagCondition(sql: Sql, tag: TagFilter): string {
  const { key, value } = tag;
  // Jaeger-style synthetic tags, so Grafana's and Jaeger UI's searches work unchanged.
  switch (key) {
    case 'error':
      if (value === 'true' || value === 'false') return value === 'true' ? 'is_error' : 'NOT is_error';
      break;
    case 'span.kind': {
      const kind = parseSpanKind(value);
      if (kind !== null) return `kind = ${sql.p(kind)}`;
      break;
    }
    case 'otel.status_code': {
      const code = parseStatusCode(value);
      if (code !== null) return `status_code = ${sql.p(code)}`;
      break;
    }
    case 'otel.status_description':
      return `status_message = ${sql.p(value)}`;
    case 'otel.scope.name':
    case 'otel.library.name':
      return `scope_id IN (SELECT id FROM scopes WHERE name = ${sql.p(value)})`;
    case 'otel.scope.version':
    case 'otel.library.version':
      return `scope_id IN (SELECT id FROM scopes WHERE version = ${sql.p(value)})`;
    default:
      break;
  }
  const needles = tagNeedles(key, value);
  return `(${containsAny(sql, 'attributes', needles)}
    OR resource_id IN (SELECT id FROM resources WHERE ${containsAny(sql, 'attributes', needles)})
    OR scope_id IN (SELECT id FROM scopes WHERE ${containsAny(sql, 'attributes', needles)})
    OR (events IS NOT NULL AND ${containsAny(sql, 'events', needles)})
    OR (links IS NOT NULL AND ${containsAny(sql, 'links', needles)}))`;
}

/**
 * Returns rows [trace_id, t_start, t_end, n, n_err, root_service, root_name] in the query's order, one more than
 * the limit (so the caller knows whether there is a next page).
 *
 * With `since`, only spans starting at or after it are read, both to find matches and to summarise them: the rows
 * are then exact for every trace with no span before `since` (search.ts checks that for the rows it keeps), and
 * every matching trace that starts at or after `since` is among them.
 */
export function buildSearchSql(q: TraceQuery, cursor: Cursor | null, since?: bigint): { sql: string; params: Param[] } {
  const sql = new Sql();
  const where: string[] = [];
  if (q.startNano !== undefined) where.push(`start_ns >= ${sql.p(q.startNano)}`);
  if (since !== undefined) where.push(`start_ns >= ${sql.p(since)}`);
  if (q.traceIdPrefix !== undefined) {
    // Ids are unsigned 128-bit numbers, so a hex prefix is a range.
    where.push(`trace_id BETWEEN ${sql.p(traceIdParam(hexToBig(q.traceIdPrefix.padEnd(32, '0'))))} AND ${sql.p(traceIdParam(hexToBig(q.traceIdPrefix.padEnd(32, 'f'))))}`);
  }
  if (q.endNano !== undefined) where.push(`start_ns <= ${sql.p(q.endNano)}`);
  if (q.service !== undefined) where.push(`service = ${sql.p(q.service)}`);
  if (q.operation !== undefined) where.push(`name = ${sql.p(q.operation)}`);
  if (q.parentService !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM spans caller WHERE caller.trace_id = spans.trace_id
      AND caller.span_id = spans.parent_span_id AND caller.service = ${sql.p(q.parentService)})`);
  }
  if (q.spanKind !== undefined) where.push(`kind = ${sql.p(q.spanKind)}`);
  if (q.minDurationNano !== undefined) where.push(`duration_ns >= ${sql.p(q.minDurationNano)}`);
  if (q.maxDurationNano !== undefined) where.push(`duration_ns <= ${sql.p(q.maxDurationNano)}`);
  if (q.errorsOnly) where.push('is_error');
  for (const tag of q.tags ?? []) where.push(tagCondition(sql, tag));
  // Bound in text order: after the hits' conditions, before the summary's.
  const recentOnly = since === undefined ? '' : `start_ns >= ${sql.p(since)} AND`;

  const having: string[] = [];
  if (q.traceMinDurationNano !== undefined) having.push(`t_end - t_start >= ${sql.p(q.traceMinDurationNano)}`);
  if (q.traceMaxDurationNano !== undefined) having.push(`t_end - t_start <= ${sql.p(q.traceMaxDurationNano)}`);
  const order = ORDERS[q.sort ?? 'recent'];
  const cmp = order.desc ? '<' : '>';
  if (cursor) {
    having.push(
      `(${order.key} ${cmp} ${sql.p(cursor.key)} OR (${order.key} = ${sql.p(cursor.key)} AND trace_id ${cmp} ${sql.p(traceIdParam(hexToBig(cursor.traceId)))}))`,
    );
  }
  const limit = sql.p(q.limit + 1);
  const text = `
    WITH hits AS (
      SELECT DISTINCT trace_id FROM spans ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
    ), traces AS (
      SELECT trace_id, min(start_ns) AS t_start, max(start_ns + duration_ns) AS t_end, count(*) AS n,
        count(*) FILTER (WHERE is_error) AS n_err,
        arg_min(service, (parent_span_id <> 0, start_ns)) AS root_service,
        arg_min(name, (parent_span_id <> 0, start_ns)) AS root_name
      FROM spans WHERE ${recentOnly} trace_id IN (SELECT trace_id FROM hits)
      GROUP BY trace_id
    )
    SELECT trace_id, t_start, t_end, n, n_err, root_service, root_name FROM traces
    ${having.length ? 'WHERE ' + having.join(' AND ') : ''}
    ORDER BY ${order.key} ${order.desc ? 'DESC' : 'ASC'}, trace_id ${order.desc ? 'DESC' : 'ASC'}
    LIMIT ${limit}`;
  return { sql: text, params: sql.params };
}
