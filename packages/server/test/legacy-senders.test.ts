// Every trace sender the OpenTelemetry Collector accepts besides OTLP, against a running server: Zipkin v1 JSON
// (zipkin-js's HTTP logger with its JSON_V1 encoder), Zipkin v1 Thrift (zipkin-js's Thrift encoder), Zipkin v2
// protobuf and Jaeger gRPC PostSpans (messages built with protobufjs from the field numbers of zipkin.proto and
// jaeger api_v2 model.proto), and jaeger.thrift over HTTP (jaeger-client's HTTP sender). Then bad input: each
// gets an answer naming the problem and the server keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { credentials, Client, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { RunningSextant } from '../src/server.js';
import { getJson, startTestServer } from './support/server.js';
import { hexId } from './support/spans.js';
import { JAEGER_PROTO } from './support/jaeger-proto.js';

const require = createRequire(import.meta.url);
const zipkin = require('zipkin');
const { HttpLogger } = require('zipkin-transport-http');
const thriftEncoder = require('zipkin-encoder-thrift');
const { initTracer } = require('jaeger-client');

let s: RunningSextant;
let api: string;
const nowUs = () => Date.now() * 1000;

before(async () => {
  s = await startTestServer({ jaegerHttpPort: 0, jaegerGrpcPort: 0 });
  api = s.urls.api;
});
after(async () => {
  await s.close();
});

interface Got {
  name: string;
  kind: number;
  spanId: string;
  parentSpanId: string;
  service: string;
  attrs: Record<string, unknown>;
  resource: Record<string, unknown>;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  events: { name: string; timeUnixNano: string; attributes: unknown[] }[];
  links: { spanId: string; attributes: unknown[] }[];
  status: { code?: number; message?: string };
}

const value = (v: any): unknown => v.stringValue ?? v.boolValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.bytesValue;
const attrMap = (kvs: any[] = []) => Object.fromEntries(kvs.map((kv) => [kv.key, value(kv.value)]));

