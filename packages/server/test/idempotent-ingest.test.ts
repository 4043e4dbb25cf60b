// Re-sent data is stored once: the same OTLP/HTTP, OTLP/gRPC-equivalent protobuf and Zipkin bodies posted twice
// give each span once in the native API, the Jaeger API, search counts and the analysis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTraceRequest, SpanKind } from '@sextant/core';
import type { RunningSextant } from '../src/server.js';
import { getJson, startTestServer } from './support/server.js';
import { hexId, makeSpan } from './support/spans.js';

let s: RunningSextant;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

async function post(url: string, body: Uint8Array | string, type: string): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
  await res.arrayBuffer();
  return res.status;
}

test('the same OTLP and Zipkin bodies sent twice: each span once in every API', async () => {
  const traceId = hexId(16);
  const root = makeSpan({ traceId, service: 'shop', name: 'GET /cart', kind: SpanKind.SERVER });
  const child = makeSpan({ traceId, service: 'shop', name: 'SELECT', kind: SpanKind.CLIENT, parentSpanId: root.spanId });
  const otlp = encodeTraceRequest([root, child]);
  const zipkinId = hexId(8);
  const ts = Number(root.startTimeUnixNano / 1000n) + 10;
  // A Zipkin shared span: client and server halves under one id, both kept (once each).
  const zipkin = JSON.stringify([
    { traceId, id: zipkinId, parentId: child.spanId, kind: 'CLIENT', name: 'get', timestamp: ts, duration: 50, localEndpoint: { serviceName: 'shop' } },
    { traceId, id: zipkinId, parentId: child.spanId, kind: 'SERVER', shared: true, name: 'get', timestamp: ts + 5, duration: 40, localEndpoint: { serviceName: 'stock' } },
  ]);
  for (let i = 0; i < 2; i++) {
    assert.equal(await post(`${s.urls.otlpHttp}/v1/traces`, otlp, 'application/x-protobuf'), 200);
    assert.equal(await post(`${s.urls.zipkin}/api/v2/spans`, zipkin, 'application/json'), 202);
  }
  const native = await getJson(`${s.urls.api}/api/v1/traces/${traceId}`);
  const spans = native.body.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((x: any) => x.spans));
  assert.equal(spans.length, 4, 'native API');
  const jaeger = await getJson(`${s.urls.api}/api/traces/${traceId}`);
  assert.equal(jaeger.body.data[0].spans.length, 4, 'Jaeger API');
  const search = await getJson(`${s.urls.api}/api/v1/traces?service=shop`);
  assert.equal(search.body.traces.find((t: any) => t.traceId === traceId).spanCount, 4, 'search count');
  const analysis = await getJson(`${s.urls.api}/api/v1/traces/${traceId}/analysis`);
  assert.equal(analysis.status, 200);
  assert.equal((await s.store.stats()).spans, 4, 'stats');
});
