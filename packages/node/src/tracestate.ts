// W3C Trace Context `tracestate`: combining header fields, validation, truncation.
// https://www.w3.org/TR/trace-context-2/#tracestate-header
import type { TraceState } from '@opentelemetry/api';

export type TracestateMember = readonly [key: string, value: string];

export const MAX_TRACESTATE_MEMBERS = 32;
/** Vendors should propagate at least this many characters of the combined header. */
export const TRACESTATE_PROPAGATION_LIMIT = 512;
/** When truncating, members longer than this go first. */
const LARGE_MEMBER = 128;

// Level 2 key grammar: key = ( lcalpha / DIGIT ) 0*255( keychar ), keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@".
// Level 1's tenant@system split (tenant <= 241, system <= 14, one "@") is gone: `foo@`, `foo@@bar` and a
// 242-character tenant are valid keys now; only a key starting with "@" (or anything but a-z 0-9) is not.
const KEY = /^[a-z0-9][a-z0-9_\-*/@]{0,255}$/;
// chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E (no comma, no equals sign, no trailing space).
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const OWS = /^[ \t]+|[ \t]+$/g;

export function isValidTracestateKey(key: string): boolean {
  return KEY.test(key);
}

export function isValidTracestateValue(value: string): boolean {
  return VALUE.test(value);
}

/**
 * Parses the `tracestate` header fields of one request (several fields are combined in order, as HTTP
 * does for list headers). Empty and white-space-only members are allowed and skipped. A key that appears
 * again keeps its first (left-most) member: the spec lets vendors discard duplicates they did not generate,
 * and the rest of the list is still propagated. Returns undefined when the list is invalid (a bad key or
 * value, more than 32 members): the caller must then discard all of tracestate but keep traceparent.
 */
export function parseTracestate(fields: string | readonly string[] | undefined): TracestateMember[] | undefined {
  if (fields === undefined) return [];
  const combined = typeof fields === 'string' ? fields : fields.join(',');
  const members: TracestateMember[] = [];
  const seen = new Set<string>();
  for (const raw of combined.split(',')) {
    const member = raw.replace(OWS, '');
    if (member === '') continue;
    const eq = member.indexOf('=');
    if (eq < 0) return undefined;
    const key = member.slice(0, eq);
    const value = member.slice(eq + 1);
    if (!isValidTracestateKey(key) || !isValidTracestateValue(value)) return undefined;
    if (seen.has(key)) continue;
    seen.add(key);
    members.push([key, value]);
    if (members.length > MAX_TRACESTATE_MEMBERS) return undefined;
  }
  return members;
}

function serializedLength(members: readonly TracestateMember[]): number {
  return members.reduce((n, [k, v]) => n + k.length + 1 + v.length, Math.max(0, members.length - 1));
}

/**
 * Shortens a list to the propagation limit the way the spec recommends: first drop members longer than
 * 128 characters (from the end), then drop members from the end.
 */
export function truncateTracestate(members: readonly TracestateMember[], limit = TRACESTATE_PROPAGATION_LIMIT): TracestateMember[] {
  const kept = [...members];
  for (let i = kept.length - 1; i >= 0 && serializedLength(kept) > limit; i--) {
    const [k, v] = kept[i];
    if (k.length + 1 + v.length > LARGE_MEMBER) kept.splice(i, 1);
  }
  while (kept.length > 0 && serializedLength(kept) > limit) kept.pop();
  return kept;
}

export function serializeTracestate(members: readonly TracestateMember[]): string {
  return members.map(([k, v]) => `${k}=${v}`).join(',');
}

/**
 * The OpenTelemetry TraceState of a parsed list. @opentelemetry/core's TraceState re-parses the header with
 * Level 1 key rules and would silently drop Level 2 keys such as `foo@`, so spans carry this one instead.
 */
export class W3CTraceState implements TraceState {
  constructor(private readonly members: readonly TracestateMember[]) {}

  get(key: string): string | undefined {
    return this.members.find(([k]) => k === key)?.[1];
  }

  /** A new or updated member goes first (left), as the spec requires; the list keeps to 32 members and 512 characters. */
  set(key: string, value: string): W3CTraceState {
    if (!isValidTracestateKey(key) || !isValidTracestateValue(value)) return this;
    const next: TracestateMember[] = [[key, value] as const, ...this.members.filter(([k]) => k !== key)].slice(0, MAX_TRACESTATE_MEMBERS);
    return new W3CTraceState(truncateTracestate(next));
  }

  unset(key: string): W3CTraceState {
    return new W3CTraceState(this.members.filter(([k]) => k !== key));
  }

  serialize(): string {
    return serializeTracestate(this.members);
  }
}
