// Jaeger UI's JSON trace model (what Jaeger's /api/traces/{id} returns): read for file import, written for the
// Jaeger-compatible API. Times are microseconds; tags are typed key/value lists; ids are kept as given on import
// because hand-made Jaeger files use ids such as `span-E`.
import { emptyScope, getAttr, groupByTrace, serviceName, type AttrValue, type KeyValue, type Resource, type Span, type SpanKind, type SpanLink, type StatusCode } from '../model.js';
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { DecodeError, emptyResult, quote, reject, type DecodeResult } from './errors.js';
import { normalizeHexId } from './hex.js';
import { otelStatusTag, SPAN_KIND_NAMES, statusFromOtelTag } from '../names.js';
import { validateSpan } from './validate.js';
import { blankSpan, isObject, ScopeInterner, type Json } from './common.js';

export type JaegerTagType = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

export interface JaegerKeyValue {
  key: string;
  type: JaegerTagType;
  value: string | number | boolean;
}

export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

export interface JaegerLog {
  timestamp: number;
  fields: JaegerKeyValue[];
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: JaegerReference[];
  startTime: number;
  duration: number;
  tags: JaegerKeyValue[];
  logs: JaegerLog[];
  processID: string;
  warnings: string[] | null;
  flags?: number;
}

export interface JaegerProcess {
  serviceName: string;
  tags: JaegerKeyValue[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings: string[] | null;
}

/** Attribute that keeps a parent reference's FOLLOWS_FROM type, so analysis can treat the child as async. */
export const JAEGER_REF_TYPE_ATTR = 'jaeger.ref_type';
/** On a link made from an extra Jaeger reference: its type, as OpenTelemetry's Jaeger translator names it. */
export const OPENTRACING_REF_TYPE_ATTR = 'opentracing.ref_type';

// Jaeger's span.kind tag: the kind names, and no tag for an unspecified kind.
const KIND_BY_TAG: Record<string, SpanKind> = Object.fromEntries(SPAN_KIND_NAMES.slice(1).map((n, i) => [n, (i + 1) as SpanKind]));

// ---------- decoding ----------

function micros(v: unknown, where: string): bigint {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) {
    // Multiplying first would exceed 2^53 for real timestamps; fractions of a µs only occur in hand-made files.
    const whole = Math.trunc(v);
    return BigInt(whole) * 1000n + BigInt(Math.round((v - whole) * 1000));
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v) * 1000n;
  throw new DecodeError(`${where}: expected microseconds, got ${v === undefined ? 'nothing' : quote(v)}`);
}

function tagValue(tag: Json, where: string): AttrValue {
  const { value } = tag;
  const type = typeof tag.type === 'string' ? tag.type.toLowerCase() : undefined;
  switch (type) {
    case 'string':
      return value === undefined || value === null ? '' : String(value);
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      break;
    case 'int64':
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
      break;
    case 'float64':
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && Number.isFinite(Number(value))) return Number(value);
      break;
    case 'binary':
      if (typeof value === 'string') return base64ToBytes(value, `${where}.value`);
      break;
    case undefined:
      if (typeof value === 'string' || typeof value === 'boolean') return value;
      if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
      break;
    default:
      throw new DecodeError(`${where}.type: expected string, bool, int64, float64 or binary, got ${quote(tag.type)}`);
  }
  throw new DecodeError(`${where}.value: expected a ${type ?? 'string, number or boolean'} value, got ${quote(value)}`);
}

function tagList(v: unknown, where: string): KeyValue[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DecodeError(`${where}: expected an array, got ${quote(v)}`);
  return v.map((t, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(t) || typeof t.key !== 'string') throw new DecodeError(`${at}: expected {key, type, value}, got ${quote(t)}`);
    return { key: t.key, value: tagValue(t, at) };
  });
}

function idOf(v: unknown, width: 16 | 32, where: string): string {
  if (typeof v !== 'string' || v === '') throw new DecodeError(`${where}: expected an id string, got ${v === undefined ? 'nothing' : quote(v)}`);
  return normalizeHexId(v, width) ?? v;
}

function processResource(p: unknown, where: string): Resource {
  if (!isObject(p)) throw new DecodeError(`${where}: expected a process object, got ${quote(p)}`);
  const attributes: KeyValue[] = [];
  if (typeof p.serviceName === 'string') attributes.push({ key: 'service.name', value: p.serviceName });
  attributes.push(...tagList(p.tags, `${where}.tags`));
  return { attributes, droppedAttributesCount: 0, schemaUrl: '' };
}

