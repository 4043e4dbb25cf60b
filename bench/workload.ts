// Synthetic but realistic load: traces of 10 spans over 6 services with ~10 attributes per span, as an
// instrumented web shop would send (HTTP server/client, DB and cache spans).
import { randomBytes } from 'node:crypto';
import { emptyScope, SpanKind, StatusCode, type KeyValue, type Resource, type Scope, type Span } from '@sextant/core';

const SERVICES = ['frontend', 'checkout', 'cart', 'payments', 'catalog', 'auth'];
const ROUTES = ['/api/cart', '/api/checkout', '/api/products/:id', '/api/login', '/api/orders/:id'];

const resources: Resource[] = SERVICES.map((s, i) => ({
  attributes: [
    { key: 'service.name', value: s },
    { key: 'service.version', value: '1.4.2' },
    { key: 'host.name', value: `node-${i}` },
    { key: 'process.pid', value: BigInt(1000 + i) },
    { key: 'telemetry.sdk.language', value: 'nodejs' },
    { key: 'telemetry.sdk.name', value: 'opentelemetry' },
    { key: 'telemetry.sdk.version', value: '2.12.0' },
  ],
  droppedAttributesCount: 0,
  schemaUrl: '',
}));
const scope: Scope = { ...emptyScope(), name: '@opentelemetry/instrumentation-http', version: '0.223.0' };

function id(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function attrs(i: number, n: number): KeyValue[] {
  const route = ROUTES[n % ROUTES.length]!;
  return [
    { key: 'http.request.method', value: n % 4 === 0 ? 'POST' : 'GET' },
    { key: 'http.route', value: route },
    { key: 'url.path', value: route.replace(':id', String(n % 5000)) },
    { key: 'http.response.status_code', value: n % 50 === 0 ? 500n : 200n },
    { key: 'server.address', value: `${SERVICES[i % SERVICES.length]}.internal` },
    { key: 'server.port', value: 8080n },
    { key: 'network.protocol.version', value: '1.1' },
    { key: 'user_agent.original', value: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0' },
    { key: 'app.user.id', value: `user-${n % 20000}` },
    { key: 'app.request.size', value: BigInt(200 + (n % 1800)) },
  ];
}

/** `traces` traces of 10 spans each, starting at `startNano` and spaced 1 ms apart. */
export function makeTraces(traces: number, startNano: bigint, seq = 0): Span[] {
  const out: Span[] = [];
  for (let t = 0; t < traces; t++) {
    const n = seq + t;
    const traceId = id(16);
    const t0 = startNano + BigInt(t) * 1_000_000n;
    const ids = Array.from({ length: 10 }, () => id(8));
    for (let i = 0; i < 10; i++) {
      const parent = i === 0 ? '' : ids[i < 4 ? 0 : Math.floor(i / 3)]!;
      const start = t0 + BigInt(i) * 200_000n;
      out.push({
        traceId,
        spanId: ids[i]!,
        parentSpanId: parent,
        traceState: '',
        flags: 1,
        name: i === 0 ? `GET ${ROUTES[n % ROUTES.length]}` : i % 3 === 0 ? 'SELECT orders' : `POST /internal/${SERVICES[i % 6]}`,
        kind: i === 0 ? SpanKind.SERVER : i % 2 ? SpanKind.CLIENT : SpanKind.SERVER,
        startTimeUnixNano: start,
        endTimeUnixNano: start + BigInt(1_000_000 + ((n * 7919 + i * 104729) % 40_000_000)),
        attributes: attrs(i, n),
        droppedAttributesCount: 0,
        events: [],
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
        status: n % 50 === 0 && i === 0 ? { code: StatusCode.ERROR, message: 'upstream failed' } : { code: StatusCode.UNSET, message: '' },
        resource: resources[i % resources.length]!,
        scope,
      });
    }
  }
  return out;
}
