// The other Zipkin wire forms the Collector's Zipkin receiver accepts: v1 JSON and v1 Thrift (`POST /api/v1/spans`)
// and v2 protobuf (`application/x-protobuf` on /api/v2/spans). Each is read into Zipkin v2 JSON spans and decoded
// by decodeZipkinV2, so the model has one Zipkin mapping. v1 spans become v2 spans the way Zipkin's own
// V1SpanConverter does it: the core annotations (cs, sr, ss, cr, ms, mr) give kind, local endpoint, timestamp and
// duration, one v1 span carrying both cs and sr is split into a client span and a shared server span, the
// address annotations (sa, ca, ma) give the remote endpoint, and other binary annotations become tags.
import { bytesToBase64 } from './base64.js';
import { isObject, type Json } from './common.js';
import { DecodeError, quote, reject, type DecodeResult } from './errors.js';
import { bytesToHex, u64Hex } from './hex.js';
import { ProtoReader, tagOf, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './proto-wire.js';
import { readStructList, type ThriftFields } from './thrift-binary.js';
import { decodeZipkinV2, type ZipkinEndpoint } from './zipkin.js';
import type { Span } from '../model.js';

/** A v1 span as Zipkin's v1 JSON writes it (the Thrift form is read into the same shape). */
interface V1Annotation {
  timestamp: number;
  value: string;
  endpoint?: ZipkinEndpoint;
}
interface V1BinaryAnnotation {
  key: string;
  value: string | boolean;
  endpoint?: ZipkinEndpoint;
}
interface V1Span {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  timestamp?: number;
  duration?: number;
  debug?: boolean;
  annotations: V1Annotation[];
  binaryAnnotations: V1BinaryAnnotation[];
}

const CORE = new Set(['cs', 'sr', 'ss', 'cr', 'ms', 'mr', 'ws', 'wr']);
const ADDRESS = new Set(['ca', 'sa', 'ma']);

/** 16 address bytes as eight hex groups (Zipkin's endpoint parser reads any IPv6 text form). */
function ipv6Text(b: Uint8Array): string {
  return Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(':');
}

// ---------- v1 → v2 ----------

/** Zipkin's V1SpanConverter, for one v1 span: one v2 span, or two for a span both sides reported. */
function v1ToV2(s: V1Span): Json[] {
  const byValue = new Map<string, V1Annotation>();
  for (const a of s.annotations) if (CORE.has(a.value) && !byValue.has(a.value)) byValue.set(a.value, a);
  const cs = byValue.get('cs');
  const sr = byValue.get('sr');
  const ss = byValue.get('ss');
  const cr = byValue.get('cr');
  const ms = byValue.get('ms');
  const mr = byValue.get('mr');
  const ws = byValue.get('ws');
  const wr = byValue.get('wr');
  const base = (): Json => ({ traceId: s.traceId, id: s.id, parentId: s.parentId, name: s.name, debug: s.debug || undefined });
  const first = base();
  const out: Json[] = [first];
  let server: Json | undefined;

  if (cs && sr) {
    // Both sides reported one span: the client half owns the v1 timestamp, the server half is shared.
    Object.assign(first, { kind: 'CLIENT', localEndpoint: cs.endpoint, timestamp: s.timestamp ?? cs.timestamp, duration: s.duration ?? (cr ? cr.timestamp - cs.timestamp : undefined) });
    server = { ...base(), kind: 'SERVER', shared: true, localEndpoint: sr.endpoint, timestamp: sr.timestamp, duration: ss ? ss.timestamp - sr.timestamp : undefined };
    out.push(server);
  } else if (cs || cr) {
    const start = cs?.timestamp;
    Object.assign(first, { kind: 'CLIENT', localEndpoint: (cs ?? cr)!.endpoint, timestamp: s.timestamp ?? start, duration: s.duration ?? (cs && cr ? cr.timestamp - cs.timestamp : undefined) });
  } else if (sr || ss) {
    // A server span that did not start the trace recorded no v1 timestamp: it joined the caller's span.
    Object.assign(first, { kind: 'SERVER', localEndpoint: (sr ?? ss)!.endpoint, timestamp: s.timestamp ?? sr?.timestamp, duration: s.duration ?? (sr && ss ? ss.timestamp - sr.timestamp : undefined) });
    if (s.timestamp === undefined && s.parentId !== undefined) first.shared = true;
  } else if (ms) {
    // A message send (ms) until it was on the wire (ws); a consumer from the wire (wr) until it was received (mr).
    Object.assign(first, { kind: 'PRODUCER', localEndpoint: ms.endpoint, timestamp: s.timestamp ?? ms.timestamp, duration: s.duration ?? (ws ? ws.timestamp - ms.timestamp : undefined) });
  } else if (mr) {
    const start = wr ?? mr;
    Object.assign(first, { kind: 'CONSUMER', localEndpoint: mr.endpoint, timestamp: s.timestamp ?? start.timestamp, duration: s.duration ?? (wr ? mr.timestamp - wr.timestamp : undefined) });
  } else {
    Object.assign(first, { timestamp: s.timestamp, duration: s.duration });
  }
  if (first.timestamp === undefined && s.annotations.length > 0) first.timestamp = Math.min(...s.annotations.map((a) => a.timestamp));

  const annotations: { timestamp: number; value: string }[] = [];
  for (const a of s.annotations) {
    if (CORE.has(a.value)) continue;
    annotations.push({ timestamp: a.timestamp, value: a.value });
    first.localEndpoint ??= a.endpoint;
  }
  if (annotations.length > 0) first.annotations = annotations;

  const tags: Record<string, string> = {};
  for (const b of s.binaryAnnotations) {
    if (ADDRESS.has(b.key) && b.value === true && b.endpoint) {
      // sa names the server a client called; ca the client that called a server; ma the message broker.
      if (b.key === 'ca' && server) server.remoteEndpoint = b.endpoint;
      else if (b.key === 'ca' && first.kind === 'SERVER') first.remoteEndpoint = b.endpoint;
      else if (b.key === 'sa' && first.kind === undefined) Object.assign(first, { kind: 'CLIENT', remoteEndpoint: b.endpoint });
      else if (b.key === 'sa' && first.kind === 'CLIENT') first.remoteEndpoint = b.endpoint;
      else if (b.key === 'ma' && (first.kind === 'PRODUCER' || first.kind === 'CONSUMER')) first.remoteEndpoint = b.endpoint;
      continue;
    }
    const target = server && b.endpoint && sameService(b.endpoint, server.localEndpoint as ZipkinEndpoint | undefined) ? server : first;
    if (target === first) tags[b.key] = String(b.value);
    else ((server!.tags ??= {}) as Record<string, string>)[b.key] = String(b.value);
    target.localEndpoint ??= b.endpoint;
  }
  if (Object.keys(tags).length > 0) first.tags = tags;
  return out;
}

function sameService(a: ZipkinEndpoint, b: ZipkinEndpoint | undefined): boolean {
  return b !== undefined && a.serviceName !== undefined && a.serviceName === b.serviceName;
}

/** Reads each item into a v1 span (one that cannot be read is rejected with its sentence) and decodes them all. */
function decodeV1<T>(items: readonly T[], read: (item: T, where: string) => V1Span): DecodeResult<Span> {
  const spans: V1Span[] = [];
  const bad: string[] = [];
  items.forEach((item, i) => {
    try {
      spans.push(read(item, `[${i}]`));
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      bad.push(e.message);
    }
  });
  const out = decodeZipkinV2(spans.flatMap(v1ToV2));
  for (const message of bad) reject(out, message);
  return out;
}

// ---------- v1 JSON ----------

function endpointJson(v: unknown, where: string): ZipkinEndpoint | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new DecodeError(`${where}: expected an endpoint object, got ${quote(v)}`);
  return v as ZipkinEndpoint;
}

