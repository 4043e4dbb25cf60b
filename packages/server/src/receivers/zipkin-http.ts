/** Zipkin v2 receiver (:9411): POST /api/v2/spans with a JSON list of spans, 202 on success, as Zipkin answers. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Ingestor } from '../ingest/decode.js';
import { decodeBody, rawBodyReceiver } from './body.js';
import { ingestFailure } from './ingest-status.js';
import type { ReceiverOptions } from './otlp-http.js';
import { applyBrowserPolicy } from '../security/browser-policy.js';
import { logFailure } from '../log.js';
import { requireIngestKey } from '../auth/ingest-auth.js';

export async function createZipkinReceiver(ingestor: Ingestor, opts: ReceiverOptions): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: opts.maxBodyBytes, logger: false });
  applyBrowserPolicy(app, opts.browser);
  if (opts.ingestKeys) requireIngestKey(app, opts.ingestKeys, (reply, message) => reply.type('text/plain').send(message));
  rawBodyReceiver(app);
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).type('text/plain').send(`request body is larger than the limit of ${opts.maxBodyBytes} bytes`);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return reply.code(err.statusCode).type('text/plain').send(err.message);
    logFailure(`${req.method} ${req.url}`, err);
    return reply.code(500).type('text/plain').send('internal error; the server log has the details');
  });

  app.post('/api/v2/spans', async (req, reply) => {
    const ct = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/json' && ct !== '') {
      return reply.code(415).type('text/plain').send(`Content-Type '${ct}' is not supported; Sextant accepts Zipkin v2 JSON (application/json)`);
    }
    try {
      const body = decodeBody((req.body as Buffer | undefined) ?? Buffer.alloc(0), req.headers['content-encoding'] as string | undefined, opts.maxBodyBytes);
      const result = await ingestor.ingest({ signal: 'traces', format: 'zipkin-json', body });
      if (result.rejected > 0) {
        // Zipkin has no partial-success answer; say it in a header rather than fail the valid spans.
        reply.header('x-sextant-rejected', `${result.rejected} spans rejected: ${result.errors[0] ?? ''}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 500));
      }
      if (result.warning !== '') reply.header('x-sextant-warning', result.warning);
      return reply.code(202).send();
    } catch (err) {
      const f = ingestFailure(err, 'spans', 'Zipkin');
      if (f.retryAfterSeconds !== null) reply.header('retry-after', String(f.retryAfterSeconds));
      return reply.code(f.http).type('text/plain').send(f.message);
    }
  });
  return app;
}
