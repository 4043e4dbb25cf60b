/**
 * Bound SQL parameters. The node-api infers a bigint's SQL type as a signed HUGEINT, which cannot hold half of
 * all trace ids, so id parameters carry their type explicitly.
 */
import { LIST, UBIGINT, UHUGEINT, listValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';

export class Typed {
  constructor(readonly value: DuckDBValue, readonly type: DuckDBType) {}
}

export type Param = DuckDBValue | Typed;

export const traceIdParam = (v: bigint): Typed => new Typed(v, UHUGEINT);
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