function v1SpanJson(v: unknown, where: string): V1Span {
  if (!isObject(v)) throw new DecodeError(`${where}: expected a span object, got ${quote(v)}`);
  const str = (key: string, required: boolean): string | undefined => {
    const x = v[key];
    if (x === undefined || x === null) {
      if (required) throw new DecodeError(`${where}.${key}: required`);
      return undefined;
    }
    if (typeof x !== 'string') throw new DecodeError(`${where}.${key}: expected a string, got ${quote(x)}`);
    return x;
  };
  const num = (x: unknown, at: string): number | undefined => {
    if (x === undefined || x === null) return undefined;
    if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return x;
    if (typeof x === 'string' && /^\d+$/.test(x)) return Number(x);
    throw new DecodeError(`${at}: expected integer microseconds, got ${quote(x)}`);
  };
  const list = (key: string): unknown[] => {
    const x = v[key];
    if (x === undefined || x === null) return [];
    if (!Array.isArray(x)) throw new DecodeError(`${where}.${key}: expected an array, got ${quote(x)}`);
    return x;
  };
  return {
    traceId: str('traceId', true)!,
    id: str('id', true)!,
    parentId: str('parentId', false),
    name: str('name', false) ?? '',
    timestamp: num(v.timestamp, `${where}.timestamp`),
    duration: num(v.duration, `${where}.duration`),
    debug: v.debug === true,
    annotations: list('annotations').map((a, i) => {
      const at = `${where}.annotations[${i}]`;
      if (!isObject(a) || typeof a.value !== 'string') throw new DecodeError(`${at}: expected {timestamp, value, endpoint}, got ${quote(a)}`);
      return { timestamp: num(a.timestamp, `${at}.timestamp`) ?? 0, value: a.value, endpoint: endpointJson(a.endpoint, `${at}.endpoint`) };
    }),
    binaryAnnotations: list('binaryAnnotations').map((b, i) => {
      const at = `${where}.binaryAnnotations[${i}]`;
      if (!isObject(b) || typeof b.key !== 'string') throw new DecodeError(`${at}: expected {key, value, endpoint}, got ${quote(b)}`);
      const value = typeof b.value === 'boolean' ? b.value : typeof b.value === 'string' || typeof b.value === 'number' ? String(b.value) : undefined;
      if (value === undefined) throw new DecodeError(`${at}.value: expected a string, number or boolean, got ${quote(b.value)}`);
      return { key: b.key, value, endpoint: endpointJson(b.endpoint, `${at}.endpoint`) };
    }),
  };
}

