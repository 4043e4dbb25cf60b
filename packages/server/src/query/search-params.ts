/**
 * Search parameters as URL query strings: the native search (ARCHITECTURE.md, "Search semantics"), which the cohort endpoints also take as
 * strings, and the pieces the Jaeger-compatible forms share. Bad values raise QueryError (HTTP 400).
 */
import { parseDurationText, parseSpanKind, parseTimeText } from '@sextant/core';
import { QueryError, TRACE_SORTS, type TagFilter, type TraceQuery, type TraceSort } from '../storage/contract.js';
import { parseTraceIdParam } from '../storage/stored/ids.js';

export type Query = Record<string, string | string[] | undefined>;

export function one(q: Query, name: string): string | undefined {
  const v = q[name];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  return s === undefined || s === '' ? undefined : s;
}

export function all(q: Query, name: string): string[] {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Go-style duration ("1.5s", "100ms", "1h30m") or a bare integer of nanoseconds. */
export function parseDurationNano(text: string, name: string): bigint {
  const d = parseDurationText(text);
  if (d === null) throw new QueryError(`${name}: '${text}' is not a duration (examples: 250ms, 1.5s, 2m, or nanoseconds)`);
  return d;
}

/** A trace id from a URL: 32 hex digits, or 16 (a 64-bit id); the error says what is wrong with anything else. */
export function traceIdParam(text: string): string {
  const id = parseTraceIdParam(text);
  if (id !== null) return id;
  if (!/^[0-9a-fA-F]+$/.test(text)) throw new QueryError(`trace id '${text}' is not hexadecimal: expected 32 (or 16) hex digits`);
  const what = text.length < 32 ? 'too short' : 'too long';
  throw new QueryError(`trace id '${text}' is ${what} (${text.length} hex digits): expected 32, or 16 for a 64-bit id`);
}

/** Go's strconv.ParseBool, which Jaeger's `raw` parameters use. */
export function parseBoolParam(text: string | undefined, name: string): boolean {
  if (text === undefined) return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  throw new QueryError(`${name}: '${text}' is not true or false`);
}

/** Rejects a window whose start is after its end (an empty answer would look like "no data"). */
export function checkWindow(start: bigint | undefined, end: bigint | undefined, startName: string, endName: string): void {
  if (start !== undefined && end !== undefined && start > end) throw new QueryError(`${startName} must not be after ${endName}`);
}

/** A point in time: integer nanoseconds since the epoch, or an RFC 3339 timestamp (see parseTimeText). */
export function parseTimeNano(text: string, name: string): bigint {
  const t = parseTimeText(text);
  if (t === null) throw new QueryError(`${name}: '${text}' is neither nanoseconds since the epoch nor an RFC 3339 time`);
  return t;
}

/** A count a client asks for; past `max` it is refused (a silent cut would look like all there is). */
export function parseLimit(text: string | undefined, def: number, max: number, name = 'limit'): number {
  if (text === undefined) return def;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new QueryError(`${name}: '${text}' is not a positive whole number`);
  if (n > max) throw new QueryError(`${name}: ${n} is more than this endpoint answers (at most ${max})`);
  return n;
}

function parseKind(text: string): TraceQuery['spanKind'] {
  const k = parseSpanKind(text);
  if (k === null) throw new QueryError(`spanKind: '${text}' is not one of server, client, producer, consumer, internal, unspecified`);
  return k;
}

/** Repeated `tag=key:value` parameters (Jaeger's form, accepted by both APIs). */
export function parseTagParams(q: Query): TagFilter[] {
  return all(q, 'tag').map((t) => {
    const i = t.indexOf(':');
    if (i <= 0) throw new QueryError(`tag: '${t}' must look like key:value`);
    return { key: t.slice(0, i), value: t.slice(i + 1) };
  });
}

/** `attr.KEY=VALUE` parameters (any number, a key may repeat). */
export function parseAttrParams(q: Query): TagFilter[] {
  const tags: TagFilter[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (!k.startsWith('attr.')) continue;
    if (k.length === 5) throw new QueryError(`'attr.' needs an attribute key after the dot, as in attr.http.route=/cart`);
    for (const value of Array.isArray(v) ? v : [v ?? '']) tags.push({ key: k.slice(5), value });
  }
  return tags;
}

/** The native search parameters (README.md, Query API): service, operation, spanKind, attr.KEY=VALUE, durations, status, window. */
export function parseNativeSearch(q: Query): TraceQuery {
  const tags = [...parseAttrParams(q), ...parseTagParams(q)];
  const status = one(q, 'status');
  if (status !== undefined && status !== 'error' && status !== 'any') throw new QueryError(`status: '${status}' must be 'error' or 'any'`);
  const opt = <T>(name: string, f: (s: string, n: string) => T): T | undefined => {
    const v = one(q, name);
    return v === undefined ? undefined : f(v, name);
  };
  const startNano = opt('start', parseTimeNano);
  const endNano = opt('end', parseTimeNano);
  checkWindow(startNano, endNano, 'start', 'end');
  return {
    service: one(q, 'service'),
    parentService: one(q, 'parentService'),
    operation: one(q, 'operation'),
    spanKind: opt('spanKind', parseKind),
    tags,
    minDurationNano: opt('minDuration', parseDurationNano),
    maxDurationNano: opt('maxDuration', parseDurationNano),
    traceMinDurationNano: opt('traceMinDuration', parseDurationNano),
    traceMaxDurationNano: opt('traceMaxDuration', parseDurationNano),
    errorsOnly: status === 'error',
    startNano,
    endNano,
    traceIdPrefix: opt('traceIdPrefix', parseTraceIdPrefix),
    sort: opt('sort', parseSort),
    limit: parseLimit(one(q, 'limit'), 20, 1000),
    cursor: one(q, 'cursor'),
  };
}

function parseTraceIdPrefix(text: string): string {
  const t = text.trim().toLowerCase();
  if (!/^[0-9a-f]{1,32}$/.test(t)) throw new QueryError(`traceIdPrefix: '${text}' is not 1 to 32 hexadecimal characters`);
  return t;
}

function parseSort(text: string): TraceSort {
  if (!(TRACE_SORTS as readonly string[]).includes(text)) throw new QueryError(`sort: '${text}' is not one of ${TRACE_SORTS.join(', ')}`);
  return text as TraceSort;
}

const HOUR_NS = 3_600_000_000_000n;

/** The `start`/`end` window of an aggregate query: the last hour by default. */
export function parseWindow(q: Query): { start: bigint; end: bigint } {
  const end = one(q, 'end') !== undefined ? parseTimeNano(one(q, 'end')!, 'end') : BigInt(Date.now()) * 1_000_000n;
  const start = one(q, 'start') !== undefined ? parseTimeNano(one(q, 'start')!, 'start') : end - HOUR_NS;
  if (start > end) throw new QueryError('start must not be after end');
  return { start, end };
}
