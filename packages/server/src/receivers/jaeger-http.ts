/**
 * Jaeger's HTTP collector endpoint (:14268): POST /api/traces with a jaeger.thrift Batch in Thrift's binary
 * protocol, as jaeger-client's HTTP sender posts it; 202 on success, as Jaeger's collector answers.
 */
import type { FastifyInstance } from 'fastify';
import type { Ingestor } from '../ingest/decode.js';
import type { ReceiverOptions } from './otlp-http.js';
import { acceptSpans, mediaType, spanPostApp, unsupported } from './span-post.js';

const THRIFT_TYPES = new Set(['application/x-thrift', 'application/vnd.apache.thrift.binary']);

export async function createJaegerHttpReceiver(ingestor: Ingestor, opts: ReceiverOptions): Promise<FastifyInstance> {
  const app = spanPostApp(opts);
  app.post('/api/traces', (req, reply) => {
    const ct = mediaType(req.headers['content-type'], '');
    if (!THRIFT_TYPES.has(ct)) return unsupported(reply, ct, 'a jaeger.thrift Batch (application/x-thrift or application/vnd.apache.thrift.binary)');
    return acceptSpans(ingestor, opts, 'jaeger-thrift', 'Jaeger', req, reply);
  });
  return app;
}