/** The stored trace, flattened; waits for it since senders flush on their own schedule. */
async function stored(traceId: string, count: number): Promise<Got[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await getJson(`${api}/api/v1/traces/${traceId}`);
    if (r.status === 200) {
      const spans: Got[] = r.body.resourceSpans.flatMap((rs: any) => {
        const resource = attrMap(rs.resource?.attributes);
        return rs.scopeSpans.flatMap((ss: any) =>
          ss.spans.map((sp: any) => ({ ...sp, kind: sp.kind ?? 0, parentSpanId: sp.parentSpanId ?? '', service: resource['service.name'], attrs: attrMap(sp.attributes), resource, events: sp.events ?? [], links: sp.links ?? [], status: sp.status ?? {} })),
        );
      });
      if (spans.length >= count) return spans.sort((a, b) => a.startTimeUnixNano.localeCompare(b.startTimeUnixNano) || a.kind - b.kind);
    }
    assert.ok(Date.now() < deadline, `trace ${traceId} did not arrive with ${count} spans`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function post(url: string, contentType: string, body: Uint8Array | string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}

/** A zipkin-js RPC: frontend serves GET /, calls backend (which records its own half of the same span id). */
function zipkinRpc(recorder: unknown): string {
  const { Tracer, ExplicitContext, Annotation, TraceId, option } = zipkin;
  const ctx = new ExplicitContext();
  const front = new Tracer({ ctxImpl: ctx, recorder, localServiceName: 'frontend', traceId128Bit: true });
  const back = new Tracer({ ctxImpl: ctx, recorder, localServiceName: 'backend' });
  const root = front.createRootId();
  front.setId(root);
  front.recordServiceName('frontend');
  front.recordRpc('get /');
  front.recordAnnotation(new Annotation.ServerRecv());
  const call = front.createChildId();
  front.setId(call);
  front.recordServiceName('frontend');
  front.recordRpc('get /items');
  front.recordAnnotation(new Annotation.ClientSend());
  front.recordAnnotation(new Annotation.ServerAddr({ serviceName: 'backend' }));
  front.recordBinary('http.path', '/items');
  // The server side joins the client's span id, as a Zipkin-instrumented backend does.
  back.setId(new TraceId({ traceId: call.traceId, parentId: new option.Some(call.parentSpanId.getOrElse()), spanId: call.spanId, sampled: new option.Some(true), shared: true }));
  back.recordServiceName('backend');
  back.recordRpc('get /items');
  back.recordAnnotation(new Annotation.ServerRecv());
  back.recordAnnotation(new Annotation.ServerSend());
  front.setId(call);
  front.recordAnnotation(new Annotation.ClientRecv());
  front.setId(root);
  front.recordAnnotation(new Annotation.ServerSend());
  return root.traceId;
}

function checkZipkinRpc(spans: Got[]): void {
  assert.equal(spans.length, 3);
  const [root, client, server] = [spans.find((x) => x.name === 'get /')!, spans.find((x) => x.kind === 3)!, spans.find((x) => x.name === 'get /items' && x.kind === 2)!];
  assert.equal(root.kind, 2);
  assert.equal(root.service, 'frontend');
  assert.equal(client.service, 'frontend');
  assert.equal(client.attrs['peer.service'], 'backend', 'the sa address names the server');
  assert.equal(client.attrs['http.path'], '/items');
  assert.equal(client.parentSpanId, root.spanId);
  assert.equal(server.service, 'backend');
  assert.equal(server.spanId, client.spanId, 'the server half shares the client id');
  assert.equal(server.attrs['zipkin.shared'], true);
  assert.ok(BigInt(client.endTimeUnixNano) >= BigInt(client.startTimeUnixNano));
}

test('Zipkin v1 JSON from zipkin-js (HttpLogger with JSON_V1) on /api/v1/spans', async () => {
  const logger = new HttpLogger({ endpoint: `${s.urls.zipkin}/api/v1/spans`, jsonEncoder: zipkin.jsonEncoder.JSON_V1, httpInterval: 20 });
  const traceId = zipkinRpc(new zipkin.BatchRecorder({ logger }));
  try {
    checkZipkinRpc(await stored(traceId.padStart(32, '0'), 3));
  } finally {
    logger.stop?.();
    clearInterval(logger.timer);
  }
  const deps = (await getJson(`${api}/api/v1/dependencies?start=${(BigInt(nowUs()) - 60_000_000n) * 1000n}&end=${(BigInt(nowUs()) + 1_000_000n) * 1000n}`)).body;
  assert.ok(deps.edges.some((e: any) => e.parent === 'frontend' && e.child === 'backend'));
});

test('Zipkin v1 Thrift from zipkin-js (zipkin-encoder-thrift) on /api/v1/spans', async () => {
  const encoded: Buffer[] = [];
  const traceId = zipkinRpc(new zipkin.BatchRecorder({ logger: { logSpan: (span: unknown) => encoded.push(Buffer.from(thriftEncoder.encode(span))) } }));
  // A Thrift list<Span>: element type STRUCT (12), a 32-bit count, then the spans the encoder wrote.
  const header = Buffer.alloc(5);
  header.writeInt8(12, 0);
  header.writeInt32BE(encoded.length, 1);
  const res = await post(`${s.urls.zipkin}/api/v1/spans`, 'application/x-thrift', Buffer.concat([header, ...encoded]));
  assert.equal(res.status, 202, await res.text());
  checkZipkinRpc(await stored(traceId.padStart(32, '0'), 3));
});

// Field numbers of openzipkin/zipkin-api zipkin.proto.
const ZIPKIN_PROTO = protobuf.parse(`
  syntax = "proto3";
  message Endpoint { string service_name = 1; bytes ipv4 = 2; bytes ipv6 = 3; int32 port = 4; }
  message Annotation { fixed64 timestamp = 1; string value = 2; }
  message Span {
    enum Kind { SPAN_KIND_UNSPECIFIED = 0; CLIENT = 1; SERVER = 2; PRODUCER = 3; CONSUMER = 4; }
    bytes trace_id = 1; bytes parent_id = 2; bytes id = 3; Kind kind = 4; string name = 5; fixed64 timestamp = 6;
    uint64 duration = 7; Endpoint local_endpoint = 8; Endpoint remote_endpoint = 9; repeated Annotation annotations = 10;
    map<string, string> tags = 11; bool debug = 12; bool shared = 13;
  }
  message ListOfSpans { repeated Span spans = 1; }
`).root;

test('Zipkin v2 protobuf (application/x-protobuf) on /api/v2/spans', async () => {
  const traceId = hexId(16);
  const [rootId, childId] = [hexId(8), hexId(8)];
  const ts = nowUs();
  const ListOfSpans = ZIPKIN_PROTO.lookupType('ListOfSpans');
  const body = ListOfSpans.encode(ListOfSpans.fromObject({
    spans: [
      { traceId: Buffer.from(traceId, 'hex'), id: Buffer.from(rootId, 'hex'), kind: 2, name: 'get /cart', timestamp: ts, duration: 5000, localEndpoint: { serviceName: 'cart', ipv4: Buffer.from([10, 0, 0, 1]), port: 8080 }, tags: { 'http.method': 'GET' } },
      { traceId: Buffer.from(traceId, 'hex'), parentId: Buffer.from(rootId, 'hex'), id: Buffer.from(childId, 'hex'), kind: 1, name: 'select', timestamp: ts + 100, duration: 1200, localEndpoint: { serviceName: 'cart' }, remoteEndpoint: { serviceName: 'postgres' }, annotations: [{ timestamp: ts + 200, value: 'sent' }] },
    ],
  })).finish();
  const res = await post(`${s.urls.zipkin}/api/v2/spans`, 'application/x-protobuf', body);
  assert.equal(res.status, 202, await res.text());
  const [root, child] = await stored(traceId, 2);
  assert.equal(root!.name, 'get /cart');
  assert.equal(root!.kind, 2);
  assert.equal(root!.attrs['http.method'], 'GET');
  assert.equal(root!.startTimeUnixNano, String(BigInt(ts) * 1000n));
  assert.equal(root!.endTimeUnixNano, String(BigInt(ts + 5000) * 1000n));
  assert.equal(root!.resource['zipkin.local.ipv4'] ?? root!.attrs['zipkin.local.ipv4'], '10.0.0.1');
  assert.equal(child!.parentSpanId, rootId);
  assert.equal(child!.kind, 3);
  assert.equal(child!.attrs['peer.service'], 'postgres');
  assert.deepEqual(child!.events.map((e) => [e.name, e.timeUnixNano]), [['sent', String(BigInt(ts + 200) * 1000n)]]);
});

test('jaeger.thrift over HTTP from jaeger-client (HTTP sender) on POST /api/traces', async () => {
  const tracer = initTracer(
    { serviceName: 'jaeger-shop', sampler: { type: 'const', param: 1 }, reporter: { collectorEndpoint: `${s.urls.jaegerHttp}/api/traces`, flushIntervalMs: 50 } },
    { tags: { 'app.version': '1.2.3' }, logger: { info() {}, error(msg: string) { throw new Error(msg); } } },
  );
  const parent = tracer.startSpan('checkout', { tags: { 'span.kind': 'server', 'http.status_code': 200 } });
  const child = tracer.startSpan('charge', { childOf: parent, tags: { 'span.kind': 'client', error: true, 'peer.service': 'payments', attempt: 2, ratio: 0.5 } });
  child.log({ event: 'retry', reason: 'timeout' });
  child.finish();
  parent.finish();
  const traceId = parent.context().toTraceId().padStart(32, '0');
  await new Promise<void>((resolve) => tracer.close(resolve));
  const spans = await stored(traceId, 2);
  const p = spans.find((x) => x.name === 'checkout')!;
  const c = spans.find((x) => x.name === 'charge')!;
  assert.equal(p.service, 'jaeger-shop');
  assert.equal(p.kind, 2);
  assert.equal(p.attrs['http.status_code'], 200);
  assert.equal(p.resource['app.version'], '1.2.3');
  assert.equal(typeof p.resource['host.name'], 'string', 'hostname is renamed host.name');
  assert.match(String(p.resource['opencensus.exporterversion']), /^Jaeger-Node-3\./);
  assert.equal(c.kind, 3);
  assert.equal(c.parentSpanId, p.spanId);
  assert.equal(c.status.code, 2, 'error=true is an error status');
  assert.equal(c.attrs['attempt'], 2);
  assert.equal(c.attrs['ratio'], 0.5);
  assert.equal(c.events[0]!.name, 'retry');
  assert.deepEqual(attrMap(c.events[0]!.attributes as any[]), { reason: 'timeout' });
});


function postSpans(port: number, body: Uint8Array, metadata = new Metadata()): Promise<{ err: ServiceError | null; trailer: Metadata | null }> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    let error: ServiceError | null = null;
    const call = client.makeUnaryRequest('/jaeger.api_v2.CollectorService/PostSpans', (b: Buffer) => b, (b: Buffer) => b, Buffer.from(body), metadata, (err) => (error = err));
    // The status (with the trailing metadata) comes after the callback.
    call.on('status', (st) => {
      client.close();
      setImmediate(() => resolve({ err: error, trailer: st.metadata }));
    });
  });
}

