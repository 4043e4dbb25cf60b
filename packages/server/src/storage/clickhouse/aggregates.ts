/**
 * RED on ClickHouse: it reads Sextant's per-minute table (sextant_red_1m, an AggregatingMergeTree filled by a materialised view as
 * spans are inserted), so its cost grows with the number of minutes and operations in the window, not with the
 * spans. Minutes the table cannot answer exactly (a window edge inside a minute, a step that is not whole
 * minutes) are read from the spans, and both are merged in one query.
 */
import type { RedQuery, RedResult } from '../contract.js';
import { ENTRY_SPAN, IS_ERROR } from './schema.js';

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
