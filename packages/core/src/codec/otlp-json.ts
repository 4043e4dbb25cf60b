// OTLP/JSON (the OTLP/HTTP JSON mapping): hex ids, 64-bit integers as decimal strings, enums as integers.
// The decoder is lenient where real senders differ (upper-case ids, named enums, numbers for int64, snake_case
// keys) and strict about anything that would change meaning.
import {
  emptyResource,
  emptyScope,
  type AttrValue,
  type KeyValue,
  type LogRecord,
  type Resource,
  type Scope,
  type Span,
  type SpanEvent,
  type SpanKind,
  type SpanLink,
  type StatusCode,
} from '../model.js';
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES } from '../names.js';
import { DecodeError, emptyResult, quote, reject, type DecodeResult } from './errors.js';
import { groupByResourceAndScope, MAX_VALUE_DEPTH } from './otlp-proto.js';
import { validateLogRecord, validateSpan } from './validate.js';
import { isObject, type Json } from './common.js';

export type OtlpJsonAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { bytesValue: string }
  | { arrayValue: { values: OtlpJsonAnyValue[] } }
  | { kvlistValue: { values: OtlpJsonKeyValue[] } }
  | Record<string, never>;

export interface OtlpJsonKeyValue {
  key: string;
  value: OtlpJsonAnyValue;
}

export interface OtlpJsonResource {
  attributes: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpJsonScope {
  name: string;
  version?: string;
  attributes?: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpJsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  flags?: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
  events?: { timeUnixNano: string; name: string; attributes?: OtlpJsonKeyValue[]; droppedAttributesCount?: number }[];
  droppedEventsCount?: number;
  links?: {
    traceId: string;
    spanId: string;
    traceState?: string;
    attributes?: OtlpJsonKeyValue[];
    droppedAttributesCount?: number;
    flags?: number;
  }[];
  droppedLinksCount?: number;
  status: { code?: number; message?: string };
}

export interface OtlpJsonTracesDoc {
  resourceSpans: {
    resource: OtlpJsonResource;
    scopeSpans: { scope: OtlpJsonScope; spans: OtlpJsonSpan[]; schemaUrl?: string }[];
    schemaUrl?: string;
  }[];
}

export interface OtlpJsonLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpJsonAnyValue;
  attributes: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

export interface OtlpJsonLogsDoc {
  resourceLogs: {
    resource: OtlpJsonResource;
    scopeLogs: { scope: OtlpJsonScope; logRecords: OtlpJsonLogRecord[]; schemaUrl?: string }[];
    schemaUrl?: string;
  }[];
}

// ---------- reading loosely typed JSON ----------

const snakeNames = new Map<string, string>();

/** A field by its camelCase name, or by the snake_case name that protobuf JSON parsers also accept. */
function field(obj: Json, camel: string): unknown {
  const v = obj[camel];
  if (v !== undefined) return v;
  let snake = snakeNames.get(camel);
  if (snake === undefined) snakeNames.set(camel, (snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)));
  return snake === camel ? undefined : obj[snake];
}

function objectAt(v: unknown, where: string): Json {
  if (!isObject(v)) throw new DecodeError(`${where}: expected an object, got ${describe(v)}`);
  return v;
}

function optionalObject(obj: Json, name: string, where: string): Json | undefined {
  const v = field(obj, name);
  return v === undefined || v === null ? undefined : objectAt(v, `${where}${name}`);
}

