// Overload as the OTLP specification wants it: far more senders than the server can take (1,000 requests in
// flight over OTLP/HTTP and OTLP/gRPC for 20 s) get acknowledgements or fast retryable refusals carrying a retry
// delay, never a client timeout; memory stays bounded; every acknowledged span is stored; and a real
// OpenTelemetry JS SDK exporting in the same run ends with all of its spans stored exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { percentile, rssOf, runOverload } from '../../../testing/overload.js';
import { startChildServer } from './support/child.js';

const BUDGET_MIB = 64;
/** DuckDB's own cache grows with what is written unless limited; the server's memory includes it. */
const DUCKDB_MIB = 256;
/** Above the idle server: the budget and DuckDB's limit, plus what neither counts (sockets, parser buffers, V8 garbage
 * not yet collected: 630–940 MiB in all were seen in quiet full-suite runs, so this bound is loose, not tight). */
const RSS_MARGIN_MIB = 600;

test('overload: 1,000 requests in flight → only acks or fast 503/UNAVAILABLE with a retry delay; nothing acknowledged lost, nothing twice', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-overload-'));
  const server = await startChildServer(['--data', dir, '--max-ingest-memory', `${BUDGET_MIB}MiB`, '--duckdb-memory-limit', `${DUCKDB_MIB}MiB`]);
  try {
    const pid = server.proc.pid!;
    const idleRss = await rssOf(pid);
    let peakRss = idleRss;
    const sampler = setInterval(() => void rssOf(pid).then((r) => (peakRss = Math.max(peakRss, r)), () => undefined), 200);

    // The SDK under test: batches of 256 every 250 ms, a queue big enough that the SDK itself never drops. What
    // its exporter reports is recorded, so a failure says what the SDK was told.
    const exporter = new OTLPTraceExporter({ url: `${server.otlpHttp}/v1/traces`, timeoutMillis: 10_000 });
    const sdkFailures: string[] = [];
    const reporting: SpanExporter = {
      export(spans: ReadableSpan[], done: (r: ExportResult) => void) {
        exporter.export(spans, (r) => {
          if (r.code !== ExportResultCode.SUCCESS) sdkFailures.push(`${spans.length} spans: ${r.error?.message ?? 'failed'}`);
          done(r);
        });
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush(),
    };
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'sdk-under-load' }),
      spanProcessors: [new BatchSpanProcessor(reporting, { maxQueueSize: 100_000, maxExportBatchSize: 256, scheduledDelayMillis: 250 })],
    });
    const tracer = provider.getTracer('overload-test');
    const sdkTraces: string[] = [];
    const emitter = setInterval(() => {
      const root = tracer.startSpan('GET /under-load');
      for (let i = 0; i < 9; i++) tracer.startSpan(`step-${i}`, {}, trace.setSpan(ROOT_CONTEXT, root)).end();
      root.end();
      sdkTraces.push(root.spanContext().traceId);
    }, 50);

    const load = await runOverload({
      otlpHttp: server.otlpHttp,
      otlpGrpc: server.otlpGrpc,
      inFlight: 1000,
      grpcShare: 0.2,
      spansPerRequest: 100,
      durationMs: 20_000,
      clientTimeoutMs: 10_000,
    });
    clearInterval(emitter);
    await provider.forceFlush();
    await provider.shutdown();
    clearInterval(sampler);

    const lat = load.ackLatencies;
    const summary = `${load.requests} requests, ${load.acked} acked (${load.ackedSpans} spans, ${Math.round(load.ackedSpans / (load.elapsedMs / 1000))}/s), ${load.refused} refused, ${load.timeouts} timeouts (gRPC ${load.grpcTimeouts}), ${load.otherErrors} other ${load.otherSample.join('; ')}; ack p50 ${percentile(lat, 0.5).toFixed(0)} ms p99 ${percentile(lat, 0.99).toFixed(0)} ms; sender lag ${load.senderLagMs.toFixed(0)} ms; RSS idle ${(idleRss / 2 ** 20).toFixed(0)} MiB peak ${(peakRss / 2 ** 20).toFixed(0)} MiB`;
    console.log(`overload: ${summary}`);
    assert.deepEqual(sdkFailures, [], `the SDK's exporter gave up on spans; ${summary}`);
    // A client timeout means the server was slow only if the sender itself was not stalled (on a machine shared
    // with other work the sender's own event loop can fall seconds behind, and then it times out by itself).
    if (load.senderLagMs < 1000) assert.equal(load.timeouts, 0, summary);
    else console.log(`overload: the sender stalled ${load.senderLagMs.toFixed(0)} ms; its ${load.timeouts} timeouts are not the server's`);
    assert.equal(load.otherErrors, 0, summary);
    assert.ok(load.refused > 0, `the load did not overload the server: ${summary}`);
    assert.equal(load.refusedWithoutRetryDelay, 0, summary);
    assert.ok(peakRss < idleRss + (BUDGET_MIB + DUCKDB_MIB + RSS_MARGIN_MIB) * 2 ** 20, summary);

    const stats = (await (await fetch(`${server.api}/api/v1/stats`)).json()) as { spans: number };
    const sdkSpans = sdkTraces.length * 10;
    // Everything acknowledged is stored; of requests the sender gave up on, some may have been stored.
    assert.ok(stats.spans >= load.ackedSpans + sdkSpans, `stored ${stats.spans} < acknowledged load + SDK spans; ${summary}`);
    assert.ok(stats.spans <= load.ackedSpans + sdkSpans + load.timeouts * 100, `stored ${stats.spans}: more than was sent; ${summary}`);
    for (const id of sdkTraces) {
      const body = (await (await fetch(`${server.api}/api/v1/traces/${id}`)).json()) as { resourceSpans?: { scopeSpans: { spans: unknown[] }[] }[] };
      const n = (body.resourceSpans ?? []).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)).length;
      assert.equal(n, 10, `SDK trace ${id}: ${n} spans stored`);
    }
  } finally {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.on('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