function decodeSpan(
  v: unknown,
  where: string,
  trace: { traceID: unknown; resourceOf: (span: Json, where: string) => Resource },
  interner: ScopeInterner,
): Span {
  if (!isObject(v)) throw new DecodeError(`${where}: expected a span object, got ${quote(v)}`);
  const traceId = idOf(v.traceID ?? trace.traceID, 32, `${where}.traceID`);
  // The binary Jaeger forms (jaeger-binary.ts) hand over nanoseconds, which µs numbers would round.
  const start = typeof v.startTimeNano === 'bigint' ? v.startTimeNano : micros(v.startTime, `${where}.startTime`);
  const end = start + (typeof v.durationNano === 'bigint' ? v.durationNano : micros(v.duration ?? 0, `${where}.duration`));

  const span = blankSpan(trace.resourceOf(v, where), emptyScope());
  span.traceId = traceId;
  span.spanId = idOf(v.spanID, 16, `${where}.spanID`);
  span.flags = typeof v.flags === 'number' && Number.isInteger(v.flags) ? v.flags >>> 0 : 0;
  span.name = typeof v.operationName === 'string' ? v.operationName : '';
  span.startTimeUnixNano = start;
  span.endTimeUnixNano = end;

  let scopeName = '';
  let scopeVersion = '';
  let statusCode: StatusCode | undefined;
  let errorTag = false;
  for (const kv of tagList(v.tags, `${where}.tags`)) {
    const { key, value } = kv;
    if (key === 'span.kind' && typeof value === 'string' && value in KIND_BY_TAG) span.kind = KIND_BY_TAG[value];
    else if (key === 'error' && (value === true || value === 'true')) errorTag = true;
    else if (key === 'otel.status_code' && statusFromOtelTag(value) !== null) statusCode = statusFromOtelTag(value)!;
    else if (key === 'otel.status_description' && typeof value === 'string') span.status.message = value;
    else if ((key === 'otel.scope.name' || key === 'otel.library.name') && typeof value === 'string') scopeName = value;
    else if ((key === 'otel.scope.version' || key === 'otel.library.version') && typeof value === 'string') scopeVersion = value;
    else if (key === 'w3c.tracestate' && typeof value === 'string') span.traceState = value;
    else span.attributes.push(kv);
  }
  span.status.code = statusCode ?? (errorTag ? 2 : 0);
  span.scope = interner.scope(scopeName, scopeVersion);

  const refs = v.references ?? [];
  if (!Array.isArray(refs)) throw new DecodeError(`${where}.references: expected an array, got ${quote(refs)}`);
  refs.forEach((r, i) => {
    const at = `${where}.references[${i}]`;
    if (!isObject(r)) throw new DecodeError(`${at}: expected an object, got ${quote(r)}`);
    const refType = r.refType === 'FOLLOWS_FROM' ? 'FOLLOWS_FROM' : 'CHILD_OF';
    const refTrace = r.traceID === undefined ? traceId : idOf(r.traceID, 32, `${at}.traceID`);
    const refSpan = idOf(r.spanID, 16, `${at}.spanID`);
    if (i === 0 && refTrace === traceId) {
      span.parentSpanId = refSpan;
      if (refType === 'FOLLOWS_FROM') span.attributes.push({ key: JAEGER_REF_TYPE_ATTR, value: 'FOLLOWS_FROM' });
    } else {
      const link: SpanLink = { traceId: refTrace, spanId: refSpan, traceState: '', attributes: [{ key: OPENTRACING_REF_TYPE_ATTR, value: refType.toLowerCase() }], droppedAttributesCount: 0, flags: 0 };
      span.links.push(link);
    }
  });
  if (span.parentSpanId === '' && typeof v.parentSpanID === 'string' && v.parentSpanID !== '' && !/^0+$/.test(v.parentSpanID)) {
    span.parentSpanId = idOf(v.parentSpanID, 16, `${where}.parentSpanID`);
  }

  const logs = v.logs ?? [];
  if (!Array.isArray(logs)) throw new DecodeError(`${where}.logs: expected an array, got ${quote(logs)}`);
  span.events = logs.map((l, i) => {
    const at = `${where}.logs[${i}]`;
    if (!isObject(l)) throw new DecodeError(`${at}: expected an object, got ${quote(l)}`);
    const fields = tagList(l.fields, `${at}.fields`);
    const nameAt = fields.findIndex((f) => f.key === 'event' && typeof f.value === 'string');
    const name = nameAt >= 0 ? (fields.splice(nameAt, 1)[0].value as string) : '';
    const time = typeof l.timestampNano === 'bigint' ? l.timestampNano : micros(l.timestamp, `${at}.timestamp`);
    return { timeUnixNano: time, name, attributes: fields, droppedAttributesCount: 0 };
  });
  return span;
}

