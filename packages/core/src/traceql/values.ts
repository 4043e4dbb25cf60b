/**
 * Runtime values of TraceQL expressions. Types stay apart as Tempo keeps them: a duration compares with a
 * duration, a status with a status; ints and floats compare as numbers; a comparison with a missing value
 * (nil) is false except `= nil` / `!= nil`. Event and link fields are multi-valued: a comparison holds when
 * any of the values satisfies it.
 */
import type { AttrValue } from '../model.js';
import type { Static } from './ast.js';

export type Scalar =
  | { t: 'string'; v: string }
  | { t: 'number'; v: number; int: boolean }
  | { t: 'bool'; v: boolean }
  | { t: 'duration'; v: number }
  | { t: 'status'; v: number }
  | { t: 'kind'; v: number };

/** undefined is nil; an array is a multi-valued field (events, links, array attributes). */
export type Value = Scalar | Scalar[] | undefined;

export const TRUE: Scalar = { t: 'bool', v: true };
export const FALSE: Scalar = { t: 'bool', v: false };

export function fromStatic(s: Static): Value {
  switch (s.type) {
    case 'string': return { t: 'string', v: s.value };
    case 'int': return { t: 'number', v: s.value, int: true };
    case 'float': return { t: 'number', v: s.value, int: false };
    case 'bool': return s.value ? TRUE : FALSE;
    case 'duration': return { t: 'duration', v: s.value };
    case 'status': return { t: 'status', v: s.value };
    case 'kind': return { t: 'kind', v: s.value };
    case 'nil': return undefined;
  }
}

export function fromAttr(v: AttrValue | undefined): Value {
  if (v === undefined || v === null) return undefined;
  switch (typeof v) {
    case 'string': return { t: 'string', v };
    case 'boolean': return v ? TRUE : FALSE;
    case 'number': return { t: 'number', v, int: false };
    case 'bigint': return { t: 'number', v: Number(v), int: true };
  }
  if (Array.isArray(v)) {
    const out: Scalar[] = [];
    for (const x of v) {
      const s = fromAttr(x);
      if (s !== undefined && !Array.isArray(s)) out.push(s);
    }
    return out;
  }
  return undefined;
}

export function isTrue(v: Value): boolean {
  if (Array.isArray(v)) return v.some((x) => x.t === 'bool' && x.v);
  return v !== undefined && v.t === 'bool' && v.v;
}

function comparable(a: Scalar, b: Scalar): boolean {
  return a.t === b.t;
}

export function compareScalars(op: string, a: Scalar, b: Scalar): boolean {
  if (!comparable(a, b)) return false;
  const x = a.v;
  const y = b.v;
  switch (op) {
    case '=': return x === y;
    case '!=': return x !== y;
    case '>': return x > y;
    case '>=': return x >= y;
    case '<': return x < y;
    case '<=': return x <= y;
  }
  return false;
}

/** `x = nil` / `x != nil`: whether a field is absent or present. */
export function nilCheck(op: string, v: Value): boolean {
  const absent = v === undefined || (Array.isArray(v) && v.length === 0);
  return op === '=' ? absent : op === '!=' ? !absent : false;
}

/** A comparison between two values, existential over multi-valued sides; false when either is missing. */
export function compareValues(op: string, a: Value, b: Value): boolean {
  if (a === undefined || b === undefined) return false;
  const as = Array.isArray(a) ? a : [a];
  const bs = Array.isArray(b) ? b : [b];
  for (const x of as) for (const y of bs) if (compareScalars(op, x, y)) return true;
  return false;
}

export function matchRegex(a: Value, re: RegExp, negate: boolean): boolean {
  if (a === undefined) return false;
  const as = Array.isArray(a) ? a : [a];
  for (const x of as) if (x.t === 'string' && re.test(x.v) !== negate) return true;
  return false;
}

export function arithmetic(op: string, a: Value, b: Value): Value {
  if (a === undefined || b === undefined || Array.isArray(a) || Array.isArray(b)) return undefined;
  const numeric = (s: Scalar) => s.t === 'number' || s.t === 'duration';
  if (!numeric(a) || !numeric(b)) return undefined;
  const x = a.v as number;
  const y = b.v as number;
  let r: number;
  switch (op) {
    case '+': r = x + y; break;
    case '-': r = x - y; break;
    case '*': r = x * y; break;
    case '/': r = x / y; break;
    case '%': r = x % y; break;
    case '^': r = x ** y; break;
    default: return undefined;
  }
  if (!Number.isFinite(r)) return undefined;
  // A duration combined with a number stays a duration (duration * 2); two durations divided are a ratio.
  if ((a.t === 'duration') !== (b.t === 'duration') || (a.t === 'duration' && (op === '+' || op === '-' || op === '%'))) {
    return { t: 'duration', v: r };
  }
  return { t: 'number', v: r, int: a.t === 'number' && a.int && b.t === 'number' && b.int && Number.isInteger(r) };
}

/** The first value of a field, for grouping and labels. */
export function firstScalar(v: Value): Scalar | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A number to aggregate: durations in nanoseconds. */
export function numericOf(v: Value): number | undefined {
  const s = firstScalar(v);
  if (s === undefined) return undefined;
  return s.t === 'number' || s.t === 'duration' ? s.v : undefined;
}

export function scalarKey(s: Scalar): string {
  return `${s.t}:${String(s.v)}`;
}
