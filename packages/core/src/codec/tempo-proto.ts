// Tempo's search messages (package tempopb): the JSON shapes its HTTP API answers in, and the protobuf of the
// same messages that its StreamingQuerier gRPC service streams (Grafana's Tempo data source with streaming on).
// Field numbers are those of Tempo's pkg/tempopb/tempo.proto; attributes are OTLP common.v1.KeyValue.
import { ProtoReader, ProtoWriter, tagOf, WIRE_LEN, WIRE_VARINT } from './proto-wire.js';

/** OTLP AnyValue in protojson: int64 as a decimal string. */
export interface TempoAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
}

export interface TempoKeyValue {
  key: string;
  value: TempoAnyValue;
}

export interface TempoSpan {
  spanID: string;
  name: string;
  startTimeUnixNano: string;
  durationNanos: string;
  attributes: TempoKeyValue[];
}

export interface TempoSpanSet {
  spans: TempoSpan[];
  matched: number;
  attributes?: TempoKeyValue[];
}

export interface TempoTraceSearchMetadata {
  traceID: string;
  rootServiceName: string;
  rootTraceName: string;
  startTimeUnixNano: string;
  durationMs: number;
  spanSet: TempoSpanSet | undefined;
  spanSets: TempoSpanSet[];
  serviceStats: Record<string, { spanCount: number; errorCount?: number }>;
}

export interface TempoSearchMetrics {
  inspectedTraces: number;
  inspectedSpans: string;
  inspectedBytes: string;
  completedJobs: number;
  totalJobs: number;
  /** map<string, int64>: decimal strings. */
  additionalMetrics: Record<string, string>;
}

export interface TempoSearchResponse {
  traces: TempoTraceSearchMetadata[];
  metrics: TempoSearchMetrics;
}

export interface TempoExemplar {
  labels: TempoKeyValue[];
  value: number;
  timestampMs: string;
}

export interface TempoTimeSeries {
  labels: TempoKeyValue[];
  samples: { timestampMs: string; value: number }[];
  exemplars: TempoExemplar[];
  promLabels: string;
}

/** /api/metrics/query_range (tempopb.QueryRangeResponse). */
export interface TempoQueryRangeResponse {
  series: TempoTimeSeries[];
  metrics: TempoSearchMetrics;
  status?: 'PARTIAL';
  message?: string;
}

/** /api/metrics/query (tempopb.QueryInstantResponse). */
export interface TempoQueryInstantResponse {
  series: { labels: TempoKeyValue[]; value: number; promLabels: string }[];
  metrics: TempoSearchMetrics;
}

/** tempopb.QueryRangeRequest (times and step in nanoseconds); an instant request has no step. */
export interface TempoMetricsRequest {
  query: string;
  startNano: bigint;
  endNano: bigint;
  stepNano: bigint;
  exemplars: number;
}

/** tempopb.SearchRequest, as the StreamingQuerier's Search receives it (times in epoch seconds). */
export interface TempoSearchRequest {
  tags: Record<string, string>;
  minDurationMs: number;
  maxDurationMs: number;
  limit: number;
  start: number;
  end: number;
  query: string;
  spansPerSpanSet: number;
}

function readStringMapEntry(r: ProtoReader): [string, string] {
  const outer = r.enter();
  let key = '';
  let value = '';
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === tagOf(1, WIRE_LEN)) key = r.string();
    else if (tag === tagOf(2, WIRE_LEN)) value = r.string();
    else r.skip(tag & 7);
  }
  r.leave(outer);
  return [key, value];
}

export function decodeTempoSearchRequest(buf: Uint8Array): TempoSearchRequest {
  const r = new ProtoReader(buf, 'tempopb.SearchRequest');
  const req: TempoSearchRequest = { tags: {}, minDurationMs: 0, maxDurationMs: 0, limit: 0, start: 0, end: 0, query: '', spansPerSpanSet: 0 };
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case tagOf(1, WIRE_LEN): {
        const [k, v] = readStringMapEntry(r);
        req.tags[k] = v;
        break;
      }
      case tagOf(2, WIRE_VARINT):
        req.minDurationMs = r.uint32();
        break;
      case tagOf(3, WIRE_VARINT):
        req.maxDurationMs = r.uint32();
        break;
      case tagOf(4, WIRE_VARINT):
        req.limit = r.uint32();
        break;
      case tagOf(5, WIRE_VARINT):
        req.start = r.uint32();
        break;
      case tagOf(6, WIRE_VARINT):
        req.end = r.uint32();
        break;
      case tagOf(8, WIRE_LEN):
        req.query = r.string();
        break;
      case tagOf(9, WIRE_VARINT):
        req.spansPerSpanSet = r.uint32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return req;
}

/** tempopb.QueryRangeRequest, or QueryInstantRequest (query, start, end: the same first three fields). */
export function decodeTempoMetricsRequest(buf: Uint8Array, instant: boolean): TempoMetricsRequest {
  const r = new ProtoReader(buf, instant ? 'tempopb.QueryInstantRequest' : 'tempopb.QueryRangeRequest');
  const req: TempoMetricsRequest = { query: '', startNano: 0n, endNano: 0n, stepNano: 0n, exemplars: 0 };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === tagOf(1, WIRE_LEN)) req.query = r.string();
    else if (tag === tagOf(2, WIRE_VARINT)) req.startNano = BigInt.asUintN(64, r.int64());
    else if (tag === tagOf(3, WIRE_VARINT)) req.endNano = BigInt.asUintN(64, r.int64());
    else if (!instant && tag === tagOf(4, WIRE_VARINT)) req.stepNano = BigInt.asUintN(64, r.int64());
    else if (!instant && tag === tagOf(16, WIRE_VARINT)) req.exemplars = r.uint32();
    else r.skip(tag & 7);
  }
  return req;
}