function decodeTrace(t: unknown, where: string, out: DecodeResult<Span>, interner: ScopeInterner): void {
  if (!isObject(t) || !Array.isArray(t.spans)) throw new DecodeError(`${where}: expected a trace object with a "spans" array`);
  const processes = isObject(t.processes) ? t.processes : {};
  const resources = new Map<string, Resource>();
  const resourceOf = (span: Json, at: string): Resource => {
    const id = typeof span.processID === 'string' ? span.processID : '';
    let r = resources.get(id);
    if (!r) {
      const p = Object.hasOwn(processes, id) ? processes[id] : span.process;
      if (p === undefined) throw new DecodeError(`${at}.processID: no process ${quote(id)} in this trace`);
      resources.set(id, (r = processResource(p, `processes.${id}`)));
    }
    return r;
  };
  t.spans.forEach((s, i) => {
    const at = `${where}.spans[${i}]`;
    try {
      const span = decodeSpan(s, at, { traceID: t.traceID, resourceOf }, interner);
      const err = validateSpan(span, { opaqueIds: true, anyTime: true });
      if (err === null) out.items.push(span);
      else reject(out, `${at}.${err}`);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      reject(out, e.message);
    }
  });
}

/**
 * Decodes Jaeger UI JSON: `{data: [trace...]}` (the API answer), a bare trace, or an array of traces. Ids that
 * are hex are normalised (lower case, padded); other ids are kept as opaque strings.
 */
export function decodeJaegerJson(doc: unknown): DecodeResult<Span> {
  let traces: unknown[];
  let where: string;
  if (Array.isArray(doc)) [traces, where] = [doc, ''];
  else if (isObject(doc) && Array.isArray(doc.data)) [traces, where] = [doc.data, 'data'];
  else if (isObject(doc) && isObject(doc.data) && Array.isArray(doc.data.spans)) [traces, where] = [[doc.data], 'data'];
  else if (isObject(doc) && Array.isArray(doc.spans)) return decodeOne(doc);
  else throw new DecodeError('Jaeger JSON: expected {"data": [trace...]}, a trace with "spans", or an array of traces');
  const out = emptyResult<Span>();
  const interner = new ScopeInterner();
  traces.forEach((t, i) => decodeTrace(t, `${where}[${i}]`, out, interner));
  return out;
}

function decodeOne(trace: Json): DecodeResult<Span> {
  const out = emptyResult<Span>();
  decodeTrace(trace, 'trace', out, new ScopeInterner());
  return out;
}

// ---------- encoding ----------

function tag(key: string, value: AttrValue): JaegerKeyValue {
  if (typeof value === 'string') return { key, type: 'string', value };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'bigint') {
    const n = Number(value);
    return { key, type: 'int64', value: Number.isSafeInteger(n) ? n : value.toString() };
  }
  if (typeof value === 'number') return { key, type: 'float64', value: Number.isFinite(value) ? value : String(value) };
  if (value instanceof Uint8Array) return { key, type: 'binary', value: bytesToBase64(value) };
  if (value === null) return { key, type: 'string', value: '' };
  return { key, type: 'string', value: goJson(value) };
}

/**
 * An array or map attribute as the Collector's Jaeger translator writes it: pcommon's AsString, i.e. Go's
 * json.Marshal of the plain value (map keys sorted, bytes as base64, <, > and & escaped for HTML).
 */
