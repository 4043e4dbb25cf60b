/**
 * TraceQL counting plans (core's countingPlan: `{ exact column conditions } | rate() by(columns)` and friends)
 * as one GROUP BY over the spans table, so such metrics cost one scan instead of loading traces. Values are
 * parameters; column names come from a fixed map, never from the query text.
 */
import type { DuckDBStructValue } from '@duckdb/node-api';
import type { ExactCondition } from '@sextant/core';
import type { SpanCountQuery, SpanCountRow } from '../contract.js';
import { spanIdHex, traceIdHex } from '../stored/ids.js';
import type { Row } from './connections.js';
import type { Param } from './params.js';

type Read = (sql: string, params?: readonly Param[]) => Promise<Row[]>;

const COLUMN: Record<ExactCondition['column'], string> = { service: 'service', name: 'name', kind: 'kind', status: 'status_code', duration: 'duration_ns' };
// Tempo's histogram buckets: the power of two at or above the duration (1 for anything up to 1 ns).
const DURATION_BUCKET = 'CASE WHEN duration_ns <= 1 THEN 1 ELSE CAST(2 ^ ceil(log2(CAST(duration_ns AS DOUBLE))) AS BIGINT) END';
const OPS = new Set(['=', '!=', '>', '>=', '<', '<=']);

/**
 * The exemplar of a group of spans: the slowest, ties broken by the largest ids, so that it is one span and the
 * same whichever way the group is summed (the per-minute rollups keep it per minute the same way).
 */
export const EXEMPLAR_SQL = `max({'d': duration_ns, 't': trace_id, 's': span_id, 'st': start_ns})`;

/** One exact condition as SQL over the spans' columns, its value appended to `params`. */
export function conditionSql(c: ExactCondition, params: Param[]): string {
  if (!OPS.has(c.op) || !(c.column in COLUMN)) throw new Error(`not an exact condition: ${JSON.stringify(c)}`);
  params.push(typeof c.value === 'number' && c.column === 'duration' ? BigInt(Math.round(c.value)) : c.value);
  return `${COLUMN[c.column]} ${c.op} ?`;
}

export async function countSpans(read: Read, q: SpanCountQuery): Promise<SpanCountRow[]> {
  const params: Param[] = [q.firstStepNano, q.stepNano, q.startNano, q.endNano];
  const where = ['start_ns >= ?', 'start_ns < ?'];
  for (const c of q.conditions) where.push(conditionSql(c, params));
  const groups = q.groupBy.map((g, i) => `${g === 'durationBucket' ? DURATION_BUCKET : COLUMN[g]} AS g${i}`);
  const rows = await read(
    `SELECT (start_ns - ?) // ? AS step${groups.map((g) => `, ${g}`).join('')}, count(*) AS n, ${EXEMPLAR_SQL} AS ex
     FROM spans WHERE ${where.join(' AND ')} GROUP BY ALL`,
    params,
  );
  return rows.map((r) => spanCountRow(r, q.groupBy.length));
}

/** A row of `step`, `g0…`, `n` and the exemplar struct `ex` (EXEMPLAR_SQL) as the contract's SpanCountRow. */
export function spanCountRow(r: Row, groups: number): SpanCountRow {
  const ex = (r.ex as DuckDBStructValue).entries;
  return {
    step: Number(r.step),
    keys: Array.from({ length: groups }, (_, i) => {
      const v = r[`g${i}`];
      return typeof v === 'bigint' ? Number(v) : (v as string | number);
    }),
    count: Number(r.n),
    exemplar: { traceId: traceIdHex(ex.t as bigint), spanId: spanIdHex(ex.s as bigint), startNano: ex.st as bigint, durationNano: Number(ex.d) },
  };
}
