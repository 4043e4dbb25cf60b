// Entry point of every demo process: `node service-main.js <name>`. A service starts OpenTelemetry through
// @sextant/node first and only then loads its code, so that node:http, fetch and the rest are instrumented
// when they are first imported (ESM imports are hoisted, hence the dynamic imports below).
import { isInstrumented, isProcessName, type ProcessName } from './topology.js';

const name = process.argv[2];
if (!isProcessName(name)) {
  process.stderr.write(`usage: service-main <service>; unknown service '${String(name)}'\n`);
  process.exit(2);
}

if (isInstrumented(name)) {
  const { start } = await import('@sextant/node');
  // OTEL_EXPORTER_OTLP_ENDPOINT (set by the launcher) says where spans go; flushing at exit is the runtime's job.
  const sextant = start({ serviceName: name, serviceVersion: '1.0.0', flushOnExit: false });
  const { onExit } = await import('./lib/runtime.js');
  onExit(() => sextant.shutdown());
}

const services: Record<ProcessName, () => Promise<unknown>> = {
  gateway: () => import('./services/gateway.js'),
  auth: () => import('./services/auth.js'),
  catalog: () => import('./services/catalog.js'),
  cart: () => import('./services/cart.js'),
  checkout: () => import('./services/checkout.js'),
  payments: () => import('./services/payments.js'),
  worker: () => import('./services/worker.js'),
  assistant: () => import('./services/assistant.js'),
  broker: () => import('./services/broker.js'),
  cache: () => import('./services/cache.js'),
};
await services[name]();
