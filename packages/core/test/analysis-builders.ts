// Test-only span builders for the analysis tests: small literal traces that say exactly what they contain.
import { SpanKind, StatusCode, emptyScope, type KeyValue, type Resource, type Span, type SpanEvent } from '@sextant/core';

const resources = new Map<string, Resource>();

/** One shared Resource object per service (and address), as a decoder would produce. */
export function resourceFor(service: string, extra: Record<string, string> = {}): Resource {
  const key = JSON.stringify([service, extra]);
  let r = resources.get(key);
  if (!r) {
    r = { attributes: service === '' ? [] : [{ key: 'service.name', value: service }], droppedAttributesCount: 0, schemaUrl: '' };
    for (const [k, v] of Object.entries(extra)) r.attributes.push({ key: k, value: v });
    resources.set(key, r);
  }
  return r;
}

export interface SpanSpec {
  id: string;
  parent?: string;
  service?: string;
  name?: string;
  kind?: SpanKind;
  /** Times in whatever unit the test reads best; converted with `unit` (default 1 = ns). */
  start: number;
  end: number;
  unit?: number;
  attrs?: Record<string, string | number | boolean | bigint>;
  error?: boolean;
  events?: { name: string; time: number; attrs?: Record<string, string> }[];
  links?: string[];
  traceId?: string;
}

function toAttrs(rec: Record<string, string | number | boolean | bigint> | undefined): KeyValue[] {
  return Object.entries(rec ?? {}).map(([key, value]) => ({
    key,
    value: typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value,
  }));
}

export function span(s: SpanSpec): Span {
  const unit = BigInt(s.unit ?? 1);
  const traceId = s.traceId ?? 't1';
  const events: SpanEvent[] = (s.events ?? []).map((e) => ({
    name: e.name,
    timeUnixNano: BigInt(e.time) * unit,
    attributes: toAttrs(e.attrs),
    droppedAttributesCount: 0,
  }));
  return {
    traceId,
    spanId: s.id,
    parentSpanId: s.parent ?? '',
    traceState: '',
    flags: 0,
    name: s.name ?? s.id,
    kind: s.kind ?? SpanKind.INTERNAL,
    startTimeUnixNano: BigInt(s.start) * unit,
    endTimeUnixNano: BigInt(s.end) * unit,
    attributes: toAttrs(s.attrs),
    droppedAttributesCount: 0,
    events,
    droppedEventsCount: 0,
    links: (s.links ?? []).map((spanId) => ({ traceId, spanId, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 })),
    droppedLinksCount: 0,
    status: { code: s.error ? StatusCode.ERROR : StatusCode.UNSET, message: '' },
    resource: resourceFor(s.service ?? 'svc'),
    scope: emptyScope(),
  };
}

export function ids(spans: readonly { spanId: string }[]): string[] {
  return spans.map((s) => s.spanId);
}
