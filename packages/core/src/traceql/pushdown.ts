/**
 * What of a TraceQL query a storage engine can check cheaply before the full evaluation: one conjunction of
 * conditions that some single span of every matching trace must satisfy. It is a necessary condition only
 * (a superset of the answer), so the engine may read it loosely; the in-memory evaluator then decides.
 *
 * `{ A } && { B }` and the structural operators need a span of each side, so either side's conditions serve;
 * the one with more conditions is taken. `||` needs one of two, which one conjunction cannot express, so only
 * conditions common to both sides are kept. Negations (`!=`, `!~`, `!`, `!>`'s left side) push nothing.
 */
import type { FieldExpr, Pipeline, Query, SpansetExpr, Static } from './ast.js';

export type PushableField =
  | { kind: 'intrinsic'; name: 'name' | 'status' | 'kind' | 'duration' | 'statusMessage' }
  | { kind: 'attribute'; scope: 'span' | 'resource' | ''; name: string };

export interface PushedCondition {
  field: PushableField;
  op: '=' | '>' | '>=' | '<' | '<=';
  value: Static;
}

function pushableField(e: FieldExpr): PushableField | null {
  if (e.type === 'intrinsic' && (e.name === 'name' || e.name === 'status' || e.name === 'kind' || e.name === 'duration' || e.name === 'statusMessage')) {
    return { kind: 'intrinsic', name: e.name };
  }
  if (e.type === 'attribute' && !e.parent && (e.scope === 'span' || e.scope === 'resource' || e.scope === '')) {
    return { kind: 'attribute', scope: e.scope, name: e.name };
  }
  return null;
}

const FLIP: Record<string, PushedCondition['op']> = { '=': '=', '>': '<', '>=': '<=', '<': '>', '<=': '>=' };

/** Conditions that every span matching the filter expression satisfies. */
function fromField(e: FieldExpr): PushedCondition[] {
  if (e.type !== 'binary') return [];
  if (e.op === '&&') return [...fromField(e.left), ...fromField(e.right)];
  if (e.op === '||') return common(fromField(e.left), fromField(e.right));
  if (!(e.op in FLIP)) return [];
  let field = pushableField(e.left);
  let value = e.right;
  let op = e.op as PushedCondition['op'];
  if (field === null) {
    field = pushableField(e.right);
    value = e.left;
    op = FLIP[e.op];
  }
  if (field === null || value.type !== 'static' || value.value.type === 'nil') return [];
  return [{ field, op, value: value.value }];
}

function key(c: PushedCondition): string {
  return JSON.stringify(c);
}

function common(a: PushedCondition[], b: PushedCondition[]): PushedCondition[] {
  const keys = new Set(b.map(key));
  return a.filter((c) => keys.has(key(c)));
}

function fromSpanset(e: SpansetExpr): PushedCondition[] {
  switch (e.type) {
    case 'filter': return fromField(e.expr);
    case 'pipeline': return fromPipeline(e.pipeline);
    case 'spansetOp': {
      const l = fromSpanset(e.left);
      const r = fromSpanset(e.right);
      if (e.op.kind === 'or') return common(l, r);
      // `{A} !> {B}` returns B spans that lack an A parent: only B is required to exist.
      if (e.op.kind === 'structural' && e.op.mode === 'not') return r;
      return l.length >= r.length ? l : r;
    }
  }
}

function fromPipeline(p: Pipeline): PushedCondition[] {
  // Later stages only narrow the first stage's spans, so the first stage's conditions hold for the answer.
  const first = p.stages[0];
  return first.type === 'spanset' ? fromSpanset(first.expr) : [];
}

export function pushdownConditions(query: Query): PushedCondition[] {
  return fromPipeline(query.pipeline);
}

/** A span column a storage engine can filter and group on exactly (no attribute parsing). */
export type SpanColumn = 'service' | 'name' | 'kind' | 'status' | 'duration';

export interface ExactCondition {
  column: SpanColumn;
  op: '=' | '!=' | '>' | '>=' | '<' | '<=';
  /** A string for service and name, a number otherwise (kind and status codes, nanoseconds). */
  value: string | number;
}

/**
 * A metrics query a storage engine can answer entirely by counting spans in SQL: one spanset filter that is a
 * conjunction of exact column conditions, a counting function, and grouping by columns only. Anything else
 * (attributes, structure, aggregates, quantiles) returns null and runs in memory over candidate traces.
 */
export interface CountingPlan {
  conditions: ExactCondition[];
  /** Grouping columns, in by() order; `durationBucket` is histogram_over_time's power-of-two bucket. */
  groupBy: (SpanColumn | 'durationBucket')[];
  fn: 'rate' | 'count_over_time' | 'histogram_over_time';
}

function exactColumn(e: FieldExpr): SpanColumn | null {
  if (e.type === 'intrinsic') {
    if (e.name === 'name' || e.name === 'kind' || e.name === 'status' || e.name === 'duration') return e.name;
    return null;
  }
  // Only the resource scope is exact: unscoped `.service.name` would read a span attribute first.
  if (e.type === 'attribute' && !e.parent && e.scope === 'resource' && e.name === 'service.name') return 'service';
  return null;
}

function exactConditions(e: FieldExpr, out: ExactCondition[]): boolean {
  if (e.type === 'static') return e.value.type === 'bool' && e.value.value;
  if (e.type !== 'binary') return false;
  if (e.op === '&&') return exactConditions(e.left, out) && exactConditions(e.right, out);
  if (!['=', '!=', '>', '>=', '<', '<='].includes(e.op)) return false;
  const column = exactColumn(e.left);
  if (column === null || e.right.type !== 'static') return false;
  const v = e.right.value;
  const ok =
    ((column === 'service' || column === 'name') && v.type === 'string') ||
    (column === 'kind' && v.type === 'kind') ||
    (column === 'status' && v.type === 'status') ||
    (column === 'duration' && v.type === 'duration');
  // Engines store a missing service.name as OpenTelemetry's default, which TraceQL would see as absent.
  if (!ok || (column === 'service' && v.value === 'unknown_service')) return false;
  out.push({ column, op: e.op as ExactCondition['op'], value: v.value as string | number });
  return true;
}

export function countingPlan(query: Query): CountingPlan | null {
  const m = query.metrics;
  if (m === undefined || query.second !== undefined) return null;
  if (m.fn !== 'rate' && m.fn !== 'count_over_time' && m.fn !== 'histogram_over_time') return null;
  if (m.fn === 'histogram_over_time' && !(m.field?.type === 'intrinsic' && m.field.name === 'duration')) return null;
  const stages = query.pipeline.stages;
  if (stages.length !== 1 || stages[0].type !== 'spanset' || stages[0].expr.type !== 'filter') return null;
  const conditions: ExactCondition[] = [];
  if (!exactConditions(stages[0].expr.expr, conditions)) return null;
  const groupBy: CountingPlan['groupBy'] = [];
  for (const b of m.by) {
    const c = exactColumn(b);
    if (c === null || c === 'duration') return null;
    groupBy.push(c);
  }
  if (m.fn === 'histogram_over_time') groupBy.push('durationBucket');
  return { conditions, groupBy, fn: m.fn };
}
