/**
 * RED on ClickHouse: the minutes the linking pass has done are read from Sextant's per-minute table
 * (sextant_red_distinct_1m, written from distinct spans by the pass), so the cost grows with the minutes and
 * operations in the window, not with the spans. The rest (a window edge inside a minute, minutes not linked yet, a
 * step that is not whole minutes, history from before the table) is read from the spans, each span once however
 * often it was stored, in the same form, and both are merged in one query. Latency is the shared sketch
 * (stored/sketch.ts) on both sides.
 */
import type { RedQuery, RedResult } from '../contract.js';
import { bucketSql, percentiles, type BucketCount } from '../stored/sketch.js';
import { ENTRY_SPAN, IS_ERROR, TABLES } from './schema.js';

export type Rows = <T>(sql: string, params?: Record<string, unknown>) => Promise<T[]>;

const MINUTE = 60_000_000_000n;

/** Per bucket: calls, smallest and largest duration (ClickHouse returns map values of UInt64 as text). */
interface Sketch {
  h: Record<string, string>;
  lo: Record<string, string>;
  hi: Record<string, string>;
}

function sketchPercentiles(s: Sketch): { p50Nano: bigint; p95Nano: bigint; p99Nano: bigint } {
  const buckets: BucketCount[] = Object.entries(s.h).map(([b, n]) => ({ bucket: Number(b), count: Number(n), min: BigInt(s.lo[b] ?? 0), max: BigInt(s.hi[b] ?? 0) }));
  return percentiles(buckets);
}

interface RedRow extends Sketch {
  bucket: string;
  calls: string;
  errors: string;
}

interface RedOpRow extends Sketch {
  ServiceName: string;
  SpanName: string;
  calls: string;
  errors: string;
  total: string;
}

/**
 * Partial aggregates per series bucket, service and operation: the table for the whole minutes it covers inside
 * the window ([tableFrom, tableTo)), the distinct spans for the rest. `filters` restricts by service and operation.
 */
function redSource(db: string, useTable: boolean, filters: string): string {
  const at = (p: string) => `fromUnixTimestamp64Nano({${p}:Int64})`;
  const raw = (where: string) => `SELECT intDiv(toUnixTimestamp64Nano(Timestamp) - {start:Int64}, {step:Int64}) AS b, ServiceName, SpanName,
      toUInt64(count()) AS Calls, toUInt64(countIf(err)) AS Errors, toUInt64(sum(Duration)) AS TotalDuration,
      sumMap(map(k, toUInt64(1))) AS Latency, minMap(map(k, Duration)) AS LatencyMin, maxMap(map(k, Duration)) AS LatencyMax
    FROM (
      SELECT Timestamp, ServiceName, SpanName, Duration, ${IS_ERROR} AS err, ${bucketSql('Duration')} AS k
      FROM ${db}.${TABLES.traces} WHERE ${ENTRY_SPAN} ${filters} AND ${where}
      LIMIT 1 BY TraceId, SpanId, SpanKind, Timestamp
    )
    GROUP BY b, ServiceName, SpanName`;
  if (!useTable) return raw(`Timestamp >= ${at('start')} AND Timestamp <= ${at('end')}`);
  return `SELECT intDiv(toInt64(toUnixTimestamp(Minute)) * 1000000000 - {start:Int64}, {step:Int64}) AS b, ServiceName, SpanName,
      Calls, Errors, TotalDuration, Latency, LatencyMin, LatencyMax
    FROM ${db}.${TABLES.red}
    WHERE Minute >= toDateTime(intDiv({tableFrom:Int64}, 1000000000)) AND Minute < toDateTime(intDiv({tableTo:Int64}, 1000000000)) ${filters}
    UNION ALL
    ${raw(`((Timestamp >= ${at('start')} AND Timestamp < ${at('tableFrom')}) OR (Timestamp >= ${at('tableTo')} AND Timestamp <= ${at('end')}))`)}`;
}

/** @param linked the minutes the linking pass has done, [from, to) in ns, or null when none. */
export async function redMetrics(rows: Rows, db: string, q: RedQuery, linked: [bigint, bigint] | null): Promise<RedResult> {
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
  let tableFrom = ((q.startNano + MINUTE - 1n) / MINUTE) * MINUTE;
  let tableTo = ((q.endNano + 1n) / MINUTE) * MINUTE;
  if (linked) {
    if (linked[0] > tableFrom) tableFrom = linked[0];
    if (linked[1] < tableTo) tableTo = linked[1];
  }
  const useTable = aligned && linked !== null && tableFrom < tableTo;
  params.tableFrom = tableFrom.toString();
  params.tableTo = tableTo.toString();
  const source = redSource(db, useTable, filters);
  const merged = `sum(Calls) AS calls, sum(Errors) AS errors, sumMap(Latency) AS h, minMap(LatencyMin) AS lo, maxMap(LatencyMax) AS hi`;
  const [series, ops] = await Promise.all([
    rows<RedRow>(`SELECT toString(b) AS bucket, ${merged} FROM (${source}) GROUP BY b ORDER BY b`, params),
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
      ...sketchPercentiles(r),
    })),
    operations: ops.map((r) => ({
      service: r.ServiceName,
      operation: r.SpanName,
      count: Number(r.calls),
      errorCount: Number(r.errors),
      ...sketchPercentiles(r),
      totalNano: BigInt(r.total),
    })),
  };
}
