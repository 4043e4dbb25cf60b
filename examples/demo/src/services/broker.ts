// A minimal message broker over HTTP, standing in for Kafka, RabbitMQ or NATS so that the demo needs nothing
// installed. Queues live in memory; a message is handed to one consumer and counts as delivered at that point
// (at-most-once). It is infrastructure, not instrumented: the producer and consumer spans of the services show
// the messages, and the trace context travels in each message's headers.
import { randomUUID } from 'node:crypto';
import { HttpError, serve } from '../lib/http-server.js';
import type { Message } from '../lib/broker-client.js';

const queues = new Map<string, Message<unknown>[]>();
const waiting = new Map<string, ((message: Message<unknown>) => void)[]>();

function deliver(queue: string, message: Message<unknown>): void {
  const consumer = waiting.get(queue)?.shift();
  if (consumer) consumer(message);
  else queues.set(queue, [...(queues.get(queue) ?? []), message]);
}

function receive(queue: string, waitMs: number): Promise<Message<unknown> | undefined> {
  const next = queues.get(queue)?.shift();
  if (next) return Promise.resolve(next);
  return new Promise((resolve) => {
    const consumers = waiting.get(queue) ?? [];
    waiting.set(queue, consumers);
    const consumer = (message: Message<unknown>) => {
      clearTimeout(timer);
      resolve(message);
    };
    const timer = setTimeout(() => {
      consumers.splice(consumers.indexOf(consumer), 1);
      resolve(undefined);
    }, waitMs);
    consumers.push(consumer);
  });
}

await serve([
  {
    method: 'POST',
    path: '/queues/:queue/messages',
    handler: ({ params, body }) => {
      const { headers, body: payload } = (body ?? {}) as Partial<Message<unknown>>;
      if (typeof headers !== 'object' || headers === null) throw new HttpError(400, 'a message needs headers and a body');
      const id = randomUUID();
      deliver(params.queue, { id, headers, body: payload });
      return { status: 202, body: { id } };
    },
  },
  {
    method: 'POST',
    path: '/queues/:queue/receive',
    handler: async ({ params, query }) => {
      const waitMs = Math.min(Number(query.get('waitMs') ?? 0) || 0, 30_000);
      const message = await receive(params.queue, waitMs);
      return message ? { body: message } : { status: 204 };
    },
  },
]);
