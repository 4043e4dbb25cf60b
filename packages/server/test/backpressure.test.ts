// The ingest memory budget, exactly: past it, OTLP/HTTP answers 503 with Retry-After (and RetryInfo in the
// protobuf status), Zipkin 503 with Retry-After, OTLP/gRPC and Jaeger gRPC UNAVAILABLE with RetryInfo, and a
// request is refused before its body is read when its Content-Length cannot fit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import http2 from 'node:http2';
import { credentials, Client, Metadata, status as grpcStatus } from '@grpc/grpc-js';
import { encodeTraceRequest } from '@sextant/core';
import type { RunningSextant } from '../src/server.js';
import { startTestServer } from './support/server.js';
import { makeSpan, hexId } from './support/spans.js';
import { grpcRetryDelay } from '../../../testing/overload.js';
import { IngestBudget } from '../src/receivers/admission.js';
import { JAEGER_PROTO } from './support/jaeger-proto.js';

let s: RunningSextant;
before(async () => {
  // 200 KB: one request of 100 spans (≈ 30 KB of protobuf, ≈ 400 KB held once decoded) fills it alone.
  s = await startTestServer({ maxIngestMemoryBytes: 200_000 });
});
after(async () => {
  await s.close();
});

function body(): Uint8Array {
  const traceId = hexId(16);
  return encodeTraceRequest(Array.from({ length: 100 }, (_, i) => makeSpan({ traceId, name: `op-${i}`, attributes: [{ key: 'k', value: 'v'.repeat(200) }] })));
}

test('OTLP/HTTP and Zipkin past the budget: 503 with Retry-After; protobuf status carries RetryInfo', async () => {
  const answers = await Promise.all(
    Array.from({ length: 30 }, () => fetch(`${s.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: body() })),
  );
  const statuses = answers.map((a) => a.status);
  assert.ok(statuses.includes(200), `some requests are admitted: ${statuses}`);
  const refused = answers.filter((a) => a.status === 503);
  assert.ok(refused.length > 0, `some requests are refused: ${statuses}`);
  assert.deepEqual([...new Set(statuses)].sort(), [200, 503]);
  for (const r of refused) {
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    const status = Buffer.from(await r.arrayBuffer());
    assert.ok(status.includes(Buffer.from('type.googleapis.com/google.rpc.RetryInfo')), 'RetryInfo detail');
    assert.match(status.toString('latin1'), /--max-ingest-memory/);
  }
  const zipkin = (traceId: string) =>
    JSON.stringify(Array.from({ length: 100 }, () => ({ traceId, id: hexId(8), name: 'x'.repeat(300), timestamp: Date.now() * 1000, duration: 5, localEndpoint: { serviceName: 'z' } })));
  const z = await Promise.all(Array.from({ length: 30 }, () => fetch(`${s.urls.zipkin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: zipkin(hexId(16)) })));
  assert.deepEqual([...new Set(z.map((a) => a.status))].sort(), [202, 503]);
  for (const r of z.filter((a) => a.status === 503)) assert.ok(Number(r.headers.get('retry-after')) >= 1);
});

test('gRPC past the budget: UNAVAILABLE with google.rpc.RetryInfo in the status details', async () => {
  const client = new Client(s.urls.otlpGrpc!.replace('http://', ''), credentials.createInsecure());
  const calls = await Promise.all(
    Array.from({ length: 30 }, () =>
      new Promise<{ code: number; md?: Metadata }>((resolve) =>
        client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, Buffer.from(body()), new Metadata(), (err) =>
          resolve(err ? { code: err.code, md: err.metadata } : { code: grpcStatus.OK }),
        ),
      ),
    ),
  );
  client.close();
  const codes = calls.map((c) => c.code);
  assert.ok(codes.includes(grpcStatus.OK) && codes.includes(grpcStatus.UNAVAILABLE), `codes: ${codes}`);
  for (const c of calls.filter((x) => x.code === grpcStatus.UNAVAILABLE)) assert.ok((grpcRetryDelay(c.md) ?? 0) >= 1, 'RetryInfo with a delay');
});

