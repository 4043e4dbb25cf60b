// OTLP protobuf codec (opentelemetry-proto field numbers). Decoding reads wire bytes straight into the canonical
// model — no generated classes, no intermediate message objects — because it is the ingest hot path (see bench/).
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
import { blankSpan } from './common.js';
import { emptyResult, reject, type DecodeResult } from './errors.js';
import { bytesToHex, hexToBytes } from './hex.js';
import { ProtoReader, ProtoWriter, tagOf, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './proto-wire.js';
import { validateLogRecord, validateSpan } from './validate.js';

/** Arrays and kvlists may nest; a hostile request must not be able to exhaust the stack. */
export const MAX_VALUE_DEPTH = 32;

const T_LEN1 = tagOf(1, WIRE_LEN);
const T_LEN2 = tagOf(2, WIRE_LEN);
const T_LEN3 = tagOf(3, WIRE_LEN);

// ---------- decoding: common.proto / resource.proto ----------

function readAnyValue(r: ProtoReader, depth: number): AttrValue {
  if (depth > MAX_VALUE_DEPTH) r.fail(`values nest deeper than ${MAX_VALUE_DEPTH} levels`);
  const outer = r.enter();
  let value: AttrValue = null;
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case tagOf(1, WIRE_LEN):
        value = r.string();
        break;
      case tagOf(2, WIRE_VARINT):
        value = r.uint32() !== 0;
        break;
      case tagOf(3, WIRE_VARINT):
        value = r.int64();
        break;
      case tagOf(4, WIRE_FIXED64):
        value = r.double();
        break;
      case tagOf(5, WIRE_LEN):
        value = readValueList(r, depth);
        break;
      case tagOf(6, WIRE_LEN): {
        const kv: KeyValue[] = [];
        readKeyValueList(r, kv, depth);
        value = { kvlist: kv };
        break;
      }
      case tagOf(7, WIRE_LEN):
        value = r.bytesCopy();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.leave(outer);
  return value;
}

function readValueList(r: ProtoReader, depth: number): AttrValue[] {
  const outer = r.enter();
  const values: AttrValue[] = [];
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === T_LEN1) values.push(readAnyValue(r, depth + 1));
    else r.skip(tag & 7);
  }
  r.leave(outer);
  return values;
}

function readKeyValueList(r: ProtoReader, into: KeyValue[], depth: number): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === T_LEN1) into.push(readKeyValue(r, depth + 1));
    else r.skip(tag & 7);
  }
  r.leave(outer);
}

function readKeyValue(r: ProtoReader, depth: number): KeyValue {
  const outer = r.enter();
  let key = '';
  let value: AttrValue = null;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === T_LEN1) key = r.string();
    else if (tag === T_LEN2) value = readAnyValue(r, depth);
    else r.skip(tag & 7);
  }
  r.leave(outer);
  return { key, value };
}

/** Fills `into` in place: the resource may follow its spans on the wire, and they already point at it. */
function readResource(r: ProtoReader, into: Resource): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === T_LEN1) into.attributes.push(readKeyValue(r, 0));
    else if (tag === tagOf(2, WIRE_VARINT)) into.droppedAttributesCount = r.uint32();
    else r.skip(tag & 7);
  }
  r.leave(outer);
}

function readScope(r: ProtoReader, into: Scope): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case T_LEN1:
        into.name = r.string();
        break;
      case T_LEN2:
        into.version = r.string();
        break;
      case T_LEN3:
        into.attributes.push(readKeyValue(r, 0));
        break;
      case tagOf(4, WIRE_VARINT):
        into.droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.leave(outer);
}

function readId(r: ProtoReader): string {
  const [start, end] = r.bytesView();
  return bytesToHex(r.buf, start, end);
}

function toSpanKind(v: number): SpanKind {
  return (v >= 0 && v <= 5 ? v : 0) as SpanKind;
}

function toStatusCode(v: number): StatusCode {
  return (v >= 0 && v <= 2 ? v : 0) as StatusCode;
}

// ---------- decoding: trace.proto ----------

function readEvent(r: ProtoReader): SpanEvent {
  const outer = r.enter();
  const ev: SpanEvent = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 };
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case tagOf(1, WIRE_FIXED64):
        ev.timeUnixNano = r.fixed64();
        break;
      case T_LEN2:
        ev.name = r.string();
        break;
      case T_LEN3:
        ev.attributes.push(readKeyValue(r, 0));
        break;
      case tagOf(4, WIRE_VARINT):
        ev.droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.leave(outer);
  return ev;
}

