// start(): the OpenTelemetry Node SDK, configured for Sextant. Standard OTEL_* variables keep their meaning
// (the SDK reads sampler, span limits, batch processor, propagators, OTEL_SDK_DISABLED, ...); our options only
// fill in what the environment leaves unset.
import { diag, type Attributes } from '@opentelemetry/api';
import type { InstrumentationConfigMap } from '@opentelemetry/auto-instrumentations-node';
import { CompositePropagator, getBooleanFromEnv, getStringListFromEnv, W3CBaggagePropagator } from '@opentelemetry/core';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CollectorWarning, type Warn } from './collector-warning.js';
import { registerEsmLoaderHook } from './esm-hook.js';
import { logRecordProcessor, traceExporter, type OtlpProtocol } from './exporters.js';
import { sextantInstrumentations } from './instrumentations.js';
import { flushOnExit } from './lifecycle.js';
import { PreciseStartTime } from './precise-start.js';
import { SextantTraceContextPropagator } from './propagator.js';
import { baseResource, resourceDetectors } from './resource.js';
import type { TraceResponseOptions } from './trace-response.js';

export interface StartOptions {
  /** service.name; OTEL_SERVICE_NAME wins, the app's package.json name is the fallback. */
  serviceName?: string;
  /** service.version; the app's package.json version is the fallback. */
  serviceVersion?: string;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES wins on conflicts). */
  resourceAttributes?: Attributes;
  /** Base OTLP endpoint used when OTEL_EXPORTER_OTLP_[TRACES_|LOGS_]ENDPOINT are unset; default http://localhost:4318. */
  endpoint?: string;
  /** OTLP protocol used when OTEL_EXPORTER_OTLP_[TRACES_|LOGS_]PROTOCOL are unset; default http/protobuf. */
  protocol?: OtlpProtocol;
  /** Per-instrumentation config, keyed by package name as in @opentelemetry/auto-instrumentations-node. */
  instrumentations?: InstrumentationConfigMap;
  /** `traceresponse` header on every incoming HTTP request (default true); an object adds a request-id header. */
  traceResponse?: boolean | TraceResponseOptions;
  /** Export pino/winston records as OTLP logs (default true unless OTEL_LOGS_EXPORTER=none). */
  logs?: boolean;
  /** Flush on SIGTERM, SIGINT and beforeExit (default true). */
  flushOnExit?: boolean;
  /** Upper bound for the flush at exit; default 5000 ms. */
  shutdownTimeoutMillis?: number;
  /** Where the one-time "collector unreachable" line goes; default stderr. */
  warn?: Warn;
}

export interface Sextant {
  /** Flushes pending spans and logs and stops the SDK. Safe to call more than once. */
  shutdown(): Promise<void>;
}

let running: Sextant | undefined;

/** Which signals use an exporter other than OTLP through the standard *_EXPORTER variables (then the SDK builds them). */
function exporterOverridden(variable: string): boolean {
  const names = getStringListFromEnv(variable);
  return names !== undefined && names.length > 0 && !(names.length === 1 && names[0] === 'otlp');
}

function buildConfiguration(options: StartOptions): Partial<NodeSDKConfiguration> {
  const warning = new CollectorWarning(options.warn);
  const exportOptions = { endpoint: options.endpoint, protocol: options.protocol };
  const logsDisabled = options.logs === false || (getStringListFromEnv('OTEL_LOGS_EXPORTER') ?? []).includes('none');
  const config: Partial<NodeSDKConfiguration> = {
    resource: baseResource(options),
    resourceDetectors: resourceDetectors(),
    instrumentations: sextantInstrumentations({
      instrumentations: options.instrumentations,
      traceResponse: options.traceResponse,
      sendLogs: !logsDisabled,
    }),
    // Sextant stores traces and logs; metrics are only exported when asked for explicitly.
    metricReaders: process.env.OTEL_METRICS_EXPORTER ? undefined : [],
  };
  // Spans get sub-millisecond start times (see precise-start.ts); the batch processor reads OTEL_BSP_* as the SDK's would.
  if (!exporterOverridden('OTEL_TRACES_EXPORTER'))
    config.spanProcessors = [new PreciseStartTime(), new BatchSpanProcessor(traceExporter(exportOptions, warning))];
  if (!logsDisabled && !exporterOverridden('OTEL_LOGS_EXPORTER')) config.logRecordProcessors = [logRecordProcessor(exportOptions, warning)];
  // OTEL_PROPAGATORS, when set, is honoured by the SDK; otherwise W3C Trace Context (ours) + Baggage.
  if (!getStringListFromEnv('OTEL_PROPAGATORS')) {
    config.textMapPropagator = new CompositePropagator({ propagators: [new SextantTraceContextPropagator(), new W3CBaggagePropagator()] });
  }
  return config;
}

/**
 * Starts OpenTelemetry for this process: auto-instrumentation, OTLP export of traces and logs, resource
 * detection, W3C Trace Context + Baggage propagation, flush at exit. Call it once, before the app loads the
 * libraries to instrument (`node --import @sextant/node/register` does that for you); later calls return the
 * running instance.
 */
export function start(options: StartOptions = {}): Sextant {
  if (running) {
    diag.warn('@sextant/node: start() called again; keeping the first configuration');
    return running;
  }
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) {
    running = { shutdown: () => Promise.resolve() };
    return running;
  }
  registerEsmLoaderHook();
  const sdk = new NodeSDK(buildConfiguration(options));
  sdk.start();
  let stopped: Promise<void> | undefined;
  const removeExitHandlers = options.flushOnExit === false ? () => undefined : flushOnExit(() => stop(), options.shutdownTimeoutMillis ?? 5000);
  function stop(): Promise<void> {
    stopped ??= sdk.shutdown();
    return stopped;
  }
  running = {
    shutdown() {
      removeExitHandlers();
      return stop();
    },
  };
  return running;
}

/** Shuts down the instance started by start() (no-op when none). */
export function shutdown(): Promise<void> {
  return running?.shutdown() ?? Promise.resolve();
}
