/**
 * TraceQL counting plans (core's countingPlan: `{ exact column conditions } | rate() by(columns)` and friends)
 * as one GROUP BY over the spans table, so such metrics cost one scan instead of loading traces. Values are
 * parameters; column names come from a fixed map, never from the query text.
 */
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

export async function countSpans(read: Read, q: SpanCountQuery): Promise<SpanCountRow[]> {
  const params: Param[] = [q.firstStepNano, q.stepNano, q.startNano, q.endNano];
  const where = ['start_ns >= ?', 'start_ns < ?'];
  for (const c of q.conditions) {
    if (!OPS.has(c.op) || !(c.column in COLUMN)) throw new Error(`not an exact condition: ${JSON.stringify(c)}`);
    where.push(`${COLUMN[c.column]} ${c.op} ?`);
    params.push(typeof c.value === 'number' && c.column === 'duration' ? BigInt(Math.round(c.value)) : c.value);
  }
  const groups = q.groupBy.map((g, i) => `${g === 'durationBucket' ? DURATION_BUCKET : COLUMN[g]} AS g${i}`);
  const rows = await read(
    `SELECT (start_ns - ?) // ? AS step${groups.map((g) => `, ${g}`).join('')}, count(*) AS n,
       arg_max(trace_id, duration_ns) AS ex_trace, arg_max(span_id, duration_ns) AS ex_span,
       arg_max(start_ns, duration_ns) AS ex_start, max(duration_ns) AS ex_duration
     FROM spans WHERE ${where.join(' AND ')} GROUP BY ALL`,
    params,
  );
  return rows.map((r) => ({
    step: Number(r.step),
    keys: q.groupBy.map((_, i) => {
      const v = r[`g${i}`];
      return typeof v === 'bigint' ? Number(v) : (v as string | number);
    }),
    count: Number(r.n),
    exemplar: {
      traceId: traceIdHex(r.ex_trace as bigint),
      spanId: spanIdHex(r.ex_span as bigint),
      startNano: r.ex_start as bigint,
      durationNano: Number(r.ex_duration),
    },
  }));
}