test('Jaeger gRPC CollectorService/PostSpans: nanosecond times, typed tags, references, per-span processes', async () => {
  const traceId = hexId(16);
  const [a, b, linked] = [hexId(8), hexId(8), hexId(8)];
  const startNs = BigInt(Date.now()) * 1_000_000n + 123_456n;
  const ts = (ns: bigint) => ({ seconds: Number(ns / 1_000_000_000n), nanos: Number(ns % 1_000_000_000n) });
  const Req = JAEGER_PROTO.lookupType('jaeger.api_v2.PostSpansRequest');
  const id = (h: string) => Buffer.from(h, 'hex');
  const body = Req.encode(Req.fromObject({
    batch: {
      process: { serviceName: 'orders', tags: [{ key: 'hostname', vStr: 'box-1' }] },
      spans: [
        { traceId: id(traceId), spanId: id(a), operationName: 'place order', startTime: ts(startNs), duration: { seconds: 0, nanos: 2_500_001 }, tags: [{ key: 'span.kind', vStr: 'server' }, { key: 'order.items', vType: 2, vInt64: 3 }, { key: 'vip', vType: 1, vBool: true }, { key: 'blob', vType: 4, vBinary: Buffer.from([1, 2, 3]) }] },
        {
          traceId: id(traceId), spanId: id(b), operationName: 'reserve stock', startTime: ts(startNs + 1000n), duration: { nanos: 1000 },
          references: [{ traceId: id(traceId), spanId: id(linked), refType: 1 }, { traceId: id(traceId), spanId: id(a), refType: 0 }],
          tags: [{ key: 'otel.status_code', vStr: 'ERROR' }, { key: 'otel.status_description', vStr: 'out of stock' }, { key: 'w3c.tracestate', vStr: 'k=v' }],
          logs: [{ timestamp: ts(startNs + 1500n), fields: [{ key: 'event', vStr: 'exception' }, { key: 'exception.message', vStr: 'none left' }] }],
          process: { serviceName: 'inventory' },
        },
      ],
    },
  })).finish();
  const { err, trailer } = await postSpans(Number(new URL(s.urls.jaegerGrpc!).port), body);
  assert.equal(err, null);
  assert.deepEqual(trailer!.get('x-sextant-rejected'), []);
  const spans = await stored(traceId, 2);
  const [order, stock] = [spans.find((x) => x.spanId === a)!, spans.find((x) => x.spanId === b)!];
  assert.equal(order.startTimeUnixNano, String(startNs), 'nanoseconds survive');
  assert.equal(order.endTimeUnixNano, String(startNs + 2_500_001n));
  assert.equal(order.service, 'orders');
  assert.equal(order.resource['host.name'], 'box-1');
  assert.deepEqual([order.kind, order.attrs['order.items'], order.attrs['vip'], order.attrs['blob']], [2, 3, true, 'AQID']);
  assert.equal(stock.service, 'inventory', "a span's own process wins over the batch's");
  assert.equal(stock.parentSpanId, a, 'the CHILD_OF reference is the parent even when not first');
  assert.deepEqual(stock.links.map((l) => [l.spanId, attrMap(l.attributes as any[])]), [[linked, { 'opentracing.ref_type': 'follows_from' }]]);
  assert.deepEqual(stock.status, { code: 2, message: 'out of stock' });
  assert.equal((stock as any).traceState, 'k=v');
  assert.deepEqual(stock.events.map((e) => [e.name, e.timeUnixNano]), [['exception', String(startNs + 1500n)]]);
});

