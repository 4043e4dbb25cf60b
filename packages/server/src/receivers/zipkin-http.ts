/** Zipkin v2 receiver (:9411): POST /api/v2/spans with a JSON list of spans, 202 on success, as Zipkin answers. */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Ingestor } from '../ingest/decode.js';
import { decodeBody, rawBodyReceiver } from './body.js';
import { clientGone, HELD_PER_BODY_BYTE, reservationOf } from './admission.js';
import { ingestFailure } from './ingest-status.js';
import type { ReceiverOptions } from './otlp-http.js';
import { applyBrowserPolicy } from '../security/browser-policy.js';
import { requireIngestKey } from '../auth/ingest-auth.js';

export async function createZipkinReceiver(ingestor: Ingestor, opts: ReceiverOptions): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: opts.maxBodyBytes, logger: false });
  applyBrowserPolicy(app, opts.browser);
  if (opts.ingestKeys) requireIngestKey(app, opts.ingestKeys, (reply, message) => reply.type('text/plain').send(message));
  rawBodyReceiver(app, opts.budget, opts.maxBodyBytes);
  const fail = (reply: FastifyReply, err: unknown) => {
    const f = ingestFailure(err, 'spans', 'Zipkin', opts.budget.retryAfterSeconds());
    if (f.retryAfterSeconds !== null) reply.header('retry-after', String(f.retryAfterSeconds));
    return reply.code(f.http).type('text/plain').send(f.message);
  };
  app.setErrorHandler((err, _req, reply) => fail(reply, err));

  app.post('/api/v2/spans', async (req, reply) => {
    const ct = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/json' && ct !== '') {
      return reply.code(415).type('text/plain').send(`Content-Type '${ct}' is not supported; Sextant accepts Zipkin v2 JSON (application/json)`);
    }
    const reservation = reservationOf(req)!;
    try {
      const raw = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
      const body = decodeBody(raw, req.headers['content-encoding'] as string | undefined, opts.maxBodyBytes);
      // Already counted per received byte; a compressed body holds more once inflated.
      reservation.grow((body.length - raw.length) * HELD_PER_BODY_BYTE.json);
      if (clientGone(req)) return reply;
      const result = await ingestor.ingest({ signal: 'traces', format: 'zipkin-json', body });
      reservation.acknowledged();
      if (result.rejected > 0) {
        // Zipkin has no partial-success answer; say it in a header rather than fail the valid spans.
        reply.header('x-sextant-rejected', `${result.rejected} spans rejected: ${result.errors[0] ?? ''}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 500));
      }
      if (result.warning !== '') reply.header('x-sextant-warning', result.warning);
      return reply.code(202).send();
    } catch (err) {
      return fail(reply, err);
    } finally {
      reservation.release();
    }
  });
  return app;
}