function readLink(r: ProtoReader): SpanLink {
  const outer = r.enter();
  const link: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 };
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case T_LEN1:
        link.traceId = readId(r);
        break;
      case T_LEN2:
        link.spanId = readId(r);
        break;
      case T_LEN3:
        link.traceState = r.string();
        break;
      case tagOf(4, WIRE_LEN):
        link.attributes.push(readKeyValue(r, 0));
        break;
      case tagOf(5, WIRE_VARINT):
        link.droppedAttributesCount = r.uint32();
        break;
      case tagOf(6, WIRE_FIXED32):
        link.flags = r.fixed32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.leave(outer);
  return link;
}

function readStatus(r: ProtoReader, span: Span): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === T_LEN2) span.status.message = r.string();
    else if (tag === tagOf(3, WIRE_VARINT)) span.status.code = toStatusCode(r.uint32() | 0);
    else r.skip(tag & 7);
  }
  r.leave(outer);
}

function readSpan(r: ProtoReader, resource: Resource, scope: Scope): Span {
  const outer = r.enter();
  const span = blankSpan(resource, scope);
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case T_LEN1:
        span.traceId = readId(r);
        break;
      case T_LEN2:
        span.spanId = readId(r);
        break;
      case T_LEN3:
        span.traceState = r.string();
        break;
      case tagOf(4, WIRE_LEN):
        span.parentSpanId = readId(r);
        break;
      case tagOf(5, WIRE_LEN):
        span.name = r.string();
        break;
      case tagOf(6, WIRE_VARINT):
        span.kind = toSpanKind(r.uint32() | 0);
        break;
      case tagOf(7, WIRE_FIXED64):
        span.startTimeUnixNano = r.fixed64();
        break;
      case tagOf(8, WIRE_FIXED64):
        span.endTimeUnixNano = r.fixed64();
        break;
      case tagOf(9, WIRE_LEN):
        span.attributes.push(readKeyValue(r, 0));
        break;
      case tagOf(10, WIRE_VARINT):
        span.droppedAttributesCount = r.uint32();
        break;
      case tagOf(11, WIRE_LEN):
        span.events.push(readEvent(r));
        break;
      case tagOf(12, WIRE_VARINT):
        span.droppedEventsCount = r.uint32();
        break;
      case tagOf(13, WIRE_LEN):
        span.links.push(readLink(r));
        break;
      case tagOf(14, WIRE_VARINT):
        span.droppedLinksCount = r.uint32();
        break;
      case tagOf(15, WIRE_LEN):
        readStatus(r, span);
        break;
      case tagOf(16, WIRE_FIXED32):
        span.flags = r.fixed32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.leave(outer);
  return span;
}

function readScopeSpans(r: ProtoReader, resource: Resource, path: string, out: DecodeResult<Span>): void {
  const outer = r.enter();
  const scope = emptyScope();
  let index = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === T_LEN2) {
      const span = readSpan(r, resource, scope);
      const err = validateSpan(span);
      if (err === null) out.items.push(span);
      else reject(out, `${path}.spans[${index}].${err}`);
      index++;
    } else if (tag === T_LEN1) readScope(r, scope);
    else if (tag === T_LEN3) scope.schemaUrl = r.string();
    else r.skip(tag & 7);
  }
  r.leave(outer);
}

function readResourceSpans(r: ProtoReader, path: string, out: DecodeResult<Span>): void {
  const outer = r.enter();
  const resource = emptyResource();
  let index = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === T_LEN2) readScopeSpans(r, resource, `${path}.scopeSpans[${index++}]`, out);
    else if (tag === T_LEN1) readResource(r, resource);
    else if (tag === T_LEN3) resource.schemaUrl = r.string();
    else r.skip(tag & 7);
  }
  r.leave(outer);
}

/** Decodes an ExportTraceServiceRequest. Throws DecodeError when the bytes are not a readable request. */
export function decodeTraceRequest(buf: Uint8Array): DecodeResult<Span> {
  const r = new ProtoReader(buf, 'ExportTraceServiceRequest');
  const out = emptyResult<Span>();
  let index = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === T_LEN1) readResourceSpans(r, `resourceSpans[${index++}]`, out);
    else r.skip(tag & 7);
  }
  return out;
}

// ---------- decoding: logs.proto ----------

function readLogRecord(r: ProtoReader, resource: Resource, scope: Scope): LogRecord {
  const outer = r.enter();
  const log: LogRecord = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: null,
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    resource,
    scope,
  };
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case tagOf(1, WIRE_FIXED64):
        log.timeUnixNano = r.fixed64();
        break;
      case tagOf(2, WIRE_VARINT):
        log.severityNumber = r.uint32() | 0;
        break;
      case T_LEN3:
        log.severityText = r.string();
        break;
      case tagOf(5, WIRE_LEN):
        log.body = readAnyValue(r, 0);
        break;
      case tagOf(6, WIRE_LEN):
        log.attributes.push(readKeyValue(r, 0));
        break;
      case tagOf(7, WIRE_VARINT):
        log.droppedAttributesCount = r.uint32();
        break;
      case tagOf(8, WIRE_FIXED32):
        log.flags = r.fixed32();
        break;
      case tagOf(9, WIRE_LEN):
        log.traceId = readId(r);
        break;
      case tagOf(10, WIRE_LEN):
        log.spanId = readId(r);
        break;
      case tagOf(11, WIRE_FIXED64):
        log.observedTimeUnixNano = r.fixed64();
        break;
      case tagOf(12, WIRE_LEN):
        log.eventName = r.string();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.leave(outer);
  return log;
}