function arrayAt(obj: Json, name: string, where: string): unknown[] {
  const v = field(obj, name);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DecodeError(`${where}${name}: expected an array, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${quote(v)}`;
}

function stringAt(obj: Json, name: string, where: string): string {
  const v = field(obj, name);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new DecodeError(`${where}${name}: expected a string, got ${describe(v)}`);
  return v;
}

const INT_TEXT = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** int64/uint64/fixed64: a decimal string (the mapping) or a JSON number (what many senders write). */
function bigintAt(obj: Json, name: string, where: string): bigint {
  const v = field(obj, name);
  if (v === undefined || v === null) return 0n;
  return parseInt64(v, `${where}${name}`, INT64_MIN, UINT64_MAX);
}

function parseInt64(v: unknown, where: string, min: bigint, max: bigint): bigint {
  let n: bigint | undefined;
  if (typeof v === 'string' && INT_TEXT.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  if (n === undefined || n < min || n > max) throw new DecodeError(`${where}: expected an integer, got ${describe(v)}`);
  return n;
}

/** uint32/fixed32 fields (counts, flags) and numeric enums. */
function uint32At(obj: Json, name: string, where: string): number {
  const v = field(obj, name);
  if (v === undefined || v === null) return 0;
  return Number(parseInt64(v, `${where}${name}`, 0n, 0xffffffffn));
}

function enumAt(obj: Json, name: string, where: string, prefix: string, names: readonly string[]): number {
  const v = field(obj, name);
  if (typeof v === 'string' && v.startsWith(prefix)) {
    const i = names.indexOf(v.slice(prefix.length));
    if (i >= 0) return i;
  }
  if (v === undefined || v === null || typeof v === 'number' || (typeof v === 'string' && INT_TEXT.test(v))) {
    const n = uint32At(obj, name, where);
    if (n < names.length) return n;
  }
  throw new DecodeError(`${where}${name}: expected a ${prefix}* name or a number below ${names.length}, got ${describe(v)}`);
}

const SPAN_KINDS = SPAN_KIND_NAMES.map((n) => n.toUpperCase());
const STATUS_CODES = STATUS_CODE_NAMES.map((n) => n.toUpperCase());
const SEVERITIES = ['UNSPECIFIED'].concat(
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].map((s) => [s, `${s}2`, `${s}3`, `${s}4`]),
);

/** OTLP/JSON ids are hex; upper case is accepted and folded, anything else is left for validation to report. */
function idAt(obj: Json, name: string, where: string): string {
  const s = stringAt(obj, name, where);
  return /^[0-9A-F]+$/i.test(s) ? s.toLowerCase() : s;
}

// ---------- AnyValue ----------

/** An OTLP/JSON AnyValue to a model value; throws DecodeError naming `where`. */
export function attrValueFromJson(json: unknown, where = 'value', depth = 0): AttrValue {
  if (depth > MAX_VALUE_DEPTH) throw new DecodeError(`${where}: values nest deeper than ${MAX_VALUE_DEPTH} levels`);
  if (json === undefined || json === null) return null;
  const obj = objectAt(json, where);
  let v: unknown;
  if ((v = field(obj, 'stringValue')) !== undefined) {
    if (typeof v !== 'string') throw new DecodeError(`${where}.stringValue: expected a string, got ${describe(v)}`);
    return v;
  }
  if ((v = field(obj, 'boolValue')) !== undefined) {
    if (typeof v !== 'boolean') throw new DecodeError(`${where}.boolValue: expected true or false, got ${describe(v)}`);
    return v;
  }
  if ((v = field(obj, 'intValue')) !== undefined) return parseInt64(v, `${where}.intValue`, INT64_MIN, 2n ** 63n - 1n);
  if ((v = field(obj, 'doubleValue')) !== undefined) {
    if (typeof v === 'number') return v;
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    throw new DecodeError(`${where}.doubleValue: expected a number, got ${describe(v)}`);
  }
  if ((v = field(obj, 'bytesValue')) !== undefined) {
    if (typeof v !== 'string') throw new DecodeError(`${where}.bytesValue: expected base64, got ${describe(v)}`);
    return base64ToBytes(v, `${where}.bytesValue`);
  }
  if ((v = field(obj, 'arrayValue')) !== undefined) {
    const values = arrayAt(objectAt(v, `${where}.arrayValue`), 'values', `${where}.arrayValue.`);
    return values.map((x, i) => attrValueFromJson(x, `${where}.arrayValue.values[${i}]`, depth + 1));
  }
  if ((v = field(obj, 'kvlistValue')) !== undefined) {
    return { kvlist: keyValuesFrom(objectAt(v, `${where}.kvlistValue`), 'values', `${where}.kvlistValue.`, depth + 1) };
  }
  return null;
}

function keyValuesFrom(obj: Json, name: string, where: string, depth = 0): KeyValue[] {
  return arrayAt(obj, name, where).map((item, i) => {
    const at = `${where}${name}[${i}]`;
    const kv = objectAt(item, at);
    return { key: stringAt(kv, 'key', `${at}.`), value: attrValueFromJson(field(kv, 'value'), `${at}.value`, depth) };
  });
}

/** A model value as an OTLP/JSON AnyValue (null becomes the empty AnyValue `{}`). */
export function attrValueToJson(value: AttrValue): OtlpJsonAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'bigint') return { intValue: value.toString() };
  if (typeof value === 'number') return { doubleValue: Number.isFinite(value) ? value : String(value) };
  if (value instanceof Uint8Array) return { bytesValue: bytesToBase64(value) };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(attrValueToJson) } };
  if (value === null) return {};
  return { kvlistValue: { values: keyValuesToJson(value.kvlist) } };
}