function writeString(w: ProtoWriter, field: number, s: string): void {
  if (s !== '') w.stringField(field, s);
}

function writeUint(w: ProtoWriter, field: number, v: number): void {
  if (v > 0) w.uint32Field(field, v);
}

/** A uint64 or int64 field from its decimal string (protojson's form); both are the same varint on the wire. */
function writeInt64(w: ProtoWriter, field: number, decimal: string): void {
  const v = BigInt(decimal);
  if (v !== 0n) w.int64Field(field, v);
}

function writeKeyValue(w: ProtoWriter, field: number, kv: TempoKeyValue): void {
  const at = w.begin(field);
  writeString(w, 1, kv.key);
  const value = w.begin(2);
  const v = kv.value;
  if (v.stringValue !== undefined) w.stringField(1, v.stringValue);
  else if (v.boolValue !== undefined) w.uint32Field(2, v.boolValue ? 1 : 0);
  else if (v.intValue !== undefined) w.int64Field(3, BigInt(v.intValue));
  else if (v.doubleValue !== undefined) w.doubleField(4, v.doubleValue);
  w.end(value);
  w.end(at);
}

function writeSpanSet(w: ProtoWriter, field: number, set: TempoSpanSet): void {
  const at = w.begin(field);
  for (const s of set.spans) {
    const span = w.begin(1);
    writeString(w, 1, s.spanID);
    writeString(w, 2, s.name);
    writeInt64(w, 3, s.startTimeUnixNano);
    writeInt64(w, 4, s.durationNanos);
    for (const kv of s.attributes) writeKeyValue(w, 5, kv);
    w.end(span);
  }
  writeUint(w, 2, set.matched);
  for (const kv of set.attributes ?? []) writeKeyValue(w, 3, kv);
  w.end(at);
}

function writeDouble(w: ProtoWriter, field: number, v: number): void {
  if (v !== 0) w.doubleField(field, v);
}

function writeMetrics(w: ProtoWriter, m: TempoSearchMetrics): void {
  const at = w.begin(2);
  writeUint(w, 1, m.inspectedTraces);
  writeInt64(w, 2, m.inspectedBytes);
  writeUint(w, 4, m.completedJobs);
  writeUint(w, 5, m.totalJobs);
  writeInt64(w, 7, m.inspectedSpans);
  for (const [k, v] of Object.entries(m.additionalMetrics)) {
    const entry = w.begin(10);
    writeString(w, 1, k);
    writeInt64(w, 2, v);
    w.end(entry);
  }
  w.end(at);
}

/** tempopb.SearchResponse from the same answer /api/search gives as JSON. */
export function encodeTempoSearchResponse(res: TempoSearchResponse): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter();
  for (const t of res.traces) {
    const at = w.begin(1);
    writeString(w, 1, t.traceID);
    writeString(w, 2, t.rootServiceName);
    writeString(w, 3, t.rootTraceName);
    writeInt64(w, 4, t.startTimeUnixNano);
    writeUint(w, 5, t.durationMs);
    if (t.spanSet) writeSpanSet(w, 6, t.spanSet);
    for (const set of t.spanSets) writeSpanSet(w, 7, set);
    for (const [service, stats] of Object.entries(t.serviceStats)) {
      const entry = w.begin(8);
      writeString(w, 1, service);
      const value = w.begin(2);
      writeUint(w, 1, stats.spanCount);
      writeUint(w, 2, stats.errorCount ?? 0);
      w.end(value);
      w.end(entry);
    }
    w.end(at);
  }
  writeMetrics(w, res.metrics);
  return w.finish();
}

function writeStatus(w: ProtoWriter, partial: boolean, message: string | undefined): void {
  if (partial) w.enumField(3, 1);
  writeString(w, 4, message ?? '');
}

/** tempopb.QueryRangeResponse from the answer /api/metrics/query_range gives as JSON. */
export function encodeTempoQueryRangeResponse(res: TempoQueryRangeResponse): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter();
  for (const s of res.series) {
    const at = w.begin(1);
    for (const kv of s.labels) writeKeyValue(w, 1, kv);
    for (const p of s.samples) {
      const sample = w.begin(2);
      writeDouble(w, 1, p.value);
      writeInt64(w, 2, p.timestampMs);
      w.end(sample);
    }
    for (const e of s.exemplars) {
      const ex = w.begin(4);
      for (const kv of e.labels) writeKeyValue(w, 1, kv);
      writeDouble(w, 2, e.value);
      writeInt64(w, 3, e.timestampMs);
      w.end(ex);
    }
    w.end(at);
  }
  writeMetrics(w, res.metrics);
  writeStatus(w, res.status === 'PARTIAL', res.message);
  return w.finish();
}

/** tempopb.QueryInstantResponse from the answer /api/metrics/query gives as JSON. */
export function encodeTempoQueryInstantResponse(res: TempoQueryInstantResponse): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter();
  for (const s of res.series) {
    const at = w.begin(1);
    for (const kv of s.labels) writeKeyValue(w, 1, kv);
    writeDouble(w, 2, s.value);
    w.end(at);
  }
  writeMetrics(w, res.metrics);
  return w.finish();
}