/** Zipkin v1 JSON: an array of v1 spans. Spans that cannot be read are rejected one by one. */
export function decodeZipkinV1Json(doc: unknown): DecodeResult<Span> {
  if (!Array.isArray(doc)) throw new DecodeError(`Zipkin v1 JSON: expected an array of spans, got ${doc === null ? 'null' : typeof doc}`);
  return decodeV1(doc, v1SpanJson);
}

// ---------- v1 Thrift (zipkinCore.thrift) ----------

/** Endpoint { 1: i32 ipv4, 2: i16 port, 3: string service_name, 4: optional binary ipv6 } */
function endpointThrift(e: ThriftFields | undefined): ZipkinEndpoint | undefined {
  if (!e) return undefined;
  const out: ZipkinEndpoint = {};
  const service = e.string(3, 'service_name');
  if (service !== undefined && service !== '') out.serviceName = service;
  const ipv4 = e.int(1, 'ipv4');
  if (ipv4 !== undefined && ipv4 !== 0) out.ipv4 = [24, 16, 8, 0].map((s) => (ipv4 >>> s) & 255).join('.');
  const port = e.int(2, 'port');
  if (port !== undefined && port !== 0) out.port = port & 0xffff;
  const ipv6 = e.bytes(4, 'ipv6');
  if (ipv6 !== undefined && ipv6.length === 16) out.ipv6 = ipv6Text(ipv6);
  return out;
}

