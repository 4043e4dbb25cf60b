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
