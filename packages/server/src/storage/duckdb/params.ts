/**
 * Bound SQL parameters. The node-api infers a bigint's SQL type as a signed HUGEINT, which cannot hold half of
 * all trace ids, so id parameters carry their type explicitly.
 */
import { BIGINT, LIST, UBIGINT, UHUGEINT, listValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';

export class Typed {
  constructor(readonly value: DuckDBValue, readonly type: DuckDBType) {}
}

export type Param = DuckDBValue | Typed;

export const traceIdParam = (v: bigint): Typed => new Typed(v, UHUGEINT);
/** A time or duration in ns against a BIGINT column: as an inferred HUGEINT it would cast the column, which
 * defeats the row groups' min/max pruning (measured: a one-minute count over 1M spans 350 ms instead of 3 ms). */
export const bigintParam = (v: bigint): Typed => new Typed(v, BIGINT);
export const traceIdListParam = (vs: readonly bigint[]): Typed => new Typed(listValue(vs), LIST(UHUGEINT));
export const ubigintListParam = (vs: readonly bigint[]): Typed => new Typed(listValue(vs), LIST(UBIGINT));

export function splitParams(params: readonly Param[]): { values: DuckDBValue[]; types: DuckDBType[] } {
  const values: DuckDBValue[] = [];
  const types: (DuckDBType | undefined)[] = [];
  for (const p of params) {
    if (p instanceof Typed) {
      values.push(p.value);
      types.push(p.type);
    } else {
      values.push(p);
      types.push(undefined);
    }
  }
  // Untyped entries are left to the node-api's own inference.
  return { values, types: types as DuckDBType[] };
}
