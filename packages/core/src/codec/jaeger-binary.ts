// Jaeger's legacy senders: a `Batch` of jaeger.thrift in the binary protocol (jaeger-client's HTTP sender, `POST
// /api/traces` on :14268) and `jaeger.api_v2.PostSpansRequest` protobuf (gRPC CollectorService/PostSpans on
// :14250). Both are read into Jaeger's JSON model and decoded by decodeJaegerJson, so tags, span kind, status,
// scope, references and logs map to the canonical model one way, the way the Collector's Jaeger receiver does.
// The process tags get the receiver's two renames: `hostname` → `host.name`, `jaeger.version` →
// `opencensus.exporterversion: Jaeger-<version>`.
import { bytesToBase64 } from './base64.js';
import { bytesToHex, u64Hex } from './hex.js';
import { DecodeError, type DecodeResult } from './errors.js';
import { decodeJaegerJson, type JaegerKeyValue } from './jaeger-json.js';
import { ProtoReader, tagOf, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './proto-wire.js';
import { readStruct, type ThriftFields } from './thrift-binary.js';
import type { Json } from './common.js';
import type { Span } from '../model.js';

/** The Collector's process-tag renames. */
function processTags(tags: JaegerKeyValue[]): JaegerKeyValue[] {
  const has = (k: string) => tags.some((t) => t.key === k);
  return tags.flatMap((t): JaegerKeyValue[] => {
    if (t.key === 'hostname' && !has('host.name')) return [{ ...t, key: 'host.name' }];
    if (t.key === 'jaeger.version' && !has('opencensus.exporterversion')) return [{ key: 'opencensus.exporterversion', type: 'string', value: `Jaeger-${t.value}` }];
    return [t];
  });
}

interface JsonSpan extends Json {
  processID: string;
}

// ---------- jaeger.thrift ----------

/** Tag { 1 key, 2 TagType vType (STRING 0, DOUBLE 1, BOOL 2, LONG 3, BINARY 4), 3 vStr, 4 vDouble, 5 vBool, 6 vLong, 7 vBinary } */
function thriftTag(t: ThriftFields): JaegerKeyValue {
  const key = t.string(1, 'key', true)!;
  switch (t.int(2, 'vType')) {
    case 1:
      return { key, type: 'float64', value: t.double(4, 'vDouble') ?? 0 };
    case 2:
      return { key, type: 'bool', value: t.bool(5, 'vBool') ?? false };
    case 3:
      return { key, type: 'int64', value: (t.i64(6, 'vLong') ?? 0n).toString() };
    case 4:
      return { key, type: 'binary', value: bytesToBase64(t.bytes(7, 'vBinary') ?? new Uint8Array(0)) };
    case 0:
    case undefined:
      return { key, type: 'string', value: t.string(3, 'vStr') ?? '' };
    default:
      throw new DecodeError(`tag ${JSON.stringify(key)}: unknown vType ${t.int(2, 'vType')}`);
  }
}

/**
 * Span { 1 traceIdLow, 2 traceIdHigh, 3 spanId, 4 parentSpanId, 5 operationName, 6 list<SpanRef> references,
 * 7 flags, 8 startTime (µs), 9 duration (µs), 10 list<Tag> tags, 11 list<Log> logs }
 */
function thriftSpan(s: ThriftFields): JsonSpan {
  const traceId = u64Hex(s.i64(2, 'traceIdHigh', true)!) + u64Hex(s.i64(1, 'traceIdLow', true)!);
  const parent = s.i64(4, 'parentSpanId') ?? 0n;
  // SpanRef { 1 SpanRefType refType (CHILD_OF 0, FOLLOWS_FROM 1), 2 traceIdLow, 3 traceIdHigh, 4 spanId }
  const references = s.structs(6, 'references').map((r) => ({
    refType: r.int(1, 'refType') === 1 ? 'FOLLOWS_FROM' : 'CHILD_OF',
    traceID: u64Hex(r.i64(3, 'traceIdHigh', true)!) + u64Hex(r.i64(2, 'traceIdLow', true)!),
    spanID: u64Hex(r.i64(4, 'spanId', true)!),
  }));
  // parentSpanId names the parent when the references do not (Jaeger's own thrift conversion adds it first).
  if (parent !== 0n && !references.some((r) => r.spanID === u64Hex(parent) && r.traceID === traceId)) {
    references.unshift({ refType: 'CHILD_OF', traceID: traceId, spanID: u64Hex(parent) });
  }
  return {
    traceID: traceId,
    spanID: u64Hex(s.i64(3, 'spanId', true)!),
    operationName: s.string(5, 'operationName') ?? '',
    references,
    flags: s.int(7, 'flags') ?? 0,
    startTime: (s.i64(8, 'startTime', true)!).toString(),
    duration: (s.i64(9, 'duration') ?? 0n).toString(),
    tags: s.structs(10, 'tags').map(thriftTag),
    // Log { 1 timestamp (µs), 2 list<Tag> fields }
    logs: s.structs(11, 'logs').map((l) => ({ timestamp: (l.i64(1, 'timestamp') ?? 0n).toString(), fields: l.structs(2, 'fields').map(thriftTag) })),
    processID: 'p',
  };
}

/** A jaeger.thrift Batch { 1 Process process, 2 list<Span> spans, 3 seqNo, 4 stats }, as the HTTP sender posts it. */
export function decodeJaegerThriftBatch(buf: Uint8Array): DecodeResult<Span> {
  const batch = readStruct(buf, 'the jaeger.thrift body', 'Batch');
  // Process { 1 serviceName, 2 list<Tag> tags }
  const process = batch.struct(1, 'process');
  if (!process) throw new DecodeError('Batch.process: required (the service name of the spans)');
  const spans = batch.structs(2, 'spans').map(thriftSpan);
  return decodeJaegerJson({
    spans,
    processes: { p: { serviceName: process.string(1, 'serviceName') ?? '', tags: processTags(process.structs(2, 'tags').map(thriftTag)) } },
  });
}

// ---------- jaeger.api_v2 protobuf ----------

const PROTO_TYPES = ['string', 'bool', 'int64', 'float64', 'binary'] as const;

/** KeyValue { 1 key, 2 ValueType v_type, 3 v_str, 4 v_bool, 5 v_int64, 6 v_float64, 7 v_binary } */
function protoTag(r: ProtoReader): JaegerKeyValue {
  const outer = r.enter();
  let key = '';
  let type = 0;
  let str = '';
  let bool = false;
  let int = 0n;
  let float = 0;
  let binary: Uint8Array = new Uint8Array(0);
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case tagOf(1, WIRE_LEN):
        key = r.string();
        break;
      case tagOf(2, WIRE_VARINT):
        type = r.uint32();
        break;
      case tagOf(3, WIRE_LEN):
        str = r.string();
        break;
      case tagOf(4, WIRE_VARINT):
        bool = r.uint32() !== 0;
        break;
      case tagOf(5, WIRE_VARINT):
        int = r.int64();
        break;
      case tagOf(6, WIRE_FIXED64):
        float = r.double();
        break;
      case tagOf(7, WIRE_LEN):
        binary = r.bytesCopy();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.leave(outer);
  const t = PROTO_TYPES[type];
  if (t === undefined) throw new DecodeError(`tag ${JSON.stringify(key)}: unknown v_type ${type}`);
  const value = t === 'string' ? str : t === 'bool' ? bool : t === 'int64' ? int.toString() : t === 'float64' ? float : bytesToBase64(binary);
  return { key, type: t, value };
}

/** google.protobuf.Timestamp / Duration { 1 int64 seconds, 2 int32 nanos } as nanoseconds. */
function protoNanos(r: ProtoReader): bigint {
  const outer = r.enter();
  let seconds = 0n;
  let nanos = 0n;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === tagOf(1, WIRE_VARINT)) seconds = r.int64();
    else if (tag === tagOf(2, WIRE_VARINT)) nanos = r.int64();
    else r.skip(tag & 7);
  }
  r.leave(outer);
  return seconds * 1_000_000_000n + nanos;
}

