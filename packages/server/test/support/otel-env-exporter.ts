// A service configured only through the standard environment (OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS, _PROTOCOL):
// emits one two-span trace with the real OpenTelemetry JS exporter for that protocol and prints
// `{"traceId":…,"ok":true|false,"error":…}` on stdout.
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';

const protocol = process.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
const inner: SpanExporter = protocol === 'grpc' ? new GrpcExporter() : protocol === 'http/json' ? new HttpJsonExporter() : new HttpProtoExporter();
type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];
/** ExportResultCode.SUCCESS of @opentelemetry/core. */
const SUCCESS = 0;
let result: ExportResult | null = null;
const exporter: SpanExporter = {
  export: (spans, done) =>
    inner.export(spans, (r) => {
      result = r;
      done(r);
    }),
  shutdown: () => inner.shutdown(),
  forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
};
const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'env-configured' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('env-test');
const root = tracer.startSpan('GET /');
tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
root.end();
// A failed export rejects the flush; the result recorded above says what happened.
await provider.forceFlush().catch(() => undefined);
await provider.shutdown().catch(() => undefined);
const r = result as ExportResult | null;
process.stdout.write(JSON.stringify({ traceId: root.spanContext().traceId, ok: r?.code === SUCCESS, error: r?.error?.message ?? null }) + '\n');
