// The real OpenTelemetry JS SDK exporters (HTTP/JSON, HTTP/protobuf, gRPC) send to a running Sextant, and the
// spans come back through the native, Jaeger and v3 APIs.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { RunningSextant } from '../src/server.js';
import { getJson, startTestServer } from './support/server.js';

let sextant: RunningSextant;
before(async () => {
  sextant = await startTestServer();
});
after(async () => {
  await sextant.close();
});

async function emitTrace(exporter: SpanExporter, service: string): Promise<{ traceId: string; rootId: string; childId: string }> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('sextant-test-scope', '1.2.3');
  const root = tracer.startSpan('GET /checkout', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200 } });
  const child = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.rows': 3, ratio: 0.25, cached: false } }, trace.setSpan(ROOT_CONTEXT, root));
  child.addEvent('retry', { attempt: 2 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
  child.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return { traceId: root.spanContext().traceId, rootId: root.spanContext().spanId, childId: child.spanContext().spanId };
}

const exporters: [string, () => SpanExporter][] = [
  ['otlp-http json', () => new HttpJsonExporter({ url: `${sextant.urls.otlpHttp}/v1/traces` })],
  ['otlp-http protobuf gzip', () => new HttpProtoExporter({ url: `${sextant.urls.otlpHttp}/v1/traces`, compression: CompressionAlgorithm.GZIP })],
  ['otlp-grpc gzip', () => new GrpcExporter({ url: sextant.urls.otlpGrpc!, compression: CompressionAlgorithm.GZIP })],
];

for (const [name, make] of exporters) {
  test(`${name} exporter: spans are stored and served back by every API`, async () => {
    const service = `svc-${name.replace(/[^a-z]/g, '-')}`;
    const { traceId, rootId, childId } = await emitTrace(make(), service);

    const native = await getJson(`${sextant.urls.api}/api/v1/traces/${traceId}`);
    assert.equal(native.status, 200);
    const rs = native.body.resourceSpans;
    const spans = rs.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans));
    assert.deepEqual(spans.map((s: any) => s.spanId).sort(), [rootId, childId].sort());
    const child = spans.find((s: any) => s.spanId === childId);
    assert.equal(child.parentSpanId, rootId);
    assert.equal(child.status.code, 2);
    assert.equal(child.status.message, 'deadlock');
    assert.deepEqual(child.events.map((e: any) => e.name), ['retry']);
    const rowsAttr = child.attributes.find((a: any) => a.key === 'db.rows');
    assert.deepEqual(rowsAttr.value, { intValue: '3' });
    assert.deepEqual(child.attributes.find((a: any) => a.key === 'ratio').value, { doubleValue: 0.25 });
    assert.equal(rs[0].scopeSpans[0].scope.name, 'sextant-test-scope');

    const search = await getJson(`${sextant.urls.api}/api/v1/traces?service=${service}&attr.db.system=postgresql`);
    assert.deepEqual(search.body.traces.map((t: any) => t.traceId), [traceId]);
    assert.equal(search.body.traces[0].rootName, 'GET /checkout');
    assert.equal(search.body.traces[0].errorCount, 1);

    const jaeger = await getJson(`${sextant.urls.api}/api/traces/${traceId}`);
    assert.equal(jaeger.status, 200);
    assert.equal(jaeger.body.data[0].traceID, traceId);
    assert.equal(jaeger.body.data[0].spans.length, 2);
    const jChild = jaeger.body.data[0].spans.find((s: any) => s.spanID === childId);
    assert.ok(jChild.tags.some((t: any) => t.key === 'error' && t.value === true));
    assert.ok(jChild.tags.some((t: any) => t.key === 'span.kind' && t.value === 'client'));

    const v3 = await getJson(`${sextant.urls.api}/api/v3/traces/${traceId}`);
    assert.equal(v3.body.result.resourceSpans.length, 1);

    const services = await getJson(`${sextant.urls.api}/api/services`);
    assert.ok(services.body.data.includes(service));
  });
}

test('unknown trace: 404 on /api/v1 and Jaeger-style not-found on /api', async () => {
  const id = '0123456789abcdef0123456789abcdef';
  assert.equal((await getJson(`${sextant.urls.api}/api/v1/traces/${id}`)).status, 404);
  const j = await getJson(`${sextant.urls.api}/api/traces/${id}`);
  assert.equal(j.status, 404);
  assert.equal(j.body.errors[0].code, 404);
  assert.equal((await getJson(`${sextant.urls.api}/api/v1/traces/not-an-id`)).status, 400);
});
