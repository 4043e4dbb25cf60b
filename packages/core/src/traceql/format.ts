/** TraceQL text of AST pieces: series labels, `by()` keys and the query a search form stands for. */
import type { FieldExpr, Static } from './ast.js';

const STATUS_NAMES = ['unset', 'ok', 'error'];
const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

export function formatDurationNano(ns: number): string {
  if (ns !== 0 && Number.isInteger(ns)) {
    for (const [unit, scale] of [['h', 3600e9], ['m', 60e9], ['s', 1e9], ['ms', 1e6], ['us', 1e3]] as const) {
      if (ns % scale === 0) return `${ns / scale}${unit}`;
    }
  }
  return `${ns}ns`;
}

export function formatStatic(s: Static): string {
  switch (s.type) {
    case 'string': return JSON.stringify(s.value);
    case 'int': return String(s.value);
    case 'float': return Number.isInteger(s.value) ? s.value.toFixed(1) : String(s.value);
    case 'bool': return String(s.value);
    case 'duration': return formatDurationNano(s.value);
    case 'status': return STATUS_NAMES[s.value] ?? String(s.value);
    case 'kind': return KIND_NAMES[s.value] ?? String(s.value);
    case 'nil': return 'nil';
  }
}

export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? String(code);
}
export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? String(kind);
}

const NEEDS_QUOTES = /[\s{}()=~!<>&|^,"]/;

export function formatField(e: FieldExpr): string {
  switch (e.type) {
    case 'static': return formatStatic(e.value);
    case 'intrinsic': return e.name.includes(':') ? e.name : INTRINSIC_TEXT[e.name] ?? e.name;
    case 'attribute': {
      const name = NEEDS_QUOTES.test(e.name) || e.name === '' ? JSON.stringify(e.name) : e.name;
      return `${e.parent ? 'parent.' : ''}${e.scope}.${name}`;
    }
    case 'unary': return `${e.op}${wrap(e.operand)}`;
    case 'binary': return `${wrap(e.left)} ${e.op} ${wrap(e.right)}`;
  }
}

function wrap(e: FieldExpr): string {
  return e.type === 'binary' ? `(${formatField(e)})` : formatField(e);
}

const INTRINSIC_TEXT: Record<string, string> = {
  id: 'span:id', parentID: 'span:parentID', traceID: 'trace:id',
  rootName: 'trace:rootName', rootServiceName: 'trace:rootService', traceDuration: 'trace:duration',
};
