/**
 * TraceQL counting plans (core's countingPlan: `{ exact column conditions } | rate() by(columns)` and friends)
 * as one GROUP BY over the spans table, so such metrics cost one scan instead of loading traces. Values are
 * parameters; column names come from a fixed map, never from the query text.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { ExactCondition } from '@sextant/core';
import { spanIdHex, traceIdHex } from './ids.js';
import type { Param } from './params.js';
import type { SpanCountQuery, SpanCountRow } from './store.js';

type Query = (sql: string, params?: readonly Param[]) => Promise<DuckDBValue[][]>;

const COLUMN: Record<ExactCondition['column'], string> = { service: 'service', name: 'name', kind: 'kind', status: 'status_code', duration: 'duration_ns' };
// Tempo's histogram buckets: the power of two at or above the duration (1 for anything up to 1 ns).
const DURATION_BUCKET = 'CASE WHEN duration_ns <= 1 THEN 1 ELSE CAST(2 ^ ceil(log2(CAST(duration_ns AS DOUBLE))) AS BIGINT) END';
const OPS = new Set(['=', '!=', '>', '>=', '<', '<=']);

export async function countSpans(query: Query, q: SpanCountQuery): Promise<SpanCountRow[]> {
  const params: Param[] = [q.firstStepNano, q.stepNano, q.startNano, q.endNano];
  const where = ['start_ns >= ?', 'start_ns < ?'];
  for (const c of q.conditions) {
    if (!OPS.has(c.op) || !(c.column in COLUMN)) throw new Error(`not an exact condition: ${JSON.stringify(c)}`);
    where.push(`${COLUMN[c.column]} ${c.op} ?`);
    params.push(typeof c.value === 'number' && c.column === 'duration' ? BigInt(Math.round(c.value)) : c.value);
  }
  const groups = q.groupBy.map((g) => (g === 'durationBucket' ? DURATION_BUCKET : COLUMN[g]));
  const rows = await query(
    `SELECT (start_ns - ?) // ? AS step${groups.map((g) => `, ${g}`).join('')}, count(*),
       arg_max(trace_id, duration_ns), arg_max(span_id, duration_ns), arg_max(start_ns, duration_ns), max(duration_ns)
     FROM spans WHERE ${where.join(' AND ')} GROUP BY ALL`,
    params,
  );
  const k = groups.length;
  return rows.map((r) => ({
    step: Number(r[0]),
    keys: r.slice(1, 1 + k).map((v) => (typeof v === 'bigint' ? Number(v) : (v as string | number))),
    count: Number(r[1 + k]),
    exemplar: {
      traceId: traceIdHex(r[2 + k] as bigint),
      spanId: spanIdHex(r[3 + k] as bigint),
      startNano: r[4 + k] as bigint,
      durationNano: Number(r[5 + k]),
    },
  }));
}
