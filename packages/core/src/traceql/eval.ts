/**
 * Evaluates a TraceQL spanset pipeline over the spans of one trace, as Tempo does: every stage maps the
 * trace's spansets to new ones (a filter keeps the matching spans of each, `by()` splits, `coalesce()` merges,
 * an aggregate filter keeps whole spansets), and an empty spanset is dropped. Structural operators read the
 * span tree of `buildTraceTree` (so Zipkin's shared client/server spans nest as Zipkin draws them).
 */
import { getAttr, type Span } from '../model.js';
import { buildTraceTree, type TraceTree } from '../analysis/tree.js';
import type { FieldExpr, Pipeline, Query, ScalarExpr, SpansetExpr, SpansetOp, Stage, StructuralOp } from './ast.js';
import { formatField } from './format.js';
import {
  FALSE, TRUE, arithmetic, compareValues, nilCheck, firstScalar, fromAttr, fromStatic, isTrue, matchRegex, numericOf, scalarKey,
  type Scalar, type Value,
} from './values.js';

/** One trace, prepared once for every query evaluated over it. */
export interface TraceContext {
  readonly tree: TraceTree;
  readonly spans: readonly Span[];
  /** Nested-set numbering (depth-first, left on entry, right on exit), as Tempo stores it. */
  readonly nestedLeft: Int32Array;
  readonly nestedRight: Int32Array;
  readonly childCount: Int32Array;
  readonly rootNode: number;
}

export function prepareTrace(spans: readonly Span[]): TraceContext {
  const tree = buildTraceTree(spans);
  const n = spans.length;
  const nestedLeft = new Int32Array(n);
  const nestedRight = new Int32Array(n);
  const childCount = new Int32Array(n);
  for (let i = 0; i < n; i++) childCount[i] = tree.childStart[i + 1] - tree.childStart[i];
  let counter = 0;
  // Iterative depth-first walk: a 50,000-span chain must not overflow the stack.
  const stack: number[] = [];
  const next: number[] = [];
  for (let r = tree.roots.length - 1; r >= 0; r--) stack.push(tree.roots[r]);
  const entered = new Uint8Array(n);
  while (stack.length > 0) {
    const node = stack[stack.length - 1];
    if (!entered[node]) {
      entered[node] = 1;
      nestedLeft[node] = ++counter;
      next[node] = tree.childStart[node];
    }
    if (next[node] < tree.childStart[node + 1]) {
      stack.push(tree.childNodes[next[node]++]);
    } else {
      nestedRight[node] = ++counter;
      stack.pop();
    }
  }
  return { tree, spans, nestedLeft, nestedRight, childCount, rootNode: tree.roots.length > 0 ? tree.roots[0] : -1 };
}

/** A set of spans of one trace (node indexes in ascending order), with what the pipeline attached to it. */
export interface Spanset {
  nodes: number[];
  /** by() labels, outermost first. */
  by: { key: string; value: Scalar }[];
  /** The value of the last aggregate filter, as Tempo reports it. */
  scalar?: number;
  /** Fields select() asked to return. */
  select: FieldExpr[];
}

function durationOf(span: Span): Scalar {
  return { t: 'duration', v: Number(span.endTimeUnixNano - span.startTimeUnixNano) };
}
const str = (v: string): Scalar => ({ t: 'string', v });
const int = (v: number): Scalar => ({ t: 'number', v, int: true });

function intrinsic(ctx: TraceContext, node: number, name: string): Value {
  const span = ctx.spans[node];
  switch (name) {
    case 'duration': return durationOf(span);
    case 'name': return str(span.name);
    case 'status': return { t: 'status', v: span.status.code };
    case 'statusMessage': return str(span.status.message);
    case 'kind': return { t: 'kind', v: span.kind };
    case 'childCount': return int(ctx.childCount[node]);
    case 'id': return str(span.spanId);
    case 'parentID': return span.parentSpanId === '' ? undefined : str(span.parentSpanId);
    case 'traceID': return str(span.traceId);
    case 'nestedSetLeft': return int(ctx.nestedLeft[node]);
    case 'nestedSetRight': return int(ctx.nestedRight[node]);
    case 'nestedSetParent': {
      const p = ctx.tree.parent[node];
      return int(p < 0 ? -1 : ctx.nestedLeft[p]);
    }
    case 'rootName': return ctx.rootNode < 0 ? undefined : str(ctx.spans[ctx.rootNode].name);
    case 'rootServiceName': return ctx.rootNode < 0 ? undefined : str(ctx.tree.services[ctx.rootNode]);
    case 'traceDuration': return { t: 'duration', v: Number(ctx.tree.endNano - ctx.tree.startNano) };
    case 'event:name': return span.events.map((e) => str(e.name));
    case 'event:timeSinceStart': return span.events.map((e) => ({ t: 'duration', v: Number(e.timeUnixNano - span.startTimeUnixNano) }));
    case 'link:traceID': return span.links.map((l) => str(l.traceId));
    case 'link:spanID': return span.links.map((l) => str(l.spanId));
    case 'instrumentation:name': return str(span.scope.name);
    case 'instrumentation:version': return str(span.scope.version);
  }
  return undefined;
}

