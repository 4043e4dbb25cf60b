/**
 * The log search and incoming span links in ClickHouse SQL (contract.ts, LogAndLinkReader), over the exporter's
 * otel_logs and otel_traces. Every user value is a bound `{pN:Type}` parameter.
 */
import type { IncomingLink, LogQuery } from '../contract.js';
import { LOG_COLUMNS, type LogSelectRow } from './rows.js';
import { ident, TABLES } from './schema.js';
import { mapHas, nano, Params } from './search.js';

type Rows = <T>(sql: string, params: Record<string, unknown>) => Promise<T[]>;

/**
 * The most recent matching lines, one more than the limit (so the caller knows whether more matched), in a total
 * order (lines equal in it are identical), after the `skip` lines a cursor has shown (storage/log-page.ts).
 */
export function searchLogRows(rows: Rows, db: string, q: LogQuery): Promise<LogSelectRow[]> {
  const p = new Params();
  const where = [`Timestamp >= ${nano(p, q.startNano)}`, `Timestamp <= ${nano(p, q.endNano)}`];
  if (q.traceId !== undefined) where.push(`TraceId = ${p.p(q.traceId, 'String')}`);
  if (q.service !== undefined) where.push(`ServiceName = ${p.p(q.service, 'String')}`);
  if (q.minSeverity !== undefined) where.push(`SeverityNumber >= ${p.p(q.minSeverity, 'UInt8')}`);
  if (q.text) where.push(`positionCaseInsensitiveUTF8(Body, ${p.p(q.text, 'String')}) > 0`);
  for (const tag of q.attributes ?? []) {
    const k = p.p(tag.key, 'String');
    const v = p.p(tag.value, 'String');
    where.push(`(${mapHas('LogAttributes', k, v)} OR ${mapHas('ResourceAttributes', k, v)})`);
  }
  return rows<LogSelectRow>(
    `SELECT ${LOG_COLUMNS} FROM ${db}.${ident(TABLES.logs)} WHERE ${where.join(' AND ')}
     ORDER BY Timestamp DESC, TraceId, SpanId, SeverityNumber, Body, mapKeys(LogAttributes), mapValues(LogAttributes), ServiceName, ScopeName,
       mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeVersion, SeverityText, EventName, TraceFlags
     LIMIT ${p.p(q.limit + 1, 'UInt32')} OFFSET ${p.p(q.skip ?? 0, 'UInt32')}`,
    p.values,
  );
}

/** Spans of other traces whose links name `traceId`, one row per span as the contract counts them. */
export async function incomingLinks(rows: Rows, db: string, traceId: string, limit: number, window: { startNano: bigint; endNano: bigint }): Promise<IncomingLink[]> {
  const p = new Params();
  const id = p.p(traceId, 'String');
  const inWindow = `Timestamp >= ${nano(p, window.startNano)} AND Timestamp <= ${nano(p, window.endNano)}`;
  const found = await rows<{ TraceId: string; SpanId: string; ServiceName: string; SpanName: string; StartNano: string; LinkTraceIds: string[]; LinkSpanIds: string[] }>(
    `SELECT TraceId, SpanId, ServiceName, SpanName, toString(toUnixTimestamp64Nano(Timestamp)) AS StartNano,
       Links.TraceId AS LinkTraceIds, Links.SpanId AS LinkSpanIds
     FROM ${db}.${ident(TABLES.traces)} WHERE ${inWindow} AND has(Links.TraceId, ${id}) AND TraceId != ${id}
     ORDER BY Timestamp DESC, TraceId, SpanId LIMIT 1 BY TraceId, SpanId, SpanKind, Timestamp LIMIT ${p.p(limit, 'UInt32')}`,
    p.values,
  );
  const out: IncomingLink[] = [];
  for (const r of found)
    r.LinkTraceIds.forEach((t, i) => {
      if (t === traceId && out.length < limit)
        out.push({ traceId: r.TraceId, spanId: r.SpanId, service: r.ServiceName, name: r.SpanName, startUnixNano: BigInt(r.StartNano), linkedSpanId: r.LinkSpanIds[i]! });
    });
  return out;
}