/** Decodes an ExportLogsServiceRequest. Throws DecodeError when the bytes are not a readable request. */
export function decodeLogsRequest(buf: Uint8Array): DecodeResult<LogRecord> {
  const r = new ProtoReader(buf, 'ExportLogsServiceRequest');
  const out = emptyResult<LogRecord>();
  let ri = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag !== T_LEN1) {
      r.skip(tag & 7);
      continue;
    }
    const outerR = r.enter();
    const resource = emptyResource();
    let si = 0;
    while (r.pos < r.limit) {
      const rtag = r.tag();
      if (rtag === T_LEN1) readResource(r, resource);
      else if (rtag === T_LEN3) resource.schemaUrl = r.string();
      else if (rtag === T_LEN2) {
        const outerS = r.enter();
        const scope = emptyScope();
        let li = 0;
        while (r.pos < r.limit) {
          const stag = r.tag();
          if (stag === T_LEN1) readScope(r, scope);
          else if (stag === T_LEN3) scope.schemaUrl = r.string();
          else if (stag === T_LEN2) {
            const log = readLogRecord(r, resource, scope);
            const err = validateLogRecord(log);
            if (err === null) out.items.push(log);
            else reject(out, `resourceLogs[${ri}].scopeLogs[${si}].logRecords[${li}].${err}`);
            li++;
          } else r.skip(stag & 7);
        }
        r.leave(outerS);
        si++;
      } else r.skip(rtag & 7);
    }
    r.leave(outerR);
    ri++;
  }
  return out;
}

// ---------- encoding ----------

function writeAnyValue(w: ProtoWriter, field: number, value: AttrValue): void {
  const start = w.begin(field);
  if (typeof value === 'string') w.stringField(1, value);
  else if (typeof value === 'boolean') w.uint32Field(2, value ? 1 : 0);
  else if (typeof value === 'bigint') w.int64Field(3, value);
  else if (typeof value === 'number') w.doubleField(4, value);
  else if (value instanceof Uint8Array) w.bytesField(7, value);
  else if (Array.isArray(value)) {
    const list = w.begin(5);
    for (const v of value) writeAnyValue(w, 1, v);
    w.end(list);
  } else if (value !== null) {
    const list = w.begin(6);
    writeKeyValues(w, 1, value.kvlist);
    w.end(list);
  }
  w.end(start);
}

function writeKeyValues(w: ProtoWriter, field: number, kvs: readonly KeyValue[]): void {
  for (const kv of kvs) {
    const start = w.begin(field);
    w.stringField(1, kv.key);
    writeAnyValue(w, 2, kv.value);
    w.end(start);
  }
}

function writeString(w: ProtoWriter, field: number, s: string): void {
  if (s !== '') w.stringField(field, s);
}

function writeCount(w: ProtoWriter, field: number, n: number): void {
  if (n !== 0) w.uint32Field(field, n);
}

/** Ids that are not hex (opaque ids from imported Jaeger files) have no OTLP form: they travel as their UTF-8 bytes. */
function writeId(w: ProtoWriter, field: number, id: string): void {
  if (id === '') return;
  w.bytesField(field, hexToBytes(id) ?? new TextEncoder().encode(id));
}

function writeResource(w: ProtoWriter, resource: Resource): void {
  const start = w.begin(1);
  writeKeyValues(w, 1, resource.attributes);
  writeCount(w, 2, resource.droppedAttributesCount);
  w.end(start);
}

function writeScope(w: ProtoWriter, scope: Scope): void {
  const start = w.begin(1);
  writeString(w, 1, scope.name);
  writeString(w, 2, scope.version);
  writeKeyValues(w, 3, scope.attributes);
  writeCount(w, 4, scope.droppedAttributesCount);
  w.end(start);
}