function flatten(values: Value[]): Value {
  const out: Scalar[] = [];
  for (const v of values) {
    if (v === undefined) continue;
    if (Array.isArray(v)) out.push(...v);
    else out.push(v);
  }
  return out.length === 0 ? undefined : out;
}

function attribute(ctx: TraceContext, node: number, e: FieldExpr & { type: 'attribute' }): Value {
  if (e.parent) {
    node = ctx.tree.parent[node];
    if (node < 0) return undefined;
  }
  const span = ctx.spans[node];
  switch (e.scope) {
    case 'span': return fromAttr(getAttr(span.attributes, e.name));
    case 'resource': return fromAttr(getAttr(span.resource.attributes, e.name));
    case 'instrumentation': return fromAttr(getAttr(span.scope.attributes, e.name));
    case 'event': return flatten(span.events.map((ev) => fromAttr(getAttr(ev.attributes, e.name))));
    case 'link': return flatten(span.links.map((l) => fromAttr(getAttr(l.attributes, e.name))));
    case '': {
      const v = getAttr(span.attributes, e.name);
      return fromAttr(v !== undefined ? v : getAttr(span.resource.attributes, e.name));
    }
  }
}

function isNilLiteral(e: FieldExpr): boolean {
  return e.type === 'static' && e.value.type === 'nil';
}

export function evalField(ctx: TraceContext, node: number, e: FieldExpr): Value {
  switch (e.type) {
    case 'static': return fromStatic(e.value);
    case 'intrinsic': return intrinsic(ctx, node, e.name);
    case 'attribute': return attribute(ctx, node, e);
    case 'unary': {
      const v = evalField(ctx, node, e.operand);
      if (e.op === '!') {
        const s = firstScalar(v);
        return s !== undefined && s.t === 'bool' ? (s.v ? FALSE : TRUE) : undefined;
      }
      return arithmetic('-', { t: 'number', v: 0, int: true }, v);
    }
    case 'binary': {
      if (e.op === '&&') return isTrue(evalField(ctx, node, e.left)) && isTrue(evalField(ctx, node, e.right)) ? TRUE : FALSE;
      if (e.op === '||') return isTrue(evalField(ctx, node, e.left)) || isTrue(evalField(ctx, node, e.right)) ? TRUE : FALSE;
      const l = evalField(ctx, node, e.left);
      if (e.op === '=~' || e.op === '!~') return matchRegex(l, e.regex!, e.op === '!~') ? TRUE : FALSE;
      if (isNilLiteral(e.right)) return nilCheck(e.op, l) ? TRUE : FALSE;
      const r = evalField(ctx, node, e.right);
      if (isNilLiteral(e.left)) return nilCheck(e.op, r) ? TRUE : FALSE;
      switch (e.op) {
        case '=': case '!=': case '>': case '>=': case '<': case '<=':
          return compareValues(e.op, l, r) ? TRUE : FALSE;
        default:
          return arithmetic(e.op, l, r);
      }
    }
  }
}

function filterNodes(ctx: TraceContext, nodes: readonly number[], e: FieldExpr): number[] {
  if (e.type === 'static' && e.value.type === 'bool' && e.value.value) return nodes.slice();
  const out: number[] = [];
  for (const n of nodes) if (isTrue(evalField(ctx, n, e))) out.push(n);
  return out;
}

function unionNodes(sets: readonly Spanset[], n: number): number[] {
  const mask = new Uint8Array(n);
  for (const s of sets) for (const x of s.nodes) mask[x] = 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (mask[i]) out.push(i);
  return out;
}

function maskOf(nodes: readonly number[], n: number): Uint8Array {
  const m = new Uint8Array(n);
  for (const x of nodes) m[x] = 1;
  return m;
}

