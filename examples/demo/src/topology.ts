// The shop's processes. Services are instrumented with @sextant/node; the broker and the cache stand in for
// infrastructure (a Kafka/RabbitMQ broker, a Redis cache) that is not instrumented itself: the services' own
// client spans are what a trace shows of them, as with the real thing.
export const SERVICES = ['gateway', 'auth', 'catalog', 'cart', 'checkout', 'payments', 'worker', 'assistant'] as const;
export const INFRASTRUCTURE = ['broker', 'cache'] as const;
export const PROCESSES = [...SERVICES, ...INFRASTRUCTURE] as const;

export type ServiceName = (typeof SERVICES)[number];
export type ProcessName = (typeof PROCESSES)[number];

export function isProcessName(name: unknown): name is ProcessName {
  return (PROCESSES as readonly unknown[]).includes(name);
}

export function isInstrumented(name: ProcessName): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}