const utf8 = new TextDecoder();

/** BinaryAnnotation's value by AnnotationType: BOOL 0, BYTES 1, I16 2, I32 3, I64 4, DOUBLE 5, STRING 6. */
function binaryValue(bytes: Uint8Array, type: number, where: string): string | boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number) => {
    if (bytes.length !== n) throw new DecodeError(`${where}.value: expected ${n} bytes for its type, got ${bytes.length}`);
  };
  switch (type) {
    case 0:
      need(1);
      return bytes[0] !== 0;
    case 1:
      return bytesToBase64(bytes);
    case 2:
      need(2);
      return String(view.getInt16(0));
    case 3:
      need(4);
      return String(view.getInt32(0));
    case 4:
      need(8);
      return String(view.getBigInt64(0));
    case 5:
      need(8);
      return String(view.getFloat64(0));
    case 6:
      return utf8.decode(bytes);
    default:
      throw new DecodeError(`${where}.annotation_type: unknown type ${type}`);
  }
}

/**
 * Span { 1: i64 trace_id, 3: string name, 4: i64 id, 5: optional i64 parent_id, 6: list<Annotation> annotations,
 * 8: list<BinaryAnnotation> binary_annotations, 9: optional bool debug, 10: optional i64 timestamp,
 * 11: optional i64 duration, 12: optional i64 trace_id_high }
 */
function v1SpanThrift(s: ThriftFields, where: string): V1Span {
  const traceLow = s.i64(1, 'trace_id', true)!;
  const high = s.i64(12, 'trace_id_high');
  const parent = s.i64(5, 'parent_id');
  const micros = (v: bigint | undefined) => (v === undefined ? undefined : Number(v));
  return {
    traceId: (high !== undefined && high !== 0n ? u64Hex(high) : '') + u64Hex(traceLow),
    id: u64Hex(s.i64(4, 'id', true)!),
    parentId: parent !== undefined && parent !== 0n ? u64Hex(parent) : undefined,
    name: s.string(3, 'name') ?? '',
    timestamp: micros(s.i64(10, 'timestamp')),
    duration: micros(s.i64(11, 'duration')),
    debug: s.bool(9, 'debug') === true,
    // Annotation { 1: i64 timestamp, 2: string value, 3: optional Endpoint host }
    annotations: s.structs(6, 'annotations').map((a) => ({
      timestamp: Number(a.i64(1, 'timestamp') ?? 0n),
      value: a.string(2, 'value') ?? '',
      endpoint: endpointThrift(a.struct(3, 'host')),
    })),
    // BinaryAnnotation { 1: string key, 2: binary value, 3: AnnotationType annotation_type, 4: optional Endpoint host }
    binaryAnnotations: s.structs(8, 'binary_annotations').map((b, i) => ({
      key: b.string(1, 'key') ?? '',
      value: binaryValue(b.bytes(2, 'value') ?? new Uint8Array(0), b.int(3, 'annotation_type') ?? 6, `${where}.binary_annotations[${i}]`),
      endpoint: endpointThrift(b.struct(4, 'host')),
    })),
  };
}

/** Zipkin v1 Thrift: a list<Span> in the binary protocol, as Zipkin's collectors accept it. */
export function decodeZipkinV1Thrift(buf: Uint8Array): DecodeResult<Span> {
  return decodeV1(readStructList(buf, 'the Zipkin v1 Thrift body'), v1SpanThrift);
}

// ---------- v2 protobuf (zipkin.proto) ----------

const PROTO_KINDS = [undefined, 'CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'] as const;