/**
 * For each node: whether its relation `rel` to some node of `other` holds, where `rel` is read from the node's
 * side ("my parent is in other", "one of my children is in other", ...).
 */
function related(ctx: TraceContext, rel: StructuralOp, other: Uint8Array): Uint8Array {
  const { tree } = ctx;
  const n = ctx.spans.length;
  const out = new Uint8Array(n);
  const parent = tree.parent;
  switch (rel) {
    case '>': // my parent is in other
      for (let i = 0; i < n; i++) out[i] = parent[i] >= 0 && other[parent[i]] ? 1 : 0;
      break;
    case '<': // one of my children is in other
      for (let i = 0; i < n; i++) if (other[i] && parent[i] >= 0) out[parent[i]] = 1;
      break;
    case '>>': // an ancestor of mine is in other (preorder visits parents first)
      for (const i of tree.preorder) {
        const p = parent[i];
        out[i] = p >= 0 && (other[p] || out[p]) ? 1 : 0;
      }
      break;
    case '<<': // a descendant of mine is in other (reverse preorder visits children first)
      for (let k = tree.preorder.length - 1; k >= 0; k--) {
        const i = tree.preorder[k];
        const p = parent[i];
        if (p >= 0 && (other[i] || out[i])) out[p] = 1;
      }
      break;
    case '~': { // a sibling of mine (same parent, another span) is in other
      const count = new Int32Array(n);
      for (let i = 0; i < n; i++) if (other[i] && parent[i] >= 0) count[parent[i]]++;
      for (let i = 0; i < n; i++) out[i] = parent[i] >= 0 && count[parent[i]] - other[i] > 0 ? 1 : 0;
      break;
    }
  }
  return out;
}

const INVERSE: Record<StructuralOp, StructuralOp> = { '>': '<', '<': '>', '>>': '<<', '<<': '>>', '~': '~' };

function evalSpanset(ctx: TraceContext, e: SpansetExpr, input: Spanset): Spanset[] {
  switch (e.type) {
    case 'filter': {
      const nodes = filterNodes(ctx, input.nodes, e.expr);
      return nodes.length === 0 ? [] : [{ ...input, nodes }];
    }
    case 'pipeline':
      return runStages(ctx, e.pipeline.stages, [input]);
    case 'spansetOp': {
      const n = ctx.spans.length;
      const left = evalSpanset(ctx, e.left, input);
      if (e.op.kind === 'and' && left.length === 0) return [];
      const right = evalSpanset(ctx, e.right, input);
      if (e.op.kind === 'and') return right.length === 0 ? [] : [{ ...input, nodes: unionNodes([...left, ...right], n) }];
      if (e.op.kind === 'or') {
        const nodes = unionNodes([...left, ...right], n);
        return nodes.length === 0 ? [] : [{ ...input, nodes }];
      }
      const op = e.op as SpansetOp & { kind: 'structural' };
      const lhs = maskOf(unionNodes(left, n), n);
      const rhs = unionNodes(right, n);
      // The right-hand spans are returned: `{A} > {B}` is "B spans whose parent is an A span".
      const holds = related(ctx, op.rel, lhs);
      let nodes: number[];
      if (op.mode === 'not') nodes = rhs.filter((i) => !holds[i]);
      else nodes = rhs.filter((i) => holds[i]);
      if (op.mode === 'union' && nodes.length > 0) {
        const back = related(ctx, INVERSE[op.rel], maskOf(nodes, n));
        const mask = maskOf(nodes, n);
        for (let i = 0; i < n; i++) if (lhs[i] && back[i]) mask[i] = 1;
        nodes = [];
        for (let i = 0; i < n; i++) if (mask[i]) nodes.push(i);
      }
      return nodes.length === 0 ? [] : [{ ...input, nodes }];
    }
  }
}

function aggregate(ctx: TraceContext, set: Spanset, e: ScalarExpr): Value {
  switch (e.type) {
    case 'static': return fromStatic(e.value);
    case 'arith': return arithmetic(e.op, aggregate(ctx, set, e.left), aggregate(ctx, set, e.right));
    case 'aggregate': {
      if (e.fn === 'count') return { t: 'number', v: set.nodes.length, int: true };
      let isDuration = false;
      let acc: number | undefined;
      let count = 0;
      for (const node of set.nodes) {
        const v = evalField(ctx, node, e.field!);
        const x = numericOf(v);
        if (x === undefined) continue;
        if (firstScalar(v)!.t === 'duration') isDuration = true;
        count++;
        if (acc === undefined) acc = x;
        else if (e.fn === 'min') acc = Math.min(acc, x);
        else if (e.fn === 'max') acc = Math.max(acc, x);
        else acc += x;
      }
      if (acc === undefined) return undefined;
      if (e.fn === 'avg') acc /= count;
      return isDuration ? { t: 'duration', v: acc } : { t: 'number', v: acc, int: false };
    }
  }
}