function keyValuesToJson(kvs: readonly KeyValue[]): OtlpJsonKeyValue[] {
  return kvs.map((kv) => ({ key: kv.key, value: attrValueToJson(kv.value) }));
}

// ---------- resource and scope ----------

function resourceFrom(container: Json, where: string): Resource {
  const resource = emptyResource();
  resource.schemaUrl = stringAt(container, 'schemaUrl', where);
  const obj = optionalObject(container, 'resource', where);
  if (obj) {
    resource.attributes = keyValuesFrom(obj, 'attributes', `${where}resource.`);
    resource.droppedAttributesCount = uint32At(obj, 'droppedAttributesCount', `${where}resource.`);
  }
  return resource;
}

function scopeFrom(container: Json, where: string): Scope {
  const scope = emptyScope();
  scope.schemaUrl = stringAt(container, 'schemaUrl', where);
  const obj = optionalObject(container, 'scope', where);
  if (obj) {
    const at = `${where}scope.`;
    scope.name = stringAt(obj, 'name', at);
    scope.version = stringAt(obj, 'version', at);
    scope.attributes = keyValuesFrom(obj, 'attributes', at);
    scope.droppedAttributesCount = uint32At(obj, 'droppedAttributesCount', at);
  }
  return scope;
}

function resourceToJson(r: Resource): OtlpJsonResource {
  const out: OtlpJsonResource = { attributes: keyValuesToJson(r.attributes) };
  if (r.droppedAttributesCount !== 0) out.droppedAttributesCount = r.droppedAttributesCount;
  return out;
}

function scopeToJson(s: Scope): OtlpJsonScope {
  const out: OtlpJsonScope = { name: s.name };
  if (s.version !== '') out.version = s.version;
  if (s.attributes.length > 0) out.attributes = keyValuesToJson(s.attributes);
  if (s.droppedAttributesCount !== 0) out.droppedAttributesCount = s.droppedAttributesCount;
  return out;
}

// ---------- traces ----------

function spanFrom(obj: Json, resource: Resource, scope: Scope): Span {
  return {
    traceId: idAt(obj, 'traceId', ''),
    spanId: idAt(obj, 'spanId', ''),
    parentSpanId: idAt(obj, 'parentSpanId', ''),
    traceState: stringAt(obj, 'traceState', ''),
    flags: uint32At(obj, 'flags', ''),
    name: stringAt(obj, 'name', ''),
    kind: enumAt(obj, 'kind', '', 'SPAN_KIND_', SPAN_KINDS) as SpanKind,
    startTimeUnixNano: bigintAt(obj, 'startTimeUnixNano', ''),
    endTimeUnixNano: bigintAt(obj, 'endTimeUnixNano', ''),
    attributes: keyValuesFrom(obj, 'attributes', ''),
    droppedAttributesCount: uint32At(obj, 'droppedAttributesCount', ''),
    events: arrayAt(obj, 'events', '').map((item, i): SpanEvent => {
      const at = `events[${i}].`;
      const ev = objectAt(item, `events[${i}]`);
      return {
        timeUnixNano: bigintAt(ev, 'timeUnixNano', at),
        name: stringAt(ev, 'name', at),
        attributes: keyValuesFrom(ev, 'attributes', at),
        droppedAttributesCount: uint32At(ev, 'droppedAttributesCount', at),
      };
    }),
    droppedEventsCount: uint32At(obj, 'droppedEventsCount', ''),
    links: arrayAt(obj, 'links', '').map((item, i): SpanLink => {
      const at = `links[${i}].`;
      const link = objectAt(item, `links[${i}]`);
      return {
        traceId: idAt(link, 'traceId', at),
        spanId: idAt(link, 'spanId', at),
        traceState: stringAt(link, 'traceState', at),
        attributes: keyValuesFrom(link, 'attributes', at),
        droppedAttributesCount: uint32At(link, 'droppedAttributesCount', at),
        flags: uint32At(link, 'flags', at),
      };
    }),
    droppedLinksCount: uint32At(obj, 'droppedLinksCount', ''),
    status: statusFrom(optionalObject(obj, 'status', '')),
    resource,
    scope,
  };
}

