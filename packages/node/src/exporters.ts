// OTLP exporters for traces and logs. Protocol and endpoint follow the standard variables
// (OTEL_EXPORTER_OTLP_[TRACES_|LOGS_]PROTOCOL / _ENDPOINT); start() options only fill in what they leave unset.
import { getNumberFromEnv, getStringFromEnv } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { WarningLogRecordExporter, WarningSpanExporter, type CollectorWarning } from './collector-warning.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

export interface ExportOptions {
  /** Base OTLP endpoint, e.g. http://localhost:4318 (http) or http://localhost:4317 (grpc). */
  endpoint?: string;
  protocol?: OtlpProtocol;
}

type Signal = 'TRACES' | 'LOGS';
const HTTP_PATHS: Record<Signal, string> = { TRACES: '/v1/traces', LOGS: '/v1/logs' };

export function otlpProtocol(signal: Signal, fallback: OtlpProtocol = 'http/protobuf'): OtlpProtocol {
  const value = (getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) ?? getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL'))?.trim();
  if (!value) return fallback;
  if ((OTLP_PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
  process.stderr.write(`[sextant] unsupported OTLP protocol "${value}" (use ${OTLP_PROTOCOLS.join(', ')}); using ${fallback}\n`);
  return fallback;
}

/** The exporter `url` to pass, or undefined to let the exporter read the environment (or its default). */
export function exporterUrl(signal: Signal, protocol: OtlpProtocol, endpoint: string | undefined): string | undefined {
  if (!endpoint || getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`) || getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT')) return undefined;
  const base = endpoint.replace(/\/+$/, '');
  return protocol === 'grpc' ? base : base + HTTP_PATHS[signal];
}

export function traceExporter(options: ExportOptions, warning: CollectorWarning): SpanExporter {
  const protocol = otlpProtocol('TRACES', options.protocol);
  const config = { url: exporterUrl('TRACES', protocol, options.endpoint) };
  const inner =
    protocol === 'grpc' ? new GrpcTraceExporter(config) : protocol === 'http/json' ? new JsonTraceExporter(config) : new ProtoTraceExporter(config);
  return new WarningSpanExporter(inner, warning);
}

export function logRecordProcessor(options: ExportOptions, warning: CollectorWarning): BatchLogRecordProcessor {
  const protocol = otlpProtocol('LOGS', options.protocol);
  const config = { url: exporterUrl('LOGS', protocol, options.endpoint) };
  const inner: LogRecordExporter =
    protocol === 'grpc' ? new GrpcLogExporter(config) : protocol === 'http/json' ? new JsonLogExporter(config) : new ProtoLogExporter(config);
  // The SDK only reads OTEL_BLRP_* when it builds the processor itself.
  return new BatchLogRecordProcessor({
    exporter: new WarningLogRecordExporter(inner, warning),
    maxQueueSize: getNumberFromEnv('OTEL_BLRP_MAX_QUEUE_SIZE'),
    scheduledDelayMillis: getNumberFromEnv('OTEL_BLRP_SCHEDULE_DELAY'),
    exportTimeoutMillis: getNumberFromEnv('OTEL_BLRP_EXPORT_TIMEOUT'),
    maxExportBatchSize: getNumberFromEnv('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE'),
  });
}
