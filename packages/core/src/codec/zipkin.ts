// Zipkin v2 JSON. Zipkin has fewer places than OTLP, so what has no Zipkin field travels in attributes with
// documented names; decode → encode → decode gives back the same canonical spans for Zipkin-born data.
import { type AttrValue, type KeyValue, type Resource, type Span, type SpanKind } from '../model.js';
import { bytesToBase64 } from './base64.js';
import { DecodeError, emptyResult, quote, reject, type DecodeResult } from './errors.js';
import { normalizeHexId } from './hex.js';
import { attrValueToJson } from './otlp-json.js';
import { validateSpan } from './validate.js';
import { isObject, ScopeInterner, type Json } from './common.js';
import { otelStatusTag, statusFromOtelTag } from '../names.js';

/** Attribute names for Zipkin facts that OTLP has no field for. */
export const ZIPKIN_ATTR = {
  shared: 'zipkin.shared',
  debug: 'zipkin.debug',
  /** The span had no duration: its end was set to its start. */
  durationMissing: 'zipkin.duration_missing',
  localIpv4: 'zipkin.local.ipv4',
  localIpv6: 'zipkin.local.ipv6',
  localPort: 'zipkin.local.port',
  /** A remote IPv6 address when an IPv4 one already fills network.peer.address. */
  remoteIpv6: 'zipkin.remote.ipv6',
} as const;

const PEER_SERVICE = 'peer.service';
const PEER_ADDRESS = 'network.peer.address';
const PEER_PORT = 'network.peer.port';

export interface ZipkinEndpoint {
  serviceName?: string;
  ipv4?: string;
  ipv6?: string;
  port?: number;
}

export interface ZipkinSpan {
  traceId: string;
  parentId?: string;
  id: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  name?: string;
  timestamp: number;
  duration?: number;
  localEndpoint?: ZipkinEndpoint;
  remoteEndpoint?: ZipkinEndpoint;
  annotations?: { timestamp: number; value: string }[];
  tags?: Record<string, string>;
  debug?: boolean;
  shared?: boolean;
}

const KINDS: Record<string, SpanKind> = { CLIENT: 3, SERVER: 2, PRODUCER: 4, CONSUMER: 5 };
const KIND_NAMES: Partial<Record<SpanKind, ZipkinSpan['kind']>> = { 3: 'CLIENT', 2: 'SERVER', 4: 'PRODUCER', 5: 'CONSUMER' };

function micros(v: unknown, where: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  throw new DecodeError(`${where}: expected integer microseconds, got ${v === undefined ? 'nothing' : quote(v)}`);
}

function optString(obj: Json, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new DecodeError(`${where}${key}: expected a string, got ${quote(v)}`);
  return v;
}

function endpoint(v: unknown, where: string): ZipkinEndpoint | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new DecodeError(`${where}: expected an object, got ${quote(v)}`);
  const port = v.port;
  if (port !== undefined && port !== null && !(typeof port === 'number' && Number.isInteger(port))) {
    throw new DecodeError(`${where}.port: expected an integer, got ${quote(port)}`);
  }
  return {
    serviceName: optString(v, 'serviceName', `${where}.`),
    ipv4: optString(v, 'ipv4', `${where}.`),
    ipv6: optString(v, 'ipv6', `${where}.`),
    port: typeof port === 'number' ? port : undefined,
  };
}

/** One Resource per distinct local endpoint (and one Scope per otel.scope.* pair), shared by their spans. */
class Interner extends ScopeInterner {
  private readonly resources = new Map<string, Resource>();

  resource(ep: ZipkinEndpoint | undefined): Resource {
    const key = JSON.stringify([ep?.serviceName, ep?.ipv4, ep?.ipv6, ep?.port]);
    let r = this.resources.get(key);
    if (!r) {
      const attributes: KeyValue[] = [];
      if (ep?.serviceName !== undefined) attributes.push({ key: 'service.name', value: ep.serviceName });
      if (ep?.ipv4 !== undefined) attributes.push({ key: ZIPKIN_ATTR.localIpv4, value: ep.ipv4 });
      if (ep?.ipv6 !== undefined) attributes.push({ key: ZIPKIN_ATTR.localIpv6, value: ep.ipv6 });
      if (ep?.port !== undefined) attributes.push({ key: ZIPKIN_ATTR.localPort, value: BigInt(ep.port) });
      this.resources.set(key, (r = { attributes, droppedAttributesCount: 0, schemaUrl: '' }));
    }
    return r;
  }

}

