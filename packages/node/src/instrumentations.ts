// Which libraries get instrumented, and how. Everything in @opentelemetry/auto-instrumentations-node is on,
// except the noisy ones (fs, dns, net: a span per file or socket operation), which OTEL_NODE_ENABLED_INSTRUMENTATIONS
// can turn back on. OTEL_NODE_DISABLED_INSTRUMENTATIONS keeps working because we only pass explicit `enabled: false`
// for the noisy ones.
import { ServerResponse } from 'node:http';
import { getNodeAutoInstrumentations, type InstrumentationConfigMap } from '@opentelemetry/auto-instrumentations-node';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { setTraceResponseHeaders, type TraceResponseOptions } from './trace-response.js';

const NOISY = ['fs', 'dns', 'net'] as const;
type HttpConfig = NonNullable<InstrumentationConfigMap['@opentelemetry/instrumentation-http']>;

export interface InstrumentationOptions {
  /** Per-instrumentation config, merged over ours (keys are package names, as in auto-instrumentations-node). */
  instrumentations?: InstrumentationConfigMap;
  /** Send `traceresponse` (and optionally a request-id header) on every incoming HTTP request; default true. */
  traceResponse?: boolean | TraceResponseOptions;
  /** Whether pino and winston records are also sent as OTLP logs (they get trace ids either way). */
  sendLogs: boolean;
}

function enabledFromEnv(): string[] {
  return (process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS ?? '').split(',').map((s) => s.trim());
}

function httpConfig(user: HttpConfig | undefined, traceResponse: InstrumentationOptions['traceResponse']): HttpConfig {
  if (traceResponse === false) return { ...user };
  const options = typeof traceResponse === 'object' ? traceResponse : {};
  const userHook = user?.responseHook;
  return {
    ...user,
    // For server spans the hook runs as the request arrives, inside the server span's context, before the
    // app's handler writes anything.
    responseHook: (span, response) => {
      if (response instanceof ServerResponse) setTraceResponseHeaders(response, options, span);
      userHook?.(span, response);
    },
  };
}

export function sextantInstrumentations(options: InstrumentationOptions): Instrumentation[] {
  const user = options.instrumentations ?? {};
  const enabled = enabledFromEnv();
  const config: InstrumentationConfigMap = { ...user };
  for (const name of NOISY) {
    const key = `@opentelemetry/instrumentation-${name}` as const;
    if (!enabled.includes(name)) config[key] = { enabled: false, ...user[key] };
  }
  config['@opentelemetry/instrumentation-http'] = httpConfig(user['@opentelemetry/instrumentation-http'], options.traceResponse);
  config['@opentelemetry/instrumentation-pino'] = { disableLogSending: !options.sendLogs, ...user['@opentelemetry/instrumentation-pino'] };
  config['@opentelemetry/instrumentation-winston'] = { disableLogSending: !options.sendLogs, ...user['@opentelemetry/instrumentation-winston'] };
  return getNodeAutoInstrumentations(config);
}
