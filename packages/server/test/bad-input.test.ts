// Malformed, truncated, random and oversized input to every receiver: a clear 4xx (or gRPC status) naming the
// problem, the server keeps serving, and nothing stored changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { credentials, Client, Metadata, status as grpcStatus } from '@grpc/grpc-js';
import { encodeTraceRequest } from '@sextant/core';
import type { RunningSextant } from '../src/server.js';
import { getJson, startTestServer } from './support/server.js';
import { makeSpan, hexId } from './support/spans.js';

const LIMIT = 64 * 1024;
let sextant: RunningSextant;
let storedBefore: number;
const goodTrace = hexId(16);

before(async () => {
  sextant = await startTestServer({ maxBodyBytes: LIMIT });
  const res = await post('/v1/traces', encodeTraceRequest([makeSpan({ traceId: goodTrace, service: 'good' })]), 'application/x-protobuf');
  assert.equal(res.status, 200);
  storedBefore = (await sextant.store.stats()).spans;
});

after(async () => {
  await sextant.close();
});

async function post(path: string, payload: Uint8Array | string, contentType: string, headers: Record<string, string> = {}, base?: string) {
  const res = await fetch(`${base ?? sextant.urls.otlpHttp}${path}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: typeof payload === 'string' ? payload : new Uint8Array(payload) });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, text: buf.toString('utf8'), buf };
}

async function assertUnharmed() {
  assert.equal((await getJson(`${sextant.urls.api}/api/health`)).status, 200);
  assert.equal((await sextant.store.stats()).spans, storedBefore);
  const t = await getJson(`${sextant.urls.api}/api/v1/traces/${goodTrace}`);
  assert.equal(t.status, 200);
}

const valid = () => encodeTraceRequest([makeSpan({ service: 'x' }), makeSpan({ service: 'x' })]);

test('OTLP/HTTP protobuf: truncated and random bodies get 400 with a google.rpc.Status message', async () => {
  // One resource, so that no cut falls on a boundary between whole top-level fields (which would be a valid prefix).
  const whole = encodeTraceRequest([makeSpan({ service: 'x', attributes: [{ key: 'k', value: 'v' }] })]);
  for (const cut of [1, 7, Math.floor(whole.length / 2), whole.length - 1]) {
    const res = await post('/v1/traces', whole.subarray(0, cut), 'application/x-protobuf');
    assert.equal(res.status, 400, `cut at ${cut}`);
    assert.match(res.text, /invalid OTLP protobuf traces request/);
  }
  for (let i = 0; i < 30; i++) {
    const res = await post('/v1/traces', randomBytes(1 + (i * 37) % 500), 'application/x-protobuf');
    assert.ok(res.status === 400 || res.status === 200, `random body answered ${res.status}`);
  }
  await assertUnharmed();
});

test('OTLP/HTTP JSON: malformed JSON, invalid ids and absurd timestamps are named', async () => {
  let res = await post('/v1/traces', '{"resourceSpans": [', 'application/json');
  assert.equal(res.status, 400);
  assert.match(JSON.parse(res.text).message, /not valid JSON/);

  const span = (traceId: string, start: string, end: string) => ({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [{ traceId, spanId: '0102030405060708', name: 'x', startTimeUnixNano: start, endTimeUnixNano: end }] }] }],
  });
  res = await post('/v1/traces', JSON.stringify(span('xyz', '1700000000000000000', '1700000000000000001')), 'application/json');
  assert.equal(res.status, 400);
  assert.match(JSON.parse(res.text).message, /traceId/);
  res = await post('/v1/traces', JSON.stringify(span('0102030405060708090a0b0c0d0e0f10', '99999999999999999999', '99999999999999999999')), 'application/json');
  assert.equal(res.status, 400);
  assert.match(JSON.parse(res.text).message, /time|Time/);
  await assertUnharmed();
});

test('OTLP/HTTP: partially valid request stores the valid spans and reports partial success', async () => {
  const good = hexId(16);
  const doc = {
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial' } }] }, scopeSpans: [{ spans: [
      { traceId: good, spanId: '0102030405060708', name: 'ok', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000000000100' },
      { traceId: 'nothex', spanId: '0102030405060709', name: 'bad', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000000000100' },
    ] }] }],
  };
  const res = await post('/v1/traces', JSON.stringify(doc), 'application/json');
  assert.equal(res.status, 200);
  const body = JSON.parse(res.text);
  assert.equal(body.partialSuccess.rejectedSpans, '1');
  assert.match(body.partialSuccess.errorMessage, /traceId/);
  assert.equal((await getJson(`${sextant.urls.api}/api/v1/traces/${good}`)).status, 200);
  storedBefore += 1;
});

test('OTLP/HTTP: wrong content type 415, oversized 413 (raw and after gunzip), bad gzip 400', async () => {
  let res = await post('/v1/traces', 'hello', 'text/plain');
  assert.equal(res.status, 415);
  assert.match(res.text, /Content-Type/);
  res = await post('/v1/traces', new Uint8Array(LIMIT + 1), 'application/x-protobuf');
  assert.equal(res.status, 413);
  const bomb = gzipSync(Buffer.alloc(LIMIT * 20, 0x20));
  assert.ok(bomb.length < LIMIT);
  res = await post('/v1/traces', bomb, 'application/json', { 'content-encoding': 'gzip' });
  assert.equal(res.status, 413);
  assert.match(res.text, /decompressed/);
  res = await post('/v1/traces', randomBytes(100), 'application/json', { 'content-encoding': 'gzip' });
  assert.equal(res.status, 400);
  res = await post('/v1/logs', '[1,2', 'application/json');
  assert.equal(res.status, 400);
  await assertUnharmed();
});

test('Zipkin: malformed JSON, not a span list, wrong content type, oversized', async () => {
  const z = sextant.urls.zipkin!;
  let res = await post('/api/v2/spans', '[{"traceId":', 'application/json', {}, z);
  assert.equal(res.status, 400);
  assert.match(res.text, /JSON/);
  res = await post('/api/v2/spans', '{"not":"a list"}', 'application/json', {}, z);
  assert.equal(res.status, 400);
  res = await post('/api/v2/spans', '[{"traceId":"zz","id":"1","name":"x","timestamp":1,"duration":1}]', 'application/json', {}, z);
  assert.equal(res.status, 400);
  res = await post('/api/v2/spans', 'x', 'application/x-thrift', {}, z);
  assert.equal(res.status, 415);
  res = await post('/api/v2/spans', '[' + ' '.repeat(LIMIT) + ']', 'application/json', {}, z);
  assert.equal(res.status, 413);
  for (let i = 0; i < 10; i++) {
    res = await post('/api/v2/spans', randomBytes(200), 'application/json', {}, z);
    assert.equal(res.status, 400);
  }
  await assertUnharmed();
});

test('deeply nested JSON gets 400 on Zipkin and OTLP/HTTP, not a stack overflow', async () => {
  const nested = '['.repeat(30_000) + ']'.repeat(30_000);
  let res = await post('/api/v2/spans', nested, 'application/json', {}, sextant.urls.zipkin!);
  assert.equal(res.status, 400, res.text);
  assert.match(res.text, /nests arrays or objects deeper than/);
  res = await post('/v1/traces', `{"resourceSpans":${'['.repeat(30_000)}${']'.repeat(30_000)}}`, 'application/json');
  assert.equal(res.status, 400, res.text);
  assert.match(res.text, /deeper than/);
  await assertUnharmed();
});

test('OTLP/gRPC: garbage and truncated messages get INVALID_ARGUMENT; oversized gets RESOURCE_EXHAUSTED', async () => {
  const client = new Client(sextant.urls.otlpGrpc!.replace('http://', ''), credentials.createInsecure());
  const call = (body: Buffer) =>
    new Promise<{ code: number; details: string }>((resolve) => {
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        new Metadata(),
        {},
        (err) => resolve(err ? { code: err.code ?? -1, details: err.details ?? '' } : { code: 0, details: '' }),
      );
    });
  try {
    const whole = Buffer.from(valid());
    let r = await call(whole.subarray(0, whole.length - 3));
    assert.equal(r.code, grpcStatus.INVALID_ARGUMENT);
    assert.match(r.details, /invalid OTLP protobuf traces request/);
    for (let i = 0; i < 20; i++) {
      r = await call(randomBytes(10 + i * 13));
      assert.ok(r.code === grpcStatus.INVALID_ARGUMENT || r.code === 0, `random message answered ${r.code}`);
    }
    r = await call(Buffer.alloc(LIMIT + 10));
    assert.equal(r.code, grpcStatus.RESOURCE_EXHAUSTED);
  } finally {
    client.close();
  }
  await assertUnharmed();
});
