/**
 * Spans and log records ⇄ rows of the exporter's tables, in the exact form its INSERT writes them: ids as
 * lower-case hex ('' when absent), kind and status as pdata's enum names (`Server`, `Error`), every attribute
 * value as text in a Map(String, String). The exporter's schema keeps no attribute types, so values read back as
 * strings; flags, dropped counts, schema URLs and scope attributes of spans are not stored either.
 */
import {
  bytesToBase64,
  emptyScope,
  serviceName,
  SpanKind,
  StatusCode,
  ZIPKIN_ATTR,
  type AttrValue,
  type KeyValue,
  type LogRecord,
  type Span,
} from '@sextant/core';
import { typesOf, type ValueType } from './attribute-types.js';

/** pdata's SpanKind.String(), which the exporter writes. */
const KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'] as const;
const STATUS_NAMES = ['Unset', 'Ok', 'Error'] as const;

/** Reads both spellings: `Server` (current exporter) and `SPAN_KIND_SERVER` (exporters before v0.120). */
export function kindFromText(s: string): SpanKind {
  const i = KIND_NAMES.findIndex((n) => n.toLowerCase() === s.toLowerCase().replace(/^span_kind_/, ''));
  return (i < 0 ? SpanKind.UNSPECIFIED : i) as SpanKind;
}

export function statusFromText(s: string): StatusCode {
  const i = STATUS_NAMES.findIndex((n) => n.toLowerCase() === s.toLowerCase().replace(/^status_code_/, ''));
  return (i < 0 ? StatusCode.UNSET : i) as StatusCode;
}

/**
 * The kind and status codes as SQL numbers (SpanKind and StatusCode of the model), from either spelling; unknown
 * text reads as 0, as kindFromText and statusFromText read it.
 */
const codeSql = (column: string, names: readonly string[], prefix: string) =>
  `greatest(toInt16(indexOf([${names.map((n) => `'${n.toLowerCase()}'`).join(', ')}], replaceOne(lower(${column}), '${prefix}', ''))) - 1, 0)`;
export const KIND_CODE_SQL = codeSql('SpanKind', KIND_NAMES, 'span_kind_');
export const STATUS_CODE_SQL = codeSql('StatusCode', STATUS_NAMES, 'status_code_');

/** Every spelling of a kind, for filters that must match rows from any exporter version. */
export function kindSpellings(kind: SpanKind): string[] {
  const name = KIND_NAMES[kind];
  return [name, `SPAN_KIND_${name.toUpperCase()}`];
}

export function statusSpellings(code: StatusCode): string[] {
  const name = STATUS_NAMES[code];
  return [name, `STATUS_CODE_${name.toUpperCase()}`];
}

/** pcommon.Value.AsString(), the exporter's map value: JSON for arrays and maps, base64 for bytes. */
export function attrText(v: AttrValue): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
    case 'bigint':
    case 'number':
      return String(v);
    default:
      break;
  }
  if (v === null) return '';
  return JSON.stringify(attrJson(v));
}

function attrJson(v: AttrValue): unknown {
  if (v instanceof Uint8Array) return bytesToBase64(v);
  if (Array.isArray(v)) return v.map(attrJson);
  if (v !== null && typeof v === 'object') return Object.fromEntries(v.kvlist.map((kv) => [kv.key, attrJson(kv.value)]));
  if (typeof v === 'bigint') return Number(v);
  return v;
}

export function attrMap(attrs: readonly KeyValue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of attrs) out[kv.key] = attrText(kv.value);
  return out;
}

/**
 * Attributes Sextant's own decoders set with a type that analysis reads (a Zipkin shared span, for one): their
 * text is read back as that type where sextant_attribute_types has no record of the key (rows written before it).
 */
const TYPED: Record<string, (text: string) => AttrValue> = {
  [ZIPKIN_ATTR.shared]: (t) => t === 'true',
  [ZIPKIN_ATTR.debug]: (t) => t === 'true',
  [ZIPKIN_ATTR.durationMissing]: (t) => t === 'true',
};

/** Reads a stored value back: as its key's recorded type (attribute-types.ts), else as the text it is. */
export type ValueReader = (key: string, text: string) => AttrValue | undefined;

export function attrsFromMap(map: Record<string, string> | null | undefined, typed?: ValueReader): KeyValue[] {
  return map ? Object.entries(map).map(([key, value]) => ({ key, value: typed?.(key, value) ?? TYPED[key]?.(value) ?? value })) : [];
}