function statusFrom(obj: Json | undefined): Span['status'] {
  if (!obj) return { code: 0, message: '' };
  return { code: enumAt(obj, 'code', 'status.', 'STATUS_CODE_', STATUS_CODES) as StatusCode, message: stringAt(obj, 'message', 'status.') };
}

/**
 * Decodes the shared resource → scope → item nesting of OTLP/JSON traces and logs. Containers that are not
 * readable make the whole document unreadable (DecodeError); a bad item is rejected on its own.
 */
function decodeNested<T>(
  doc: unknown,
  names: { resources: string; scopes: string; items: string },
  readItem: (obj: Json, resource: Resource, scope: Scope) => T,
  validate: (item: T) => string | null,
): DecodeResult<T> {
  const root = objectAt(doc, 'OTLP JSON document');
  if (!Array.isArray(field(root, names.resources))) {
    throw new DecodeError(`OTLP JSON document: expected a "${names.resources}" array, got ${describe(field(root, names.resources))}`);
  }
  const out = emptyResult<T>();
  arrayAt(root, names.resources, '').forEach((r, ri) => {
    const rWhere = `${names.resources}[${ri}]`;
    const rObj = objectAt(r, rWhere);
    const resource = resourceFrom(rObj, `${rWhere}.`);
    arrayAt(rObj, names.scopes, `${rWhere}.`).forEach((s, si) => {
      const sWhere = `${rWhere}.${names.scopes}[${si}]`;
      const sObj = objectAt(s, sWhere);
      const scope = scopeFrom(sObj, `${sWhere}.`);
      arrayAt(sObj, names.items, `${sWhere}.`).forEach((item, i) => {
        const where = `${sWhere}.${names.items}[${i}]`;
        try {
          const decoded = readItem(objectAt(item, where), resource, scope);
          const err = validate(decoded);
          if (err === null) out.items.push(decoded);
          else reject(out, `${where}.${err}`);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          reject(out, e.message.startsWith(where) ? e.message : `${where}.${e.message}`);
        }
      });
    });
  });
  return out;
}

export function decodeOtlpJsonTraces(doc: unknown): DecodeResult<Span> {
  return decodeNested(doc, { resources: 'resourceSpans', scopes: 'scopeSpans', items: 'spans' }, spanFrom, (s) => validateSpan(s));
}

function spanToJson(s: Span): OtlpJsonSpan {
  const out: OtlpJsonSpan = {
    traceId: s.traceId,
    spanId: s.spanId,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano.toString(),
    endTimeUnixNano: s.endTimeUnixNano.toString(),
    attributes: keyValuesToJson(s.attributes),
    status: {},
  };
  if (s.parentSpanId !== '') out.parentSpanId = s.parentSpanId;
  if (s.traceState !== '') out.traceState = s.traceState;
  if (s.flags !== 0) out.flags = s.flags;
  if (s.droppedAttributesCount !== 0) out.droppedAttributesCount = s.droppedAttributesCount;
  if (s.events.length > 0) {
    out.events = s.events.map((e) => {
      const ev: NonNullable<OtlpJsonSpan['events']>[number] = { timeUnixNano: e.timeUnixNano.toString(), name: e.name };
      if (e.attributes.length > 0) ev.attributes = keyValuesToJson(e.attributes);
      if (e.droppedAttributesCount !== 0) ev.droppedAttributesCount = e.droppedAttributesCount;
      return ev;
    });
  }
  if (s.droppedEventsCount !== 0) out.droppedEventsCount = s.droppedEventsCount;
  if (s.links.length > 0) {
    out.links = s.links.map((l) => {
      const link: NonNullable<OtlpJsonSpan['links']>[number] = { traceId: l.traceId, spanId: l.spanId };
      if (l.traceState !== '') link.traceState = l.traceState;
      if (l.attributes.length > 0) link.attributes = keyValuesToJson(l.attributes);
      if (l.droppedAttributesCount !== 0) link.droppedAttributesCount = l.droppedAttributesCount;
      if (l.flags !== 0) link.flags = l.flags;
      return link;
    });
  }
  if (s.droppedLinksCount !== 0) out.droppedLinksCount = s.droppedLinksCount;
  if (s.status.code !== 0) out.status.code = s.status.code;
  if (s.status.message !== '') out.status.message = s.status.message;
  return out;
}

