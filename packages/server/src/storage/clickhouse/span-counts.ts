/**
 * TraceQL counting plans (core's countingPlan: `{ exact column conditions } | rate() by(columns)` and friends) as
 * one GROUP BY over otel_traces, so that such metrics cost one scan instead of loading traces. Values are bound
 * parameters; column expressions come from a fixed map, never from the query text. A span re-sent to the
 * exporter's plain MergeTree is a second row, so counts are of distinct spans (span id, kind, start), the
 * identity reads use everywhere.
 */
import type { ExactCondition } from '@sextant/core';
import type { SpanCountQuery, SpanCountRow } from '../contract.js';
import { KIND_CODE_SQL, STATUS_CODE_SQL } from './rows.js';
import { ident, TABLES } from './schema.js';
import { Params } from './search.js';

type Rows = <T>(sql: string, params: Record<string, unknown>) => Promise<T[]>;

const COLUMN: Record<ExactCondition['column'], { sql: string; type: string }> = {
  service: { sql: 'ServiceName', type: 'String' },
  name: { sql: 'SpanName', type: 'String' },
  kind: { sql: KIND_CODE_SQL, type: 'Int16' },
  status: { sql: STATUS_CODE_SQL, type: 'Int16' },
  duration: { sql: 'Duration', type: 'Int64' },
};
// Tempo's histogram buckets: the power of two at or above the duration (1 for anything up to 1 ns).
const DURATION_BUCKET = 'if(Duration <= 1, toUInt64(1), toUInt64(pow(2, ceil(log2(Duration)))))';
const OPS = new Set(['=', '!=', '>', '>=', '<', '<=']);
const START = 'toUnixTimestamp64Nano(Timestamp)';

interface CountRow {
  step: string;
  n: string;
  /** The slowest span: trace id, span id, start (ns) and duration, from one row. */
  ex: [string, string, string, string];
  [group: `g${number}`]: string | number;
}

export async function countSpans(rows: Rows, db: string, q: SpanCountQuery): Promise<SpanCountRow[]> {
  const p = new Params();
  const where = [
    `Timestamp >= fromUnixTimestamp64Nano(${p.p(q.startNano, 'Int64')})`,
    `Timestamp < fromUnixTimestamp64Nano(${p.p(q.endNano, 'Int64')})`,
  ];
  for (const c of q.conditions) {
    if (!OPS.has(c.op) || !(c.column in COLUMN)) throw new Error(`not an exact condition: ${JSON.stringify(c)}`);
    const col = COLUMN[c.column];
    const value = typeof c.value === 'number' && c.column === 'duration' ? Math.round(c.value) : c.value;
    where.push(`${col.sql} ${c.op} ${p.p(value, col.type)}`);
  }
  const groups = q.groupBy.map((g, i) => `${g === 'durationBucket' ? DURATION_BUCKET : COLUMN[g].sql} AS g${i}`);
  const first = p.p(q.firstStepNano, 'Int64');
  const step = p.p(q.stepNano, 'Int64');
  const got = await rows<CountRow>(
    `SELECT toString(intDiv(${START} - ${first}, ${step})) AS step${groups.map((g) => `, ${g}`).join('')},
       toString(uniqExact(SpanId, SpanKind, Timestamp)) AS n,
       argMax(tuple(TraceId, SpanId, toString(${START}), toString(Duration)), Duration) AS ex
     FROM ${db}.${ident(TABLES.traces)} WHERE ${where.join(' AND ')}
     GROUP BY step${q.groupBy.map((_, i) => `, g${i}`).join('')}`,
    p.values,
  );
  return got.map((r) => ({
    step: Number(r.step),
    keys: q.groupBy.map((g, i) => {
      const v = r[`g${i}`]!;
      return g === 'service' || g === 'name' ? String(v) : Number(v);
    }),
    count: Number(r.n),
    exemplar: { traceId: r.ex[0], spanId: r.ex[1], startNano: BigInt(r.ex[2]), durationNano: Number(r.ex[3]) },
  }));
}
