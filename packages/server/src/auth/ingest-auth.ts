/**
 * The ingest key on the receivers: OTLP/HTTP and Zipkin check it before reading the body, OTLP/gRPC in the call's
 * metadata. So `OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer <key>` (or `x-api-key=<key>`) is all a service
 * needs.
 */
import type { Metadata } from '@grpc/grpc-js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { presentedSecret, type SecretSet } from './secrets.js';

export const INGEST_KEY_MISSING = 'this receiver needs the ingest key: send it as "Authorization: Bearer <key>" or "x-api-key: <key>"';

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Refuses requests without a valid key with 401 before their body is read; `reject` writes the answer in the
 * receiver's own error format. CORS preflights carry no credentials and pass (the browser policy answers them).
 */
export function requireIngestKey(app: FastifyInstance, keys: SecretSet, reject: (reply: FastifyReply, message: string) => FastifyReply): void {
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'OPTIONS') return;
    if (keys.has(presentedSecret(header(req.headers.authorization), header(req.headers['x-api-key'])))) return;
    reply.header('www-authenticate', 'Bearer realm="sextant-ingest"');
    return reject(reply.code(401), INGEST_KEY_MISSING);
  });
}

export function grpcCallAuthorized(metadata: Metadata, keys: SecretSet): boolean {
  const first = (name: string) => {
    const v = metadata.get(name)[0];
    return typeof v === 'string' ? v : undefined;
  };
  return keys.has(presentedSecret(first('authorization'), first('x-api-key')));
}
