/**
 * OTLP/HTTP receiver (:4318): POST /v1/traces and /v1/logs, protobuf or JSON, optionally compressed. Answers
 * follow the OTLP/HTTP spec: 200 with an Export*ServiceResponse (partial_success when some items were rejected),
 * 400 with a google.rpc.Status naming what was wrong, 415/413 for unsupported or oversized bodies, 503 with
 * Retry-After when the ingest queue is full or the store fails (both retryable). Browser SDKs may send only from
 * origins listed in --ingest-cors-origins (security/browser-policy.ts).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { encodeExportLogsResponse, encodeExportTraceResponse } from '@sextant/core';
import { ingestMessage, type Ingestor, type Signal } from '../ingest/decode.js';
import { bodyKind, decodeBody, rawBodyReceiver, type BodyKind } from './body.js';
import { encodeRpcStatus } from './rpc-status.js';
import { grpcCodeForHttp, ingestFailure } from './ingest-status.js';
import { applyBrowserPolicy, type BrowserPolicy } from '../security/browser-policy.js';
import { logFailure } from '../log.js';
import { requireIngestKey } from '../auth/ingest-auth.js';
import type { SecretSet } from '../auth/secrets.js';

export interface ReceiverOptions {
  maxBodyBytes: number;
  browser: BrowserPolicy;
  /** null: no key needed. */
  ingestKeys: SecretSet | null;
}

function sendError(reply: FastifyReply, kind: BodyKind, status: number, message: string): FastifyReply {
  if (status === 503) reply.header('retry-after', '1');
  if (kind === 'protobuf') {
    return reply.code(status).type('application/x-protobuf').send(Buffer.from(encodeRpcStatus(grpcCodeForHttp(status), message)));
  }
  return reply.code(status).type('application/json').send({ code: grpcCodeForHttp(status), message });
}

export async function createOtlpHttpReceiver(ingestor: Ingestor, opts: ReceiverOptions): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: opts.maxBodyBytes, logger: false });
  applyBrowserPolicy(app, opts.browser);
  if (opts.ingestKeys) requireIngestKey(app, opts.ingestKeys, (reply, message) => sendError(reply, bodyKind(reply.request.headers['content-type']) ?? 'json', 401, message));
  rawBodyReceiver(app);
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const kind = bodyKind(req.headers['content-type']) ?? 'json';
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, kind, 413, `request body is larger than the limit of ${opts.maxBodyBytes} bytes`);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return sendError(reply, kind, err.statusCode, err.message);
    logFailure(`${req.method} ${req.url}`, err);
    return sendError(reply, kind, 500, 'internal error; the server log has the details');
  });

  const handler = (signal: Signal) => async (req: FastifyRequest, reply: FastifyReply) => {
    const kind = bodyKind(req.headers['content-type']);
    if (kind === null) {
      return sendError(reply, 'json', 415, `Content-Type '${req.headers['content-type']}' is not supported; send application/x-protobuf or application/json`);
    }
    try {
      const raw = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
      const body = decodeBody(raw, req.headers['content-encoding'] as string | undefined, opts.maxBodyBytes);
      const result = await ingestor.ingest({ signal, format: kind === 'protobuf' ? 'otlp-proto' : 'otlp-json', body });
      const message = ingestMessage(result);
      if (kind === 'protobuf') {
        const bytes = signal === 'traces' ? encodeExportTraceResponse(result.rejected, message) : encodeExportLogsResponse(result.rejected, message);
        return reply.code(200).type('application/x-protobuf').send(Buffer.from(bytes));
      }
      const field = signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords';
      return reply.code(200).type('application/json').send(message !== '' ? { partialSuccess: { [field]: String(result.rejected), errorMessage: message } } : {});
    } catch (err) {
      const f = ingestFailure(err, signal, 'OTLP/HTTP');
      return sendError(reply, kind, f.http, f.message);
    }
  };

  app.post('/v1/traces', handler('traces'));
  app.post('/v1/logs', handler('logs'));
  return app;
}