/** Spans as a JSON-ready `{resourceSpans}` document, grouped by Resource and Scope object identity. */
export function encodeOtlpJsonTraces(spans: readonly Span[]): OtlpJsonTracesDoc {
  const resourceSpans: OtlpJsonTracesDoc['resourceSpans'] = [];
  for (const [resource, byScope] of groupByResourceAndScope(spans)) {
    const scopeSpans: OtlpJsonTracesDoc['resourceSpans'][number]['scopeSpans'] = [];
    for (const [scope, list] of byScope) {
      scopeSpans.push({ scope: scopeToJson(scope), spans: list.map(spanToJson), ...schemaUrl(scope) });
    }
    resourceSpans.push({ resource: resourceToJson(resource), scopeSpans, ...schemaUrl(resource) });
  }
  return { resourceSpans };
}

function schemaUrl(x: { schemaUrl: string }): { schemaUrl?: string } {
  return x.schemaUrl === '' ? {} : { schemaUrl: x.schemaUrl };
}

// ---------- logs ----------

function logFrom(obj: Json, resource: Resource, scope: Scope): LogRecord {
  return {
    timeUnixNano: bigintAt(obj, 'timeUnixNano', ''),
    observedTimeUnixNano: bigintAt(obj, 'observedTimeUnixNano', ''),
    severityNumber: enumAt(obj, 'severityNumber', '', 'SEVERITY_NUMBER_', SEVERITIES),
    severityText: stringAt(obj, 'severityText', ''),
    body: attrValueFromJson(field(obj, 'body'), 'body'),
    attributes: keyValuesFrom(obj, 'attributes', ''),
    droppedAttributesCount: uint32At(obj, 'droppedAttributesCount', ''),
    flags: uint32At(obj, 'flags', ''),
    traceId: idAt(obj, 'traceId', ''),
    spanId: idAt(obj, 'spanId', ''),
    eventName: stringAt(obj, 'eventName', ''),
    resource,
    scope,
  };
}

export function decodeOtlpJsonLogs(doc: unknown): DecodeResult<LogRecord> {
  return decodeNested(doc, { resources: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords' }, logFrom, validateLogRecord);
}

function logToJson(l: LogRecord): OtlpJsonLogRecord {
  const out: OtlpJsonLogRecord = { attributes: keyValuesToJson(l.attributes) };
  if (l.timeUnixNano !== 0n) out.timeUnixNano = l.timeUnixNano.toString();
  if (l.observedTimeUnixNano !== 0n) out.observedTimeUnixNano = l.observedTimeUnixNano.toString();
  if (l.severityNumber !== 0) out.severityNumber = l.severityNumber;
  if (l.severityText !== '') out.severityText = l.severityText;
  if (l.body !== null) out.body = attrValueToJson(l.body);
  if (l.droppedAttributesCount !== 0) out.droppedAttributesCount = l.droppedAttributesCount;
  if (l.flags !== 0) out.flags = l.flags;
  if (l.traceId !== '') out.traceId = l.traceId;
  if (l.spanId !== '') out.spanId = l.spanId;
  if (l.eventName !== '') out.eventName = l.eventName;
  return out;
}

export function encodeOtlpJsonLogs(logs: readonly LogRecord[]): OtlpJsonLogsDoc {
  const resourceLogs: OtlpJsonLogsDoc['resourceLogs'] = [];
  for (const [resource, byScope] of groupByResourceAndScope(logs)) {
    const scopeLogs: OtlpJsonLogsDoc['resourceLogs'][number]['scopeLogs'] = [];
    for (const [scope, list] of byScope) {
      scopeLogs.push({ scope: scopeToJson(scope), logRecords: list.map(logToJson), ...schemaUrl(scope) });
    }
    resourceLogs.push({ resource: resourceToJson(resource), scopeLogs, ...schemaUrl(resource) });
  }
  return { resourceLogs };
}