function decodeOne(v: unknown, where: string, interner: Interner): Span {
  if (!isObject(v)) throw new DecodeError(`${where}: expected a span object, got ${quote(v)}`);
  const traceId = optString(v, 'traceId', `${where}.`) ?? '';
  const id = optString(v, 'id', `${where}.`) ?? '';
  const parentId = optString(v, 'parentId', `${where}.`) ?? '';
  const start = micros(v.timestamp, `${where}.timestamp`) * 1000n;
  const hasDuration = v.duration !== undefined && v.duration !== null;
  const end = hasDuration ? start + micros(v.duration, `${where}.duration`) * 1000n : start;
  const kindName = optString(v, 'kind', `${where}.`);
  if (kindName !== undefined && !(kindName in KINDS)) {
    throw new DecodeError(`${where}.kind: expected CLIENT, SERVER, PRODUCER or CONSUMER, got ${quote(kindName)}`);
  }

  const attributes: KeyValue[] = [];
  const status: Span['status'] = { code: 0, message: '' };
  let statusDescription: string | undefined;
  let scopeName = '';
  let scopeVersion = '';
  if (v.tags !== undefined && v.tags !== null) {
    if (!isObject(v.tags)) throw new DecodeError(`${where}.tags: expected an object, got ${quote(v.tags)}`);
    for (const [key, value] of Object.entries(v.tags)) {
      if (typeof value !== 'string') throw new DecodeError(`${where}.tags.${key}: expected a string, got ${quote(value)}`);
      if (key === 'error') {
        status.code = 2;
        status.message = value;
      } else if (key === 'otel.status_code' && statusFromOtelTag(value) !== null) {
        if (status.code === 0) status.code = statusFromOtelTag(value)!;
      } else if (key === 'otel.status_description') statusDescription = value;
      else if (key === 'otel.scope.name') scopeName = value;
      else if (key === 'otel.scope.version') scopeVersion = value;
      else attributes.push({ key, value });
    }
  }
  if (status.message === '' && statusDescription !== undefined) status.message = statusDescription;

  const remote = endpoint(v.remoteEndpoint, `${where}.remoteEndpoint`);
  if (remote?.serviceName !== undefined) attributes.push({ key: PEER_SERVICE, value: remote.serviceName });
  if (remote?.ipv4 !== undefined) attributes.push({ key: PEER_ADDRESS, value: remote.ipv4 });
  if (remote?.ipv6 !== undefined) attributes.push({ key: remote.ipv4 === undefined ? PEER_ADDRESS : ZIPKIN_ATTR.remoteIpv6, value: remote.ipv6 });
  if (remote?.port !== undefined) attributes.push({ key: PEER_PORT, value: BigInt(remote.port) });
  if (v.shared === true) attributes.push({ key: ZIPKIN_ATTR.shared, value: true });
  if (v.debug === true) attributes.push({ key: ZIPKIN_ATTR.debug, value: true });
  if (!hasDuration) attributes.push({ key: ZIPKIN_ATTR.durationMissing, value: true });

  const annotations = v.annotations ?? [];
  if (!Array.isArray(annotations)) throw new DecodeError(`${where}.annotations: expected an array, got ${quote(annotations)}`);
  return {
    traceId: normalizeHexId(traceId, 32) ?? traceId,
    spanId: normalizeHexId(id, 16) ?? id,
    parentSpanId: parentId === '' ? '' : (normalizeHexId(parentId, 16) ?? parentId),
    traceState: '',
    flags: 0,
    name: optString(v, 'name', `${where}.`) ?? '',
    kind: kindName === undefined ? 1 : KINDS[kindName],
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    droppedAttributesCount: 0,
    events: annotations.map((a, i) => {
      const at = `${where}.annotations[${i}]`;
      if (!isObject(a)) throw new DecodeError(`${at}: expected an object, got ${quote(a)}`);
      return { timeUnixNano: micros(a.timestamp, `${at}.timestamp`) * 1000n, name: optString(a, 'value', `${at}.`) ?? '', attributes: [], droppedAttributesCount: 0 };
    }),
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status,
    resource: interner.resource(endpoint(v.localEndpoint, `${where}.localEndpoint`)),
    scope: interner.scope(scopeName, scopeVersion),
  };
}

