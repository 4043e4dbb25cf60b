/**
 * Trace search in ClickHouse SQL, with the semantics of the store contract: span-level filters hold for one and
 * the same span, trace-level duration filters for the whole trace, in the query's order (newest first by default),
 * keyset cursor. Every user-supplied value is a bound `{pN:Type}` parameter.
 */
import { parseSpanKind, StatusCode } from '@sextant/core';
import type { TagFilter, TraceQuery } from '../contract.js';
import { ORDERS, type Cursor } from '../stored/search-cursor.js';
import { IS_ERROR } from './schema.js';
import { kindSpellings, statusSpellings } from './rows.js';

export class Params {
  readonly values: Record<string, unknown> = {};
  private n = 0;
  p(v: unknown, type: string): string {
    const name = `p${this.n++}`;
    this.values[name] = typeof v === 'bigint' ? v.toString() : v;
    return `{${name}:${type}}`;
  }
}

/** A map's value for a key, only where the key is present ('' is a value, not absence). */
export const mapHas = (map: string, k: string, v: string) => `(mapContains(${map}, ${k}) AND ${map}[${k}] = ${v})`;

function tagCondition(p: Params, tag: TagFilter): string {
  const { key, value } = tag;
  // Jaeger-style synthetic tags, so Grafana's and Jaeger UI's searches work unchanged.
  switch (key) {
    case 'error':
      if (value === 'true' || value === 'false') return value === 'true' ? IS_ERROR : `NOT ${IS_ERROR}`;
      break;
    case 'span.kind': {
      const kind = parseSpanKind(value);
      if (kind !== null) return `SpanKind IN ${p.p(kindSpellings(kind), 'Array(String)')}`;
      break;
    }
    case 'otel.status_code': {
      const code = { UNSET: StatusCode.UNSET, OK: StatusCode.OK, ERROR: StatusCode.ERROR }[value.toUpperCase()];
      if (code !== undefined) return `StatusCode IN ${p.p(statusSpellings(code), 'Array(String)')}`;
      break;
    }
    case 'otel.status_description':
      return `StatusMessage = ${p.p(value, 'String')}`;
    case 'otel.scope.name':
    case 'otel.library.name':
      return `ScopeName = ${p.p(value, 'String')}`;
    case 'otel.scope.version':
    case 'otel.library.version':
      return `ScopeVersion = ${p.p(value, 'String')}`;
    default:
      break;
  }
  const k = p.p(key, 'String');
  const v = p.p(value, 'String');
  return `(${mapHas('SpanAttributes', k, v)} OR ${mapHas('ResourceAttributes', k, v)}
    OR arrayExists(a -> ${mapHas('a', k, v)}, Events.Attributes) OR arrayExists(a -> ${mapHas('a', k, v)}, Links.Attributes))`;
}

// As nanoseconds: comparing Timestamp (DateTime64) with toDateTime(a parameter) selected nothing in chdb 3.4.
export const nano = (p: Params, v: bigint) => `fromUnixTimestamp64Nano(${p.p(v, 'Int64')})`;
const SECOND = 1_000_000_000n;

export interface SearchRow {
  TraceId: string;
  TStart: string;
  TEnd: string;
  SpanCount: string;
  ErrorCount: string;
  RootService: string;
  RootName: string;
}

/** The span-level conditions of a search, as SQL over otel_traces. */
function spanFilters(p: Params, db: string, q: TraceQuery): string[] {
  const where: string[] = [];
  if (q.startNano !== undefined) where.push(`Timestamp >= ${nano(p, q.startNano)}`);
  if (q.endNano !== undefined) where.push(`Timestamp <= ${nano(p, q.endNano)}`);
  if (q.traceIdPrefix !== undefined) where.push(`startsWith(TraceId, ${p.p(q.traceIdPrefix, 'String')})`);
  if (q.service !== undefined) where.push(`ServiceName = ${p.p(q.service, 'String')}`);
  if (q.operation !== undefined) where.push(`SpanName = ${p.p(q.operation, 'String')}`);
  if (q.parentService !== undefined) {
    where.push(`(TraceId, ParentSpanId) IN (SELECT TraceId, SpanId FROM ${db}.otel_traces WHERE ServiceName = ${p.p(q.parentService, 'String')})`);
  }
  if (q.spanKind !== undefined) where.push(`SpanKind IN ${p.p(kindSpellings(q.spanKind), 'Array(String)')}`);
  if (q.minDurationNano !== undefined) where.push(`Duration >= ${p.p(q.minDurationNano, 'UInt64')}`);
  if (q.maxDurationNano !== undefined) where.push(`Duration <= ${p.p(q.maxDurationNano, 'UInt64')}`);
  if (q.errorsOnly) where.push(IS_ERROR);
  for (const tag of q.tags ?? []) where.push(tagCondition(p, tag));
  return where;
}

/**
 * The most recent page needs the start of each matching trace, which the exporter's lookup table holds to the
 * second (min(toDateTime(Timestamp)) of its spans): the traces whose second is among the page's, and all those tied
 * with the last one, are the only ones that can be on the page, so only their spans need reading. Other orders and
 * trace-duration filters need every matching trace's summary.
 */