/** Endpoint { 1 service_name, 2 ipv4 (4 bytes), 3 ipv6 (16 bytes), 4 port } */
function endpointProto(r: ProtoReader): ZipkinEndpoint {
  const outer = r.enter();
  const e: ZipkinEndpoint = {};
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case tagOf(1, WIRE_LEN):
        e.serviceName = r.string();
        break;
      case tagOf(2, WIRE_LEN): {
        const b = r.bytesCopy();
        if (b.length === 4) e.ipv4 = Array.from(b).join('.');
        break;
      }
      case tagOf(3, WIRE_LEN): {
        const b = r.bytesCopy();
        if (b.length === 16) e.ipv6 = ipv6Text(b);
        break;
      }
      case tagOf(4, WIRE_VARINT):
        e.port = r.uint32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.leave(outer);
  return e;
}

/**
 * Span { 1 trace_id, 2 parent_id, 3 id, 4 kind, 5 name, 6 fixed64 timestamp, 7 uint64 duration, 8 local_endpoint,
 * 9 remote_endpoint, 10 repeated Annotation { 1 fixed64 timestamp, 2 value }, 11 map<string,string> tags,
 * 12 bool debug, 13 bool shared }
 */
function spanProto(r: ProtoReader): Json {
  const outer = r.enter();
  const s: Json = {};
  const tags: Record<string, string> = {};
  const annotations: { timestamp: number; value: string }[] = [];
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case tagOf(1, WIRE_LEN):
        s.traceId = bytesToHex(r.bytesCopy());
        break;
      case tagOf(2, WIRE_LEN):
        s.parentId = bytesToHex(r.bytesCopy());
        break;
      case tagOf(3, WIRE_LEN):
        s.id = bytesToHex(r.bytesCopy());
        break;
      case tagOf(4, WIRE_VARINT):
        s.kind = PROTO_KINDS[r.uint32()];
        break;
      case tagOf(5, WIRE_LEN):
        s.name = r.string();
        break;
      case tagOf(6, WIRE_FIXED64):
        s.timestamp = r.fixed64().toString();
        break;
      case tagOf(7, WIRE_VARINT):
        s.duration = r.int64().toString();
        break;
      case tagOf(8, WIRE_LEN):
        s.localEndpoint = endpointProto(r);
        break;
      case tagOf(9, WIRE_LEN):
        s.remoteEndpoint = endpointProto(r);
        break;
      case tagOf(10, WIRE_LEN): {
        const e = r.enter();
        let timestamp = 0;
        let value = '';
        while (r.pos < r.limit) {
          const t = r.tag();
          if (t === tagOf(1, WIRE_FIXED64)) timestamp = Number(r.fixed64());
          else if (t === tagOf(2, WIRE_LEN)) value = r.string();
          else r.skip(t & 7);
        }
        r.leave(e);
        annotations.push({ timestamp, value });
        break;
      }
      case tagOf(11, WIRE_LEN): {
        const e = r.enter();
        let key = '';
        let value = '';
        while (r.pos < r.limit) {
          const t = r.tag();
          if (t === tagOf(1, WIRE_LEN)) key = r.string();
          else if (t === tagOf(2, WIRE_LEN)) value = r.string();
          else r.skip(t & 7);
        }
        r.leave(e);
        tags[key] = value;
        break;
      }
      case tagOf(12, WIRE_VARINT):
        s.debug = r.uint32() !== 0;
        break;
      case tagOf(13, WIRE_VARINT):
        s.shared = r.uint32() !== 0;
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.leave(outer);
  if (annotations.length > 0) s.annotations = annotations;
  if (Object.keys(tags).length > 0) s.tags = tags;
  return s;
}

/** Zipkin v2 protobuf: ListOfSpans { repeated Span spans = 1 }. */
export function decodeZipkinV2Proto(buf: Uint8Array): DecodeResult<Span> {
  const r = new ProtoReader(buf, 'the Zipkin v2 protobuf body');
  const spans: Json[] = [];
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === tagOf(1, WIRE_LEN)) spans.push(spanProto(r));
    else r.skip(tag & 7);
  }
  return decodeZipkinV2(spans);
}