function goJson(value: AttrValue): string {
  const json = (v: AttrValue): string => {
    if (v === null) return 'null';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    if (v instanceof Uint8Array) return JSON.stringify(bytesToBase64(v));
    if (Array.isArray(v)) return `[${v.map(json).join(',')}]`;
    if (typeof v === 'object') {
      const entries = new Map(v.kvlist.map((kv) => [kv.key, kv.value]));
      const keys = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${keys.map((k) => `${JSON.stringify(k)}:${json(entries.get(k)!)}`).join(',')}}`;
    }
    return JSON.stringify(v);
  };
  return json(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function spanTags(span: Span): JaegerKeyValue[] {
  const tags: JaegerKeyValue[] = [];
  if (span.scope.name !== '') tags.push(tag('otel.library.name', span.scope.name));
  if (span.scope.version !== '') tags.push(tag('otel.library.version', span.scope.version));
  for (const kv of span.attributes) if (kv.key !== JAEGER_REF_TYPE_ATTR) tags.push(tag(kv.key, kv.value));
  if (span.kind !== 0) tags.push(tag('span.kind', SPAN_KIND_NAMES[span.kind]));
  const statusTag = otelStatusTag(span.status.code);
  if (statusTag !== null) tags.push(tag('otel.status_code', statusTag));
  if (span.status.code === 2) tags.push(tag('error', true));
  if (span.status.message !== '') tags.push(tag('otel.status_description', span.status.message));
  if (span.traceState !== '') tags.push(tag('w3c.tracestate', span.traceState));
  return tags;
}

function references(span: Span): JaegerReference[] {
  const refs: JaegerReference[] = [];
  if (span.parentSpanId !== '') {
    const followsFrom = getAttr(span.attributes, JAEGER_REF_TYPE_ATTR) === 'FOLLOWS_FROM';
    refs.push({ refType: followsFrom ? 'FOLLOWS_FROM' : 'CHILD_OF', traceID: span.traceId, spanID: span.parentSpanId });
  }
  for (const link of span.links) {
    const childOf = getAttr(link.attributes, OPENTRACING_REF_TYPE_ATTR) === 'child_of';
    refs.push({ refType: childOf ? 'CHILD_OF' : 'FOLLOWS_FROM', traceID: link.traceId, spanID: link.spanId });
  }
  return refs;
}

/**
 * A trace's Jaeger process table: processes are named p1, p2… in order of first appearance of each distinct
 * resource. Seeded with a table already sent, it goes on naming where that one stopped (a trace streamed a page
 * at a time).
 */
export class JaegerProcesses {
  readonly processes: Record<string, JaegerProcess> = {};
  private readonly ids = new Map<Resource, string>();
  private readonly byContent = new Map<string, string>();

  constructor(known: Readonly<Record<string, JaegerProcess>> = {}) {
    for (const [id, process] of Object.entries(known)) {
      this.byContent.set(JSON.stringify(process), id);
      this.processes[id] = process;
    }
  }

  idOf(span: Span): string {
    const resource = span.resource;
    let id = this.ids.get(resource);
    if (id !== undefined) return id;
    const process: JaegerProcess = {
      serviceName: serviceName(span),
      tags: resource.attributes.filter((kv) => kv.key !== 'service.name').map((kv) => tag(kv.key, kv.value)),
    };
    const key = JSON.stringify(process);
    id = this.byContent.get(key);
    if (id === undefined) {
      id = `p${this.byContent.size + 1}`;
      this.byContent.set(key, id);
      this.processes[id] = process;
    }
    this.ids.set(resource, id);
    return id;
  }
}

/** One span in Jaeger UI JSON, its process named in `processes`; `warnings` are Jaeger's per-span warnings. */
export function encodeJaegerSpan(span: Span, processes: JaegerProcesses, warnings: readonly string[] | undefined): JaegerSpan {
  const js: JaegerSpan = {
    traceID: span.traceId,
    spanID: span.spanId,
    operationName: span.name,
    references: references(span),
    startTime: Number(span.startTimeUnixNano / 1000n),
    duration: Number((span.endTimeUnixNano - span.startTimeUnixNano) / 1000n),
    tags: spanTags(span),
    logs: span.events.map((e) => ({
      timestamp: Number(e.timeUnixNano / 1000n),
      fields: [...(e.name === '' ? [] : [tag('event', e.name)]), ...e.attributes.map((kv) => tag(kv.key, kv.value))],
    })),
    processID: processes.idOf(span),
    warnings: warnings ? [...warnings] : null,
  };
  if (span.flags !== 0) js.flags = span.flags;
  return js;
}

/**
 * One trace in Jaeger UI JSON (processes as JaegerProcesses names them).
 * `warnings` are Jaeger's per-span warnings, by index into `spans` (see jaegerView).
 */
export function encodeJaegerTrace(spans: readonly Span[], warnings?: ReadonlyMap<number, readonly string[]>): JaegerTrace {
  const table = new JaegerProcesses();
  const out = spans.map((span, i) => encodeJaegerSpan(span, table, warnings?.get(i)));
  return { traceID: spans[0]?.traceId ?? '', spans: out, processes: table.processes, warnings: null };
}

/**
 * What Jaeger's POST /api/transform does for uploaded OTLP: spans to one Jaeger trace per trace id. A Jaeger
 * process must name its service, so a resource without `service.name` makes the input unusable (DecodeError).
 */
export function transformOtlpToJaeger(spans: readonly Span[]): JaegerTrace[] {
  for (const span of spans) {
    const name = getAttr(span.resource.attributes, 'service.name');
    if (typeof name !== 'string' || name === '') {
      throw new DecodeError(`span ${span.spanId} ('${span.name}') has a resource without a service.name attribute, which Jaeger needs to name its process.`);
    }
  }
  return groupByTrace(spans).map((trace) => encodeJaegerTrace(trace));
}