function hasTimestamp(v: unknown): boolean {
  return isObject(v) && v.timestamp !== undefined && v.timestamp !== null;
}

function fragmentKey(v: Json): string {
  const local = isObject(v.localEndpoint) ? v.localEndpoint.serviceName : undefined;
  const lower = (x: unknown) => (typeof x === 'string' ? x.toLowerCase().replace(/^0+/, '') : x);
  return JSON.stringify([lower(v.traceId), lower(v.id), local]);
}

/**
 * Zipkin reporters may send a span in pieces, and only one piece carries the timestamp (Zipkin merges them on
 * read). Pieces without a timestamp are folded into the timed span with the same trace id, id and local service;
 * the timed piece wins where both have a value.
 */
function mergeFragments(entries: { v: unknown; where: string }[]): { v: unknown; where: string }[] {
  const timed = new Map<string, { v: unknown; where: string }>();
  for (const e of entries) if (hasTimestamp(e.v)) {
    const key = fragmentKey(e.v as Json);
    if (!timed.has(key)) timed.set(key, e);
  }
  const out: { v: unknown; where: string }[] = [];
  for (const e of entries) {
    const target = isObject(e.v) && !hasTimestamp(e.v) ? timed.get(fragmentKey(e.v)) : undefined;
    if (!target) {
      out.push(e);
      continue;
    }
    const piece = e.v as Json;
    const whole = target.v as Json;
    const merged: Json = { ...piece, ...Object.fromEntries(Object.entries(whole).filter(([, x]) => x !== undefined && x !== null)) };
    if (isObject(piece.tags) || isObject(whole.tags)) merged.tags = { ...(piece.tags as Json), ...(whole.tags as Json) };
    if (Array.isArray(piece.annotations)) merged.annotations = [...(Array.isArray(whole.annotations) ? whole.annotations : []), ...piece.annotations];
    if (whole.name === undefined || whole.name === '') merged.name = piece.name;
    target.v = merged;
  }
  return out;
}

/** Decodes Zipkin v2 JSON: an array of spans, or an array of traces (arrays of spans). */
export function decodeZipkinV2(doc: unknown): DecodeResult<Span> {
  if (!Array.isArray(doc)) {
    throw new DecodeError(`Zipkin v2 JSON: expected an array of spans or an array of traces, got ${doc === null ? 'null' : typeof doc}`);
  }
  const entries: { v: unknown; where: string }[] = [];
  doc.forEach((item, i) => {
    if (Array.isArray(item)) item.forEach((v, j) => entries.push({ v, where: `[${i}][${j}]` }));
    else entries.push({ v: item, where: `[${i}]` });
  });
  const out = emptyResult<Span>();
  const interner = new Interner();
  for (const { v, where } of mergeFragments(entries)) {
    try {
      const span = decodeOne(v, where, interner);
      const err = validateSpan(span);
      if (err === null) out.items.push(span);
      else reject(out, `${where}.${err}`);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      reject(out, e.message);
    }
  }
  return out;
}

// ---------- encoding ----------

/** Zipkin tags are strings; other attribute types are written the way they print. */
function tagText(value: AttrValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return bytesToBase64(value);
  if (value === null) return '';
  return JSON.stringify(attrValueToJson(value));
}

function lastIndexOf(attrs: readonly KeyValue[], key: string, test: (v: AttrValue) => boolean): number {
  for (let i = attrs.length - 1; i >= 0; i--) if (attrs[i].key === key && test(attrs[i].value)) return i;
  return -1;
}

const isString = (v: AttrValue) => typeof v === 'string';
const isBigint = (v: AttrValue) => typeof v === 'bigint';
const isTrue = (v: AttrValue) => v === true;

