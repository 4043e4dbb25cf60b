/**
 * Zipkin receiver (:9411), as Zipkin's collector answers (202 on success): POST /api/v2/spans with v2 JSON or
 * protobuf, POST /api/v1/spans with v1 JSON or Thrift.
 */
import type { FastifyInstance } from 'fastify';
import type { Ingestor } from '../ingest/decode.js';
import type { ReceiverOptions } from './otlp-http.js';
import { acceptSpans, mediaType, spanPostApp, unsupported } from './span-post.js';

export async function createZipkinReceiver(ingestor: Ingestor, opts: ReceiverOptions): Promise<FastifyInstance> {
  const app = spanPostApp(opts);
  // Zipkin's own collector reads a missing Content-Type as JSON; so does this one.
  app.post('/api/v2/spans', (req, reply) => {
    const ct = mediaType(req.headers['content-type'], 'application/json');
    const format = ct === 'application/json' ? 'zipkin-json' : ct === 'application/x-protobuf' ? 'zipkin-proto' : null;
    if (format === null) return unsupported(reply, ct, 'Zipkin v2 JSON (application/json) or protobuf (application/x-protobuf)');
    return acceptSpans(ingestor, opts, format, 'Zipkin', req, reply);
  });
  app.post('/api/v1/spans', (req, reply) => {
    const ct = mediaType(req.headers['content-type'], 'application/json');
    const format = ct === 'application/json' ? 'zipkin-v1-json' : ct === 'application/x-thrift' ? 'zipkin-v1-thrift' : null;
    if (format === null) return unsupported(reply, ct, 'Zipkin v1 JSON (application/json) or Thrift (application/x-thrift)');
    return acceptSpans(ingestor, opts, format, 'Zipkin', req, reply);
  });
  return app;
}