/**
 * The write form: JSONCompactEachRow, one JSON array per row in the order of the INSERT's column list (about a
 * third smaller than JSONEachRow, which repeats every column name in every row). Times go as bare integers of
 * nanoseconds, which ClickHouse reads into DateTime64(9) exactly; text forms of a time are parsed by heuristics
 * that misread early dates (1970-01-01 00:00:01 as "1.000000000").
 */
export const TRACE_INSERT_COLUMNS = [
  // The integers first, written as they are; the rest is one JSON.stringify (traceRow).
  'Timestamp', 'Duration', 'Events.Timestamp',
  'TraceId', 'SpanId', 'ParentSpanId', 'TraceState', 'SpanName', 'SpanKind', 'ServiceName', 'ResourceAttributes', 'ScopeName',
  'ScopeVersion', 'SpanAttributes', 'StatusCode', 'StatusMessage', 'Events.Name', 'Events.Attributes', 'Links.TraceId', 'Links.SpanId',
  'Links.TraceState', 'Links.Attributes',
] as const;

export const LOG_INSERT_COLUMNS = [
  'Timestamp', 'TraceId', 'SpanId', 'TraceFlags', 'SeverityText', 'SeverityNumber', 'ServiceName', 'Body', 'ResourceSchemaUrl',
  'ResourceAttributes', 'ScopeSchemaUrl', 'ScopeName', 'ScopeVersion', 'ScopeAttributes', 'LogAttributes', 'EventName',
] as const;

/** A batch in the ClickHouse write form: otel_traces rows as JSONCompactEachRow text, and its attribute types. */
export interface TraceRowBatch {
  readonly n: number;
  readonly rows: string;
  readonly types: [string, ValueType][];
}

/** Encodes on the receiving thread; the text goes to ClickHouse as it is. */
export class TraceRowEncoder {
  encode(spans: readonly Span[]): TraceRowBatch {
    return { n: spans.length, rows: encodeTraceRows(spans), types: typesOf(spans) };
  }
  transferables(): ArrayBuffer[] {
    return [];
  }
}

export const encodeTraceRows = (spans: readonly Span[]) => spans.map(traceRow).join('\n');
export const encodeLogRows = (logs: readonly LogRecord[]) => logs.map(logRow).join('\n');

const str = JSON.stringify as (s: string) => string;
const map = (attrs: readonly KeyValue[]) => JSON.stringify(attrMap(attrs));

/** One otel_traces row in TRACE_INSERT_COLUMNS order. */
export function traceRow(s: Span): string {
  const duration = s.endTimeUnixNano > s.startTimeUnixNano ? s.endTimeUnixNano - s.startTimeUnixNano : 0n;
  const rest = JSON.stringify([
    s.traceId, s.spanId, s.parentSpanId, s.traceState, s.name, KIND_NAMES[s.kind], serviceName(s), resourceMap(s), s.scope.name,
    s.scope.version, attrMap(s.attributes), STATUS_NAMES[s.status.code], s.status.message,
    s.events.map((e) => e.name), s.events.map((e) => attrMap(e.attributes)),
    s.links.map((l) => l.traceId), s.links.map((l) => l.spanId), s.links.map((l) => l.traceState), s.links.map((l) => attrMap(l.attributes)),
  ]);
  return `[${s.startTimeUnixNano},${duration},[${s.events.map((e) => e.timeUnixNano).join(',')}],${rest.slice(1)}`;
}

// Resource attribute maps repeat for every span of a request: convert each resource once.
const resourceMaps = new WeakMap<object, Record<string, string>>();
function resourceMap(s: Span): Record<string, string> {
  let m = resourceMaps.get(s.resource);
  if (m === undefined) resourceMaps.set(s.resource, (m = attrMap(s.resource.attributes)));
  return m;
}

/** The SELECT list that reads a span back: times as exact nanosecond integers, 64-bit values as text. */
export const SPAN_COLUMNS = `toString(toUnixTimestamp64Nano(Timestamp)) AS StartNano, TraceId, SpanId, ParentSpanId, TraceState,
  SpanName, SpanKind, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, toString(Duration) AS DurationText,
  StatusCode, StatusMessage, arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS EventNanos,
  Events.Name AS EventNames, Events.Attributes AS EventAttributes, Links.TraceId AS LinkTraceIds,
  Links.SpanId AS LinkSpanIds, Links.TraceState AS LinkTraceStates, Links.Attributes AS LinkAttributes`;

