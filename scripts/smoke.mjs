#!/usr/bin/env node
// Smoke test of the built packages on whatever Node runs this script (CI runs it on Node 24): `sextant serve`,
// ingest through the real OpenTelemetry SDK (OTLP/HTTP protobuf and gRPC), query through the native and Jaeger
// APIs, and `sextant analyze` on a fixture. Prints "N passed, N failed" and exits non-zero on any failure.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const bin = join(root, 'packages/server/bin/sextant.js');
let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (err) {
    failed++;
    console.log(`not ok - ${name}: ${err.message}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

console.log(`smoke test on Node ${process.version}`);
const dir = mkdtempSync(join(tmpdir(), 'sextant-smoke-'));
const proc = spawn(process.execPath, [bin, 'serve', '--data', dir, '--port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--zipkin-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
proc.stdout.on('data', (d) => (out += d));
proc.stderr.on('data', (d) => (out += d));
try {
  const deadline = Date.now() + 30000;
  while (!out.includes('Point an OpenTelemetry SDK')) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = (label) => new RegExp(`${label}\\s+(\\S+)`).exec(out)[1];
  const api = url('Web UI and API');
  await check('health', async () => {
    const res = await fetch(`${api}/api/health`);
    assert(res.status === 200, `status ${res.status}`);
  });
  for (const [name, exporter] of [
    ['otlp-http protobuf', new ProtoExporter({ url: `${url('OTLP/HTTP')}/v1/traces` })],
    ['otlp-grpc', new GrpcExporter({ url: url('OTLP/gRPC') })],
  ]) {
    await check(`${name}: SDK export, then query`, async () => {
      const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'smoke' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
      const tracer = provider.getTracer('smoke');
      const parent = tracer.startSpan('GET /smoke', { kind: SpanKind.SERVER });
      tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, parent)).end();
      parent.end();
      await provider.forceFlush();
      await provider.shutdown();
      const id = parent.spanContext().traceId;
      const native = await (await fetch(`${api}/api/v1/traces/${id}`)).json();
      const n = native.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)).length;
      assert(n === 2, `expected 2 spans, got ${n}`);
      const jaeger = await (await fetch(`${api}/api/traces/${id}`)).json();
      assert(jaeger.data[0].spans.length === 2, 'Jaeger API did not return the trace');
      const analysis = await (await fetch(`${api}/api/v1/traces/${id}/analysis`)).json();
      assert(analysis.spanCount === 2, 'analysis did not count the spans');
    });
  }
  await check('sextant analyze on a Zipkin fixture', async () => {
    const fixture = join(root, '..', 'shared', 'fixtures', 'zipkin', 'yelp.json');
    const r = spawnSync(process.execPath, [bin, 'analyze', '--json', fixture], { encoding: 'utf8' });
    assert(r.status === 0, `exit ${r.status}: ${r.stderr}`);
    assert(JSON.parse(r.stdout).traces.length >= 1, 'no trace analysed');
  });
} finally {
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