test('bad input to every legacy receiver is answered with the problem, and the server keeps serving', async () => {
  const text = async (r: Response) => [r.status, await r.text()] as const;
  const [thriftStatus, thriftMsg] = await text(await post(`${s.urls.zipkin}/api/v1/spans`, 'application/x-thrift', Buffer.from([12, 0, 0, 0, 9, 1, 2])));
  assert.equal(thriftStatus, 400);
  assert.match(thriftMsg, /Zipkin v1 Thrift.*not valid Thrift.*size of 9/);
  const [v1Status, v1Msg] = await text(await post(`${s.urls.zipkin}/api/v1/spans`, 'application/json', '[{"traceId":"abc","id":5}]'));
  assert.equal(v1Status, 400);
  assert.match(v1Msg, /\[0\]\.id: expected a string/);
  assert.equal((await post(`${s.urls.zipkin}/api/v1/spans`, 'text/plain', 'x')).status, 415);
  const [protoStatus, protoMsg] = await text(await post(`${s.urls.zipkin}/api/v2/spans`, 'application/x-protobuf', Buffer.from([0x0a, 0x7f, 0x01])));
  assert.equal(protoStatus, 400);
  assert.match(protoMsg, /Zipkin v2 protobuf.*not valid protobuf/);
  const [jStatus, jMsg] = await text(await post(`${s.urls.jaegerHttp}/api/traces`, 'application/x-thrift', Buffer.from('not thrift at all')));
  assert.equal(jStatus, 400);
  assert.match(jMsg, /jaeger\.thrift/);
  const [ctStatus, ctMsg] = await text(await post(`${s.urls.jaegerHttp}/api/traces`, 'application/json', '{}'));
  assert.equal(ctStatus, 415);
  assert.match(ctMsg, /application\/x-thrift/);
  // A Batch whose one span has no trace id: the span is rejected by name.
  const missing = await post(`${s.urls.jaegerHttp}/api/traces`, 'application/x-thrift', Buffer.from([
    12, 0, 1, 11, 0, 1, 0, 0, 0, 1, 0x78, 0, // process { serviceName: "x" }
    15, 0, 2, 12, 0, 0, 0, 1, 10, 0, 3, 0, 0, 0, 0, 0, 0, 0, 7, 0, // spans: [{ spanId: 7 }]
    0,
  ]));
  assert.equal(missing.status, 400);
  assert.match(await missing.text(), /traceIdHigh: expected an i64 \(it is required\)/);
  const { err } = await postSpans(Number(new URL(s.urls.jaegerGrpc!).port), Buffer.from([0x0a, 0x05, 0x0a]));
  assert.equal(err?.code, status.INVALID_ARGUMENT);
  assert.match(err!.details, /PostSpansRequest is not valid protobuf/);
  assert.equal((await getJson(`${api}/api/v1/services`)).status, 200);
});

test('with an ingest key, the Jaeger receivers and the Zipkin v1 route refuse requests without it', async () => {
  const locked = await startTestServer({ jaegerHttpPort: 0, jaegerGrpcPort: 0, ingestKeys: ['k3y'] });
  try {
    const empty = Buffer.from([0x0a, 0x00]);
    assert.equal((await post(`${locked.urls.jaegerHttp}/api/traces`, 'application/x-thrift', Buffer.alloc(1))).status, 401);
    assert.equal((await post(`${locked.urls.zipkin}/api/v1/spans`, 'application/json', '[]')).status, 401);
    const port = Number(new URL(locked.urls.jaegerGrpc!).port);
    assert.equal((await postSpans(port, empty)).err?.code, status.UNAUTHENTICATED);
    const md = new Metadata();
    md.set('authorization', 'Bearer k3y');
    assert.equal((await postSpans(port, empty, md)).err, null);
  } finally {
    await locked.close();
  }
});