function localEndpoint(resource: Resource): ZipkinEndpoint | undefined {
  const ep: ZipkinEndpoint = {};
  for (const { key, value } of resource.attributes) {
    if (key === 'service.name' && typeof value === 'string') ep.serviceName = value;
    else if (key === ZIPKIN_ATTR.localIpv4 && typeof value === 'string') ep.ipv4 = value;
    else if (key === ZIPKIN_ATTR.localIpv6 && typeof value === 'string') ep.ipv6 = value;
    else if (key === ZIPKIN_ATTR.localPort && typeof value === 'bigint') ep.port = Number(value);
  }
  return Object.keys(ep).length > 0 ? ep : undefined;
}

function encodeOne(span: Span): ZipkinSpan {
  const attrs = span.attributes;
  // The last attribute of each endpoint/flag key is the structural one (decode appends them after the tags).
  const structural = new Set<number>();
  const take = (key: string, test: (v: AttrValue) => boolean): AttrValue | undefined => {
    const i = lastIndexOf(attrs, key, test);
    if (i < 0) return undefined;
    structural.add(i);
    return attrs[i].value;
  };
  const remote: ZipkinEndpoint = {};
  const peerService = take(PEER_SERVICE, isString);
  const address = take(PEER_ADDRESS, isString);
  const ipv6 = take(ZIPKIN_ATTR.remoteIpv6, isString);
  const port = take(PEER_PORT, isBigint);
  const shared = take(ZIPKIN_ATTR.shared, isTrue);
  const debug = take(ZIPKIN_ATTR.debug, isTrue);
  const durationMissing = take(ZIPKIN_ATTR.durationMissing, isTrue);
  if (peerService !== undefined) remote.serviceName = peerService as string;
  if (address !== undefined) {
    if ((address as string).includes(':')) remote.ipv6 = address as string;
    else remote.ipv4 = address as string;
  }
  if (ipv6 !== undefined) remote.ipv6 = ipv6 as string;
  if (port !== undefined) remote.port = Number(port);

  const tags: Record<string, string> = {};
  // defineProperty, because an attribute key is untrusted and may be `__proto__`.
  const setTag = (key: string, value: string) => Object.defineProperty(tags, key, { value, enumerable: true, writable: true, configurable: true });
  if (span.scope.name !== '') setTag('otel.scope.name', span.scope.name);
  if (span.scope.version !== '') setTag('otel.scope.version', span.scope.version);
  attrs.forEach((kv, i) => {
    if (!structural.has(i)) setTag(kv.key, tagText(kv.value));
  });
  if (span.status.code === 2) setTag('error', span.status.message);
  else {
    const statusTag = otelStatusTag(span.status.code);
    if (statusTag !== null) setTag('otel.status_code', statusTag);
  }

  const out: ZipkinSpan = {
    traceId: span.traceId.startsWith('0000000000000000') ? span.traceId.slice(16) : span.traceId,
    id: span.spanId,
    name: span.name,
    timestamp: Number(span.startTimeUnixNano / 1000n),
  };
  if (span.parentSpanId !== '') out.parentId = span.parentSpanId;
  const kind = KIND_NAMES[span.kind];
  if (kind) out.kind = kind;
  if (durationMissing === undefined) out.duration = Number((span.endTimeUnixNano - span.startTimeUnixNano) / 1000n);
  const local = localEndpoint(span.resource);
  if (local) out.localEndpoint = local;
  if (Object.keys(remote).length > 0) out.remoteEndpoint = remote;
  if (span.events.length > 0) {
    out.annotations = span.events.map((e) => ({ timestamp: Number(e.timeUnixNano / 1000n), value: e.name }));
  }
  if (Object.keys(tags).length > 0) out.tags = tags;
  if (debug) out.debug = true;
  if (shared) out.shared = true;
  return out;
}

/** Spans as Zipkin v2 JSON (an array of spans). Times are truncated to microseconds. */
export function encodeZipkinV2(spans: readonly Span[]): ZipkinSpan[] {
  return spans.map(encodeOne);
}