export function recentCandidatesSql(db: string, q: TraceQuery, cursor: Cursor | null): { sql: string; params: Record<string, unknown> } | null {
  if ((q.sort ?? 'recent') !== 'recent' || q.traceMinDurationNano !== undefined || q.traceMaxDurationNano !== undefined) return null;
  const p = new Params();
  const where = spanFilters(p, db, q);
  const traces = `SELECT TraceId, min(Start) AS s, max(End) AS e FROM ${db}.otel_traces_trace_id_ts
      WHERE TraceId IN (SELECT TraceId FROM ${db}.otel_traces ${where.length ? 'WHERE ' + where.join(' AND ') : ''})
      GROUP BY TraceId`;
  const out = 'TraceId, toString(toUnixTimestamp(s)) AS StartSec, toString(toUnixTimestamp(e)) AS EndSec';
  const n = p.p(q.limit + 1, 'UInt32');
  if (!cursor) return { sql: `SELECT ${out} FROM (${traces}) ORDER BY s DESC LIMIT ${n} WITH TIES`, params: p.values };
  // After a cursor: every trace of the cursor's second (some of them come after it, some were on earlier pages),
  // and the page's worth of earlier seconds, ties included.
  const k = `toDateTime(intDiv(${p.p(cursor.key, 'Int64')}, 1000000000))`;
  const sql = `SELECT ${out} FROM (
      SELECT TraceId, s, e, rank() OVER (PARTITION BY s = ${k} ORDER BY s DESC) AS r FROM (${traces} HAVING s <= ${k})
    ) WHERE s = ${k} OR r <= ${n}`;
  return { sql, params: p.values };
}

/** Up to `n` traces with a matching span: when that is all of them, only they need summarising. */
export function matchingTracesSql(db: string, q: TraceQuery, n: number): { sql: string; params: Record<string, unknown> } {
  const p = new Params();
  const where = spanFilters(p, db, q);
  return { sql: `SELECT DISTINCT TraceId FROM ${db}.otel_traces ${where.length ? 'WHERE ' + where.join(' AND ') : ''} LIMIT ${p.p(n, 'UInt32')}`, params: p.values };
}

/** The only traces that can be on the page, and when known the seconds their spans lie in. */
export interface Candidates {
  ids: string[];
  range?: { fromSec: bigint; toSec: bigint };
}

/**
 * Rows of the page in the query's order, one more than the limit (so the caller knows whether there is a next
 * page); with `candidates`, only those traces are read (in their time range), else every matching trace.
 */
export function buildSearchSql(db: string, q: TraceQuery, cursor: Cursor | null, candidates: Candidates | null = null): { sql: string; params: Record<string, unknown> } {
  const p = new Params();
  const traces = candidates
    ? `TraceId IN ${p.p(candidates.ids, 'Array(String)')}${candidates.range ? ` AND Timestamp >= ${nano(p, candidates.range.fromSec * SECOND)} AND Timestamp < ${nano(p, (candidates.range.toSec + 1n) * SECOND)}` : ''}`
    : `TraceId IN (SELECT DISTINCT TraceId FROM ${db}.otel_traces ${((w) => (w.length ? 'WHERE ' + w.join(' AND ') : ''))(spanFilters(p, db, q))})`;
  const having: string[] = [];
  if (q.traceMinDurationNano !== undefined) having.push(`t_end - t_start >= ${p.p(q.traceMinDurationNano, 'Int64')}`);
  if (q.traceMaxDurationNano !== undefined) having.push(`t_end - t_start <= ${p.p(q.traceMaxDurationNano, 'Int64')}`);
  const order = ORDERS[q.sort ?? 'recent'];
  const cmp = order.desc ? '<' : '>';
  const dir = order.desc ? 'DESC' : 'ASC';
  if (cursor) {
    // Lower-case hex ids of one length order as their numbers do, as DuckDB orders them.
    const k = p.p(cursor.key, 'Int64');
    having.push(`(${order.key} ${cmp} ${k} OR (${order.key} = ${k} AND TraceId ${cmp} ${p.p(cursor.traceId, 'String')}))`);
  }
  const sql = `
    SELECT TraceId, toString(t_start) AS TStart, toString(t_end) AS TEnd, toString(n) AS SpanCount, toString(n_err) AS ErrorCount,
      root_service AS RootService, root_name AS RootName
    FROM (
      SELECT TraceId, min(toUnixTimestamp64Nano(Timestamp)) AS t_start,
        max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) AS t_end, uniqExact(SpanId, SpanKind, Timestamp) AS n, uniqExactIf((SpanId, SpanKind, Timestamp), ${IS_ERROR}) AS n_err,
        argMin(ServiceName, (ParentSpanId != '', Timestamp)) AS root_service,
        argMin(SpanName, (ParentSpanId != '', Timestamp)) AS root_name
      FROM ${db}.otel_traces
      WHERE ${traces}
      GROUP BY TraceId
    )
    ${having.length ? 'WHERE ' + having.join(' AND ') : ''}
    ORDER BY ${order.key} ${dir}, TraceId ${dir}
    LIMIT ${p.p(q.limit + 1, 'UInt32')}`;
  return { sql, params: p.values };
}