function writeSpan(w: ProtoWriter, span: Span): void {
  const start = w.begin(2);
  writeId(w, 1, span.traceId);
  writeId(w, 2, span.spanId);
  writeString(w, 3, span.traceState);
  writeId(w, 4, span.parentSpanId);
  writeString(w, 5, span.name);
  if (span.kind !== 0) w.enumField(6, span.kind);
  w.fixed64Field(7, span.startTimeUnixNano);
  w.fixed64Field(8, span.endTimeUnixNano);
  writeKeyValues(w, 9, span.attributes);
  writeCount(w, 10, span.droppedAttributesCount);
  for (const ev of span.events) {
    const e = w.begin(11);
    w.fixed64Field(1, ev.timeUnixNano);
    writeString(w, 2, ev.name);
    writeKeyValues(w, 3, ev.attributes);
    writeCount(w, 4, ev.droppedAttributesCount);
    w.end(e);
  }
  writeCount(w, 12, span.droppedEventsCount);
  for (const link of span.links) {
    const l = w.begin(13);
    writeId(w, 1, link.traceId);
    writeId(w, 2, link.spanId);
    writeString(w, 3, link.traceState);
    writeKeyValues(w, 4, link.attributes);
    writeCount(w, 5, link.droppedAttributesCount);
    if (link.flags !== 0) w.fixed32Field(6, link.flags);
    w.end(l);
  }
  writeCount(w, 14, span.droppedLinksCount);
  if (span.status.code !== 0 || span.status.message !== '') {
    const s = w.begin(15);
    writeString(w, 2, span.status.message);
    if (span.status.code !== 0) w.enumField(3, span.status.code);
    w.end(s);
  }
  if (span.flags !== 0) w.fixed32Field(16, span.flags);
  w.end(start);
}

function writeLogRecord(w: ProtoWriter, log: LogRecord): void {
  const start = w.begin(2);
  if (log.timeUnixNano !== 0n) w.fixed64Field(1, log.timeUnixNano);
  if (log.severityNumber !== 0) w.enumField(2, log.severityNumber);
  writeString(w, 3, log.severityText);
  if (log.body !== null) writeAnyValue(w, 5, log.body);
  writeKeyValues(w, 6, log.attributes);
  writeCount(w, 7, log.droppedAttributesCount);
  if (log.flags !== 0) w.fixed32Field(8, log.flags);
  writeId(w, 9, log.traceId);
  writeId(w, 10, log.spanId);
  if (log.observedTimeUnixNano !== 0n) w.fixed64Field(11, log.observedTimeUnixNano);
  writeString(w, 12, log.eventName);
  w.end(start);
}

/** Groups items by Resource then Scope object identity, in order of first appearance. */
export function groupByResourceAndScope<T extends { resource: Resource; scope: Scope }>(
  items: readonly T[],
): Map<Resource, Map<Scope, T[]>> {
  const groups = new Map<Resource, Map<Scope, T[]>>();
  for (const item of items) {
    let byScope = groups.get(item.resource);
    if (!byScope) groups.set(item.resource, (byScope = new Map()));
    let list = byScope.get(item.scope);
    if (!list) byScope.set(item.scope, (list = []));
    list.push(item);
  }
  return groups;
}

function encodeRequest<T extends { resource: Resource; scope: Scope }>(
  items: readonly T[],
  writeItem: (w: ProtoWriter, item: T) => void,
): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter();
  for (const [resource, byScope] of groupByResourceAndScope(items)) {
    const rs = w.begin(1);
    writeResource(w, resource);
    for (const [scope, list] of byScope) {
      const ss = w.begin(2);
      writeScope(w, scope);
      for (const item of list) writeItem(w, item);
      writeString(w, 3, scope.schemaUrl);
      w.end(ss);
    }
    writeString(w, 3, resource.schemaUrl);
    w.end(rs);
  }
  return w.finish();
}

/** Encodes an ExportTraceServiceRequest; spans sharing Resource/Scope objects share one ResourceSpans/ScopeSpans. */
export function encodeTraceRequest(spans: readonly Span[]): Uint8Array<ArrayBuffer> {
  return encodeRequest(spans, writeSpan);
}

export function encodeLogsRequest(logs: readonly LogRecord[]): Uint8Array<ArrayBuffer> {
  return encodeRequest(logs, writeLogRecord);
}

/** Export*ServiceResponse: partial_success is left unset when everything was accepted, as OTLP asks. */
function encodeExportResponse(rejected: number, message: string): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter();
  if (rejected !== 0 || message !== '') {
    const ps = w.begin(1);
    if (rejected !== 0) w.int64Field(1, BigInt(rejected));
    writeString(w, 2, message);
    w.end(ps);
  }
  return w.finish();
}

/** ExportTraceServiceResponse { partial_success: { rejected_spans = 1, error_message = 2 } }. */
export function encodeExportTraceResponse(rejected: number, message: string): Uint8Array<ArrayBuffer> {
  return encodeExportResponse(rejected, message);
}

/** ExportLogsServiceResponse { partial_success: { rejected_log_records = 1, error_message = 2 } }. */
export function encodeExportLogsResponse(rejected: number, message: string): Uint8Array<ArrayBuffer> {
  return encodeExportResponse(rejected, message);
}