test('Jaeger gRPC PostSpans past the budget: UNAVAILABLE with google.rpc.RetryInfo, as OTLP/gRPC', async () => {
  const Req = JAEGER_PROTO.lookupType('jaeger.api_v2.PostSpansRequest');
  const jaegerBody = () => {
    const traceId = Buffer.from(hexId(16), 'hex');
    const startTime = { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
    const spans = Array.from({ length: 100 }, (_, i) => ({ traceId, spanId: Buffer.from(hexId(8), 'hex'), operationName: `op-${i}`, startTime, duration: { nanos: 1000 }, tags: [{ key: 'k', vStr: 'v'.repeat(200) }] }));
    return Buffer.from(Req.encode(Req.fromObject({ batch: { process: { serviceName: 'jaeger-budget' }, spans } })).finish());
  };
  const client = new Client(s.urls.jaegerGrpc!.replace('http://', ''), credentials.createInsecure());
  const calls = await Promise.all(
    Array.from({ length: 30 }, () =>
      new Promise<{ code: number; md?: Metadata }>((resolve) =>
        client.makeUnaryRequest('/jaeger.api_v2.CollectorService/PostSpans', (b: Buffer) => b, (b: Buffer) => b, jaegerBody(), new Metadata(), (err) =>
          resolve(err ? { code: err.code, md: err.metadata } : { code: grpcStatus.OK }),
        ),
      ),
    ),
  );
  client.close();
  const codes = calls.map((c) => c.code);
  assert.ok(codes.includes(grpcStatus.OK) && codes.includes(grpcStatus.UNAVAILABLE), `codes: ${codes}`);
  assert.deepEqual([...new Set(codes)].sort(), [grpcStatus.OK, grpcStatus.UNAVAILABLE].sort());
  for (const c of calls.filter((x) => x.code === grpcStatus.UNAVAILABLE)) assert.ok((grpcRetryDelay(c.md) ?? 0) >= 1, 'RetryInfo with a delay');
});

/** Holds the whole budget with a request whose body never finishes, until the socket is destroyed. */
async function holdBudget(port: number): Promise<Socket> {
  const holder = connect(port, '127.0.0.1');
  await new Promise((r) => holder.once('connect', r));
  holder.write(`POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nContent-Length: 150000\r\n\r\n`);
  holder.write(Buffer.alloc(1000));
  await new Promise((r) => setTimeout(r, 100));
  return holder;
}

test('a request whose Content-Length cannot fit is refused before its body is sent', async () => {
  const port = Number(new URL(s.urls.otlpHttp!).port);
  const holder = await holdBudget(port);
  // …then announce a big body and send none of it: the answer must come anyway.
  const sock = connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const answer = new Promise<string>((resolve) => {
    let text = '';
    sock.on('data', (d) => {
      text += d;
      if (text.includes('\r\n\r\n')) resolve(text);
    });
  });
  sock.write(`POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nContent-Length: 150000\r\n\r\n`);
  const head = await answer;
  assert.match(head, /^HTTP\/1\.1 503/);
  assert.match(head, /retry-after: \d+/i);
  sock.destroy();
  holder.destroy();
  // The holder's share comes back when its client goes away: a normal request is admitted again.
  await new Promise((r) => setTimeout(r, 200));
  const res = await fetch(`${s.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTraceRequest([makeSpan()]) });
  assert.equal(res.status, 200);
});

test('a chunked body refused while it streams in gets its 503 on a connection that stays open for the retry', async () => {
  const port = Number(new URL(s.urls.otlpHttp!).port);
  const holder = await holdBudget(port);
  // OpenTelemetry's Node exporters send chunked bodies: the budget is only known to be exceeded mid-body.
  const sock = connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let text = '';
  let closed = false;
  sock.on('data', (d) => (text += d));
  sock.on('close', () => (closed = true));
  const chunked = () => {
    const b = Buffer.from(body());
    sock.write(`POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n`);
    sock.write(`${b.length.toString(16)}\r\n`);
    sock.write(b);
    sock.write('\r\n0\r\n\r\n');
  };
  const answers = async (n: number) => {
    for (let i = 0; i < 50 && (text.match(/HTTP\/1\.1 \d{3} /g) ?? []).length < n; i++) await new Promise((r) => setTimeout(r, 20));
    return (text.match(/HTTP\/1\.1 \d{3} /g) ?? []).map((m) => m.trim());
  };
  chunked();
  assert.deepEqual(await answers(1), ['HTTP/1.1 503']);
  assert.match(text, /retry-after: \d+/i);
  assert.doesNotMatch(text, /connection: close/i);
  chunked();
  assert.deepEqual(await answers(2), ['HTTP/1.1 503', 'HTTP/1.1 503'], `the retry is answered on the same connection: ${text}`);
  assert.equal(closed, false);
  holder.destroy();
  await new Promise((r) => setTimeout(r, 200));
  chunked();
  assert.deepEqual(await answers(3), ['HTTP/1.1 503', 'HTTP/1.1 503', 'HTTP/1.1 200']);
  sock.destroy();
});

test('fairness: a sender refused twice may fill more of the budget than the window, one refused for 4 s all of it', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const budget = new IngestBudget(64 * 2 ** 20);
  const sender = {};
  assert.ok(budget.windowBytes <= budget.maxBytes * 0.75, 'the window leaves the top of the budget to unlucky senders');
  assert.equal(budget.limitFor(sender), budget.windowBytes);
  budget.noteSender(sender, true);
  assert.equal(budget.limitFor(sender), budget.windowBytes);
  budget.noteSender(sender, true);
  const priority = budget.limitFor(sender);
  assert.ok(priority > budget.windowBytes && priority < budget.maxBytes, `priority share ${priority}`);
  t.mock.timers.tick(4000);
  assert.equal(budget.limitFor(sender), budget.maxBytes);
  budget.noteSender(sender, false);
  assert.equal(budget.limitFor(sender), budget.windowBytes, 'an admitted request ends the streak');
  assert.equal(budget.limitFor(undefined), budget.windowBytes);
});

test('gRPC connections get a 1 MiB receive window, so many concurrent exports on one channel are not throttled', async () => {
  const session = http2.connect(s.urls.otlpGrpc!);
  try {
    await new Promise((r) => session.once('remoteSettings', r));
    for (let i = 0; i < 50 && (session.state.remoteWindowSize ?? 0) < 1024 * 1024; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok((session.state.remoteWindowSize ?? 0) >= 1024 * 1024, `connection window ${session.state.remoteWindowSize}`);
  } finally {
    session.close();
  }
});
