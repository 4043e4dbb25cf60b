/**
 * The stored form of attribute lists: one compact JSON object per list, e.g. {"http.route":"/x","http.status_code":200}.
 *
 * Why not OTLP's own JSON (`[{"key":..,"value":{"intValue":"200"}}]`)? It is 3-4x larger before compression and
 * cannot be searched with a plain substring. This form is searched with `contains(col, needle)` (see tag-needles.ts):
 * a top-level member always starts with `{"key":` or `,"key":`, and nested containers never produce that shape for
 * their contents (kvlists are stored as arrays of pairs), so a needle matches only top-level attributes.
 *
 * Types survive the round trip: strings, booleans and integers are JSON's own; doubles are written with a decimal
 * point or exponent (2.0, never 2) so DuckDB's JSON functions see a DOUBLE. JSON.parse cannot tell 2.0 from 2 and
 * loses integers beyond 2^53, so such keys are listed in a hint member keyed "\u0000" ({"k":"d"} double, {"k":"i"}
 * big integer written as a string).
 */
import { base64ToBytes, bytesToBase64, type AttrValue, type KeyValue } from '@sextant/core';

const HINT_KEY = '\u0000';
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Number literal text for a double that JSON and DuckDB both read as a double. */
export function doubleText(n: number): string {
  const s = String(n);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function valueText(v: AttrValue, hints: Record<string, string> | null, key: string | null): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      if (v > MAX_SAFE || v < -MAX_SAFE) {
        if (hints && key !== null) hints[key] = 'i';
        return `"${v}"`;
      }
      return v.toString();
    case 'number':
      if (!Number.isFinite(v)) return `{"$d":"${String(v)}"}`;
      if (hints && key !== null && Number.isInteger(v)) hints[key] = 'd';
      return doubleText(v);
    default:
      break;
  }
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `{"$b":"${bytesToBase64(v)}"}`;
  if (Array.isArray(v)) return `[${v.map((x) => valueText(x, null, null)).join(',')}]`;
  // kvlist: array of [key, value] pairs so that nested keys never look like top-level members.
  return `{"$kv":[${v.kvlist.map((kv) => `[${JSON.stringify(kv.key)},${valueText(kv.value, null, null)}]`).join(',')}]}`;
}

// Attribute keys repeat across spans: their JSON form is worth remembering (bounded, so that a flood of unique
// keys cannot grow it without limit).
const keyJson = new Map<string, string>();
function quotedKey(key: string): string {
  let q = keyJson.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (keyJson.size < 10_000) keyJson.set(key, q);
  }
  return q;
}

/** Serialises an attribute list; returns '{}' for an empty list. */
export function attrsToJson(attrs: readonly KeyValue[]): string {
  if (attrs.length === 0) return '{}';
  const hints: Record<string, string> = {};
  let out = '{';
  for (let i = 0; i < attrs.length; i++) {
    const kv = attrs[i]!;
    if (i > 0) out += ',';
    out += quotedKey(kv.key) + ':' + valueText(kv.value, hints, kv.key);
  }
  for (const _ in hints) {
    out += `,"\\u0000":${JSON.stringify(hints)}`;
    break;
  }
  return out + '}';
}

/** A single value in the same typed form (used for log bodies). */
export function attrValueToStored(v: AttrValue): string {
  return attrsToJson([{ key: 'v', value: v }]);
}

export function attrValueFromStored(text: string): AttrValue {
  return attrsFromJson(text)[0]?.value ?? null;
}

function nestedValue(j: Json): AttrValue {
  if (j === null || typeof j === 'string' || typeof j === 'boolean') return j;
  if (typeof j === 'number') return Number.isInteger(j) ? BigInt(j) : j;
  if (Array.isArray(j)) return j.map(nestedValue);
  if (typeof j.$b === 'string') return base64ToBytes(j.$b, 'stored bytes attribute');
  if (typeof j.$d === 'string') return Number(j.$d);
  const kv = j.$kv;
  if (Array.isArray(kv)) {
    return { kvlist: kv.map((pair) => { const p = pair as [string, Json]; return { key: p[0], value: nestedValue(p[1]) }; }) };
  }
  return null;
}

/**
 * Nested integral numbers come back as ints: nested doubles like [2.0] are the one case this form does not
 * keep exactly (a hint per nested element would cost more than the case is worth).
 */
export function attrsFromJson(text: string | null): KeyValue[] {
  if (text === null || text === '{}' || text === '') return [];
  const obj = JSON.parse(text) as Record<string, Json>;
  const hints = (obj[HINT_KEY] ?? null) as Record<string, string> | null;
  const out: KeyValue[] = [];
  for (const key of Object.keys(obj)) {
    if (key === HINT_KEY) continue;
    const j = obj[key]!;
    const hint = hints?.[key];
    let value: AttrValue;
    if (hint === 'd') value = j as number;
    else if (hint === 'i') value = BigInt(j as string);
    else value = nestedValue(j);
    out.push({ key, value });
  }
  return out;
}
