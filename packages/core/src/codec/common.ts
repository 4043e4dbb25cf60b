// Small pieces shared by the codecs.
import { emptyScope, type Resource, type Scope, type Span } from '../model.js';

export type Json = Record<string, unknown>;

/** A JSON object (not an array, not null). */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A span with every field at its OTLP default, for decoders to fill in. */
export function blankSpan(resource: Resource, scope: Scope): Span {
  return {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    traceState: '',
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    resource,
    scope,
  };
}

/** Formats without a scope field carry it in tags; spans naming the same (name, version) share one Scope. */
export class ScopeInterner {
  private readonly scopes = new Map<string, Scope>();

  scope(name: string, version: string): Scope {
    const key = `${name}\n${version}`;
    let s = this.scopes.get(key);
    if (!s) this.scopes.set(key, (s = { ...emptyScope(), name, version }));
    return s;
  }
}
