/**
 * The one canonical span model. Every receiver decodes into it and every encoder reads from it; no other
 * layer knows a wire format. It is OTLP-shaped so that nothing is lost between OTLP in and OTLP out.
 *
 * Ids are lower-case hex for wire data (32 chars trace, 16 chars span) but are typed as plain strings:
 * imported Jaeger files may carry opaque ids such as `span-E`, which analysis treats the same way.
 * Times are integer nanoseconds since the Unix epoch as bigint (a double cannot hold them exactly).
 */

/**
 * An attribute value. Integers are bigint and doubles are number, so OTLP's intValue/doubleValue distinction
 * survives a round trip (2 and 2.0 are different values on the wire).
 */
export type AttrValue =
  | string
  | boolean
  | number
  | bigint
  | Uint8Array
  | AttrValue[]
  | KvList
  | null;

/** OTLP's kvlistValue: kept distinct from arrays and from plain objects. */
export interface KvList {
  kvlist: KeyValue[];
}

/** Attributes are an ordered list (not a record): it keeps OTLP order and cannot be polluted via `__proto__`. */
export interface KeyValue {
  key: string;
  value: AttrValue;
}

export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

export interface Resource {
  attributes: KeyValue[];
  droppedAttributesCount: number;
  schemaUrl: string;
}

export interface Scope {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  schemaUrl: string;
}

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

export interface Status {
  code: StatusCode;
  message: string;
}

/**
 * A span with its resource and scope attached. Spans decoded from one request share the same Resource and
 * Scope objects, so flattening costs a pointer per span, and encoders regroup by object identity.
 */
export interface Span {
  traceId: string;
  spanId: string;
  /** Empty string for a root span. */
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: Status;
  resource: Resource;
  scope: Scope;
}

/** An OTLP log record, kept so that a trace's logs can be shown beside it. */
export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AttrValue;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
  /** Empty string when the log is not correlated with a trace. */
  traceId: string;
  spanId: string;
  eventName: string;
  resource: Resource;
  scope: Scope;
}

export function emptyResource(): Resource {
  return { attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
}

export function emptyScope(): Scope {
  return { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
}

/** First value of `key` in an attribute list, or undefined. */
export function getAttr(attrs: readonly KeyValue[], key: string): AttrValue | undefined {
  for (const kv of attrs) if (kv.key === key) return kv.value;
  return undefined;
}

export const UNKNOWN_SERVICE = 'unknown_service';

/** The span's `service.name` resource attribute (OpenTelemetry's default when absent). */
export function serviceName(span: { resource: Resource }): string {
  const v = getAttr(span.resource.attributes, 'service.name');
  return typeof v === 'string' && v !== '' ? v : UNKNOWN_SERVICE;
}

export function durationNano(span: Span): bigint {
  return span.endTimeUnixNano - span.startTimeUnixNano;
}

/** Splits spans of many traces into one array per trace id, in order of first appearance. */
export function groupByTrace(spans: readonly Span[]): Span[][] {
  const byTrace = new Map<string, Span[]>();
  for (const s of spans) {
    const list = byTrace.get(s.traceId);
    if (list) list.push(s);
    else byTrace.set(s.traceId, [s]);
  }
  return [...byTrace.values()];
}
