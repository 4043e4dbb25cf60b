/**
 * The answer of the span receivers that speak neither OTLP nor gRPC (Zipkin, Jaeger's HTTP collector): 202 when
 * stored, 400 with the decoder's sentence for unreadable input, 503 with Retry-After when the ingest budget
 * (admission.ts) or the store is full, or the store is failing. Neither protocol has a partial-success answer, so rejections and warnings travel in headers.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Ingestor, WireFormat } from '../ingest/decode.js';
import { decodeBody, rawBodyReceiver } from './body.js';
import { ingestFailure } from './ingest-status.js';
import type { ReceiverOptions } from './otlp-http.js';
import { applyBrowserPolicy } from '../security/browser-policy.js';
import { clientGone, HELD_PER_BODY_BYTE, reservationOf } from './admission.js';
import { requireIngestKey } from '../auth/ingest-auth.js';

/** A receiver's Fastify app: the browser policy and ingest key of the ingest ports, raw bodies, plain-text errors. */
export function spanPostApp(opts: ReceiverOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: opts.maxBodyBytes, logger: false });
  applyBrowserPolicy(app, opts.browser);
  if (opts.ingestKeys) requireIngestKey(app, opts.ingestKeys, (reply, message) => reply.type('text/plain').send(message));
  rawBodyReceiver(app, opts.budget, opts.maxBodyBytes);
  app.setErrorHandler((err, _req, reply) => fail(opts, reply, err, 'a request'));
  return app;
}

function fail(opts: ReceiverOptions, reply: FastifyReply, err: unknown, sender: string): FastifyReply {
  const f = ingestFailure(err, 'spans', sender, opts.budget.retryAfterSeconds());
  if (f.retryAfterSeconds !== null) reply.header('retry-after', String(f.retryAfterSeconds));
  return reply.code(f.http).type('text/plain').send(f.message);
}

/** The media type of a Content-Type header, lower case, without parameters (`fallback` when absent). */
export function mediaType(header: string | undefined, fallback: string): string {
  const ct = (header ?? '').split(';')[0]!.trim().toLowerCase();
  return ct === '' ? fallback : ct;
}

export function unsupported(reply: FastifyReply, ct: string, accepted: string): FastifyReply {
  return reply.code(415).type('text/plain').send(`Content-Type '${ct}' is not supported here; send ${accepted}`);
}

const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 500);

export async function acceptSpans(ingestor: Ingestor, opts: ReceiverOptions, format: WireFormat, sender: string, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const reservation = reservationOf(req)!;
  try {
    const raw = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
    const body = decodeBody(raw, req.headers['content-encoding'] as string | undefined, opts.maxBodyBytes);
    // Already counted per received byte; a compressed body holds more once inflated.
    reservation.grow((body.length - raw.length) * HELD_PER_BODY_BYTE.json);
    if (clientGone(req)) return reply;
    const result = await ingestor.ingest({ signal: 'traces', format, body });
    reservation.acknowledged();
    if (result.rejected > 0) reply.header('x-sextant-rejected', headerSafe(`${result.rejected} spans rejected: ${result.errors[0] ?? ''}`));
    if (result.warning !== '') reply.header('x-sextant-warning', headerSafe(result.warning));
    return reply.code(202).send();
  } catch (err) {
    return fail(opts, reply, err, sender);
  } finally {
    reservation.release();
  }
}