interface ProtoProcess {
  serviceName: string;
  tags: JaegerKeyValue[];
}

/** Process { 1 service_name, 2 repeated KeyValue tags } */
function protoProcess(r: ProtoReader): ProtoProcess {
  const outer = r.enter();
  const p: ProtoProcess = { serviceName: '', tags: [] };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === tagOf(1, WIRE_LEN)) p.serviceName = r.string();
    else if (tag === tagOf(2, WIRE_LEN)) p.tags.push(protoTag(r));
    else r.skip(tag & 7);
  }
  r.leave(outer);
  return p;
}

/**
 * Span { 1 trace_id, 2 span_id, 3 operation_name, 4 repeated SpanRef { 1 trace_id, 2 span_id, 3 ref_type },
 * 5 flags, 6 start_time, 7 duration, 8 repeated KeyValue tags, 9 repeated Log { 1 timestamp, 2 fields },
 * 10 Process process, 11 process_id, 12 warnings }
 */
function protoSpan(r: ProtoReader): { span: JsonSpan; process?: ProtoProcess } {
  const outer = r.enter();
  const span: JsonSpan = { traceID: '', spanID: '', operationName: '', references: [], tags: [], logs: [], processID: '' };
  let process: ProtoProcess | undefined;
  const refs: Json[] = [];
  const tags: JaegerKeyValue[] = [];
  const logs: Json[] = [];
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case tagOf(1, WIRE_LEN):
        span.traceID = bytesToHex(r.bytesCopy());
        break;
      case tagOf(2, WIRE_LEN):
        span.spanID = bytesToHex(r.bytesCopy());
        break;
      case tagOf(3, WIRE_LEN):
        span.operationName = r.string();
        break;
      case tagOf(4, WIRE_LEN): {
        const o = r.enter();
        const ref: Json = { refType: 'CHILD_OF' };
        while (r.pos < r.limit) {
          const t = r.tag();
          if (t === tagOf(1, WIRE_LEN)) ref.traceID = bytesToHex(r.bytesCopy());
          else if (t === tagOf(2, WIRE_LEN)) ref.spanID = bytesToHex(r.bytesCopy());
          else if (t === tagOf(3, WIRE_VARINT)) ref.refType = r.uint32() === 1 ? 'FOLLOWS_FROM' : 'CHILD_OF';
          else r.skip(t & 7);
        }
        r.leave(o);
        refs.push(ref);
        break;
      }
      case tagOf(5, WIRE_VARINT):
        span.flags = r.uint32();
        break;
      case tagOf(6, WIRE_LEN):
        span.startTimeNano = protoNanos(r);
        break;
      case tagOf(7, WIRE_LEN):
        span.durationNano = protoNanos(r);
        break;
      case tagOf(8, WIRE_LEN):
        tags.push(protoTag(r));
        break;
      case tagOf(9, WIRE_LEN): {
        const o = r.enter();
        const log: Json = { timestampNano: 0n, fields: [] as JaegerKeyValue[] };
        while (r.pos < r.limit) {
          const t = r.tag();
          if (t === tagOf(1, WIRE_LEN)) log.timestampNano = protoNanos(r);
          else if (t === tagOf(2, WIRE_LEN)) (log.fields as JaegerKeyValue[]).push(protoTag(r));
          else r.skip(t & 7);
        }
        r.leave(o);
        logs.push(log);
        break;
      }
      case tagOf(10, WIRE_LEN):
        process = protoProcess(r);
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.leave(outer);
  // Jaeger's model: the parent is the first CHILD_OF reference in the same trace, else the first FOLLOWS_FROM one.
  const sameTrace = (x: Json) => x.traceID === undefined || x.traceID === span.traceID;
  const parent = refs.find((x) => sameTrace(x) && x.refType === 'CHILD_OF') ?? refs.find((x) => sameTrace(x) && x.refType === 'FOLLOWS_FROM');
  span.references = parent ? [parent, ...refs.filter((x) => x !== parent)] : refs;
  span.tags = tags;
  span.logs = logs;
  return { span, process };
}

/** PostSpansRequest { 1 Batch { 1 repeated Span spans, 2 Process process } }: a span's own process wins over the batch's. */
export function decodeJaegerPostSpans(buf: Uint8Array): DecodeResult<Span> {
  const r = new ProtoReader(buf, 'the jaeger.api_v2.PostSpansRequest');
  const spans: JsonSpan[] = [];
  const processes: Record<string, ProtoProcess> = {};
  let batchProcess: ProtoProcess | undefined;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag !== tagOf(1, WIRE_LEN)) {
      r.skip(tag & 7);
      continue;
    }
    const outer = r.enter();
    while (r.pos < r.limit) {
      const t = r.tag();
      if (t === tagOf(1, WIRE_LEN)) {
        const { span, process } = protoSpan(r);
        if (process) {
          span.processID = `s${spans.length}`;
          processes[span.processID] = process;
        } else span.processID = 'batch';
        spans.push(span);
      } else if (t === tagOf(2, WIRE_LEN)) batchProcess = protoProcess(r);
      else r.skip(t & 7);
    }
    r.leave(outer);
  }
  if (batchProcess) processes.batch = batchProcess;
  for (const p of Object.values(processes)) p.tags = processTags(p.tags);
  return decodeJaegerJson({ spans, processes });
}
