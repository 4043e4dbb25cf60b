// Messaging over the demo broker. The trace continues across the queue because the producer injects the W3C
// trace context into the message headers and the consumer extracts it: the consumer span becomes a child of
// the producer span even though the two never talk to each other directly. Span names, kinds and messaging.*
// attributes follow the OpenTelemetry messaging conventions.
import { setTimeout as sleep } from 'node:timers/promises';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { serviceUrl } from './runtime.js';
import { untracedFetch } from './transport.js';

const SYSTEM = 'demo-broker';
const tracer = () => trace.getTracer('sextant-demo-messaging');

export interface Message<T> {
  id: string;
  headers: Record<string, string>;
  body: T;
}

function queueUrl(queue: string): string {
  return `${serviceUrl('broker')}/queues/${encodeURIComponent(queue)}`;
}

function attributes(queue: string, operation: 'send' | 'process') {
  const broker = new URL(serviceUrl('broker'));
  return {
    'messaging.system': SYSTEM,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    'messaging.destination.name': queue,
    'server.address': broker.hostname,
    'server.port': Number(broker.port),
  };
}

/** Sends `body` to `queue` under a producer span; the message id is returned. */
export function publish(queue: string, body: unknown): Promise<string> {
  return tracer().startActiveSpan(`send ${queue}`, { kind: SpanKind.PRODUCER, attributes: attributes(queue, 'send') }, async (span) => {
    try {
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      const payload = JSON.stringify({ headers, body });
      span.setAttribute('messaging.message.body.size', Buffer.byteLength(payload));
      const res = await untracedFetch(`${queueUrl(queue)}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
      if (!res.ok) throw new Error(`the broker refused the message: HTTP ${res.status}`);
      const { id } = (await res.json()) as { id: string };
      span.setAttribute('messaging.message.id', id);
      return id;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Receives from `queue` until `signal` aborts, running `handle` for each message under a consumer span that
 * continues the producer's trace. Polling itself makes no spans: it belongs to no request.
 */
export async function consume<T>(queue: string, handle: (body: T) => Promise<void>, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    let message: Message<T> | undefined;
    try {
      const res = await untracedFetch(`${queueUrl(queue)}/receive?waitMs=1000`, { method: 'POST', signal });
      if (res.status === 200) message = (await res.json()) as Message<T>;
      else if (res.status !== 204) throw new Error(`HTTP ${res.status}`);
    } catch (error) {
      if (signal.aborted) return;
      process.stderr.write(`receive from ${queue} failed: ${(error as Error).message}; retrying\n`);
      await sleep(500);
      continue;
    }
    if (!message) continue;
    const parent = propagation.extract(context.active(), message.headers);
    const options = { kind: SpanKind.CONSUMER, attributes: { ...attributes(queue, 'process'), 'messaging.message.id': message.id } };
    await tracer().startActiveSpan(`process ${queue}`, options, parent, async (span) => {
      try {
        await handle(message.body);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      } finally {
        span.end();
      }
    });
  }
}