export interface SpanSelectRow {
  StartNano: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  DurationText: string;
  StatusCode: string;
  StatusMessage: string;
  EventNanos: string[];
  EventNames: string[];
  EventAttributes: Record<string, string>[];
  LinkTraceIds: string[];
  LinkSpanIds: string[];
  LinkTraceStates: string[];
  LinkAttributes: Record<string, string>[];
}

export function spanFromRow(r: SpanSelectRow, typed?: ValueReader): Span {
  const start = BigInt(r.StartNano);
  return {
    traceId: r.TraceId,
    spanId: r.SpanId,
    parentSpanId: r.ParentSpanId,
    traceState: r.TraceState,
    flags: 0,
    name: r.SpanName,
    kind: kindFromText(r.SpanKind),
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(r.DurationText),
    attributes: attrsFromMap(r.SpanAttributes, typed),
    droppedAttributesCount: 0,
    events: r.EventNanos.map((t, i) => ({
      timeUnixNano: BigInt(t),
      name: r.EventNames[i] ?? '',
      attributes: attrsFromMap(r.EventAttributes[i], typed),
      droppedAttributesCount: 0,
    })),
    droppedEventsCount: 0,
    links: r.LinkTraceIds.map((traceId, i) => ({
      traceId,
      spanId: r.LinkSpanIds[i] ?? '',
      traceState: r.LinkTraceStates[i] ?? '',
      attributes: attrsFromMap(r.LinkAttributes[i], typed),
      droppedAttributesCount: 0,
      flags: 0,
    })),
    droppedLinksCount: 0,
    status: { code: statusFromText(r.StatusCode), message: r.StatusMessage },
    resource: { attributes: attrsFromMap(r.ResourceAttributes, typed), droppedAttributesCount: 0, schemaUrl: '' },
    scope: { ...emptyScope(), name: r.ScopeName, version: r.ScopeVersion },
  };
}

/** One otel_logs row in LOG_INSERT_COLUMNS order. */
export function logRow(l: LogRecord): string {
  // The exporter stores the observed time when a record has no time of its own.
  const time = l.timeUnixNano !== 0n ? l.timeUnixNano : l.observedTimeUnixNano;
  return `[${time},${str(l.traceId)},${str(l.spanId)},${l.flags & 0xff},${str(l.severityText)},${l.severityNumber},${str(serviceName(l))},`
    + `${str(attrText(l.body))},${str(l.resource.schemaUrl)},${map(l.resource.attributes)},${str(l.scope.schemaUrl)},${str(l.scope.name)},`
    + `${str(l.scope.version)},${map(l.scope.attributes)},${map(l.attributes)},${str(l.eventName)}]`;
}

export const LOG_COLUMNS = `toString(toUnixTimestamp64Nano(Timestamp)) AS TimeNano, TraceId, SpanId, TraceFlags, SeverityText,
  SeverityNumber, Body, ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
  LogAttributes, EventName`;

export interface LogSelectRow {
  TimeNano: string;
  TraceId: string;
  SpanId: string;
  TraceFlags: number;
  SeverityText: string;
  SeverityNumber: number;
  Body: string;
  ResourceSchemaUrl: string;
  ResourceAttributes: Record<string, string>;
  ScopeSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: Record<string, string>;
  LogAttributes: Record<string, string>;
  EventName: string;
}

export function logFromRow(r: LogSelectRow): LogRecord {
  const t = BigInt(r.TimeNano);
  return {
    timeUnixNano: t,
    observedTimeUnixNano: t,
    severityNumber: r.SeverityNumber,
    severityText: r.SeverityText,
    body: r.Body,
    attributes: attrsFromMap(r.LogAttributes),
    droppedAttributesCount: 0,
    flags: r.TraceFlags,
    traceId: r.TraceId,
    spanId: r.SpanId,
    eventName: r.EventName,
    resource: { attributes: attrsFromMap(r.ResourceAttributes), droppedAttributesCount: 0, schemaUrl: r.ResourceSchemaUrl },
    scope: { name: r.ScopeName, version: r.ScopeVersion, attributes: attrsFromMap(r.ScopeAttributes), droppedAttributesCount: 0, schemaUrl: r.ScopeSchemaUrl },
  };
}