/** Aggregate results compare as numbers, so `avg(duration) > 1s` and `count() > 2` both read naturally. */
function asNumberValue(v: Value): Value {
  const s = firstScalar(v);
  if (s === undefined) return undefined;
  if (s.t === 'duration' || s.t === 'number') return { t: 'number', v: s.v, int: false };
  return s;
}

function runStage(ctx: TraceContext, stage: Stage, sets: Spanset[]): Spanset[] {
  switch (stage.type) {
    case 'spanset':
      return sets.flatMap((s) => evalSpanset(ctx, stage.expr, s));
    case 'scalarFilter': {
      const out: Spanset[] = [];
      for (const s of sets) {
        const l = aggregate(ctx, s, stage.left);
        const r = aggregate(ctx, s, stage.right);
        if (compareValues(stage.op, asNumberValue(l), asNumberValue(r))) {
          const agg = stage.left.type === 'aggregate' ? l : r;
          out.push({ ...s, scalar: numericOf(agg) });
        }
      }
      return out;
    }
    case 'by': {
      const key = formatField(stage.expr);
      const out: Spanset[] = [];
      for (const s of sets) {
        const groups = new Map<string, Spanset>();
        for (const node of s.nodes) {
          const v = firstScalar(evalField(ctx, node, stage.expr));
          if (v === undefined) continue;
          const k = scalarKey(v);
          let g = groups.get(k);
          if (g === undefined) {
            g = { ...s, nodes: [], by: [...s.by, { key, value: v }] };
            groups.set(k, g);
            out.push(g);
          }
          g.nodes.push(node);
        }
      }
      return out;
    }
    case 'coalesce': {
      if (sets.length <= 1) return sets.map((s) => ({ ...s, by: [] }));
      return [{ nodes: unionNodes(sets, ctx.spans.length), by: [], select: sets.flatMap((s) => s.select) }];
    }
    case 'select':
      return sets.map((s) => ({ ...s, select: [...s.select, ...stage.fields] }));
  }
}

function runStages(ctx: TraceContext, stages: readonly Stage[], sets: Spanset[]): Spanset[] {
  for (const stage of stages) {
    if (sets.length === 0) return sets;
    sets = runStage(ctx, stage, sets);
  }
  return sets;
}

/** The spansets a query's spanset pipeline yields for one trace (none when the trace does not match). */
export function evaluatePipeline(ctx: TraceContext, pipeline: Pipeline): Spanset[] {
  const all: Spanset = { nodes: ctx.spans.map((_, i) => i), by: [], select: [] };
  return runStages(ctx, pipeline.stages, [all]);
}

export function evaluateTrace(query: Query, spans: readonly Span[]): { ctx: TraceContext; spansets: Spanset[] } {
  const ctx = prepareTrace(spans);
  return { ctx, spansets: evaluatePipeline(ctx, query.pipeline) };
}

/** The span fields a query's conditions read, which Tempo returns with each matched span. */
export function referencedFields(query: Query): FieldExpr[] {
  const out = new Map<string, FieldExpr>();
  const visitField = (e: FieldExpr) => {
    if (e.type === 'attribute' && !e.parent) out.set(formatField(e), e);
    else if (e.type === 'binary') {
      visitField(e.left);
      visitField(e.right);
    } else if (e.type === 'unary') visitField(e.operand);
  };
  const visitSpanset = (e: SpansetExpr) => {
    if (e.type === 'filter') visitField(e.expr);
    else if (e.type === 'spansetOp') {
      visitSpanset(e.left);
      visitSpanset(e.right);
    } else visitStages(e.pipeline.stages);
  };
  const visitStages = (stages: readonly Stage[]) => {
    for (const s of stages) {
      if (s.type === 'spanset') visitSpanset(s.expr);
      else if (s.type === 'by') visitField(s.expr);
      else if (s.type === 'select') for (const f of s.fields) out.set(formatField(f), f);
    }
  };
  visitStages(query.pipeline.stages);
  return [...out.values()];
}
