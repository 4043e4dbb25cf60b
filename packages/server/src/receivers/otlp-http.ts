/**
 * OTLP/HTTP receiver (:4318): POST /v1/traces and /v1/logs, protobuf or JSON, optionally compressed. Answers
 * follow the OTLP/HTTP spec: 200 with an Export*ServiceResponse (partial_success when some items were rejected),
 * 400 with a google.rpc.Status naming what was wrong, 415/413 for unsupported or oversized bodies, 503 with
 * Retry-After when the ingest memory budget (admission.ts) or queue is full or the store fails (both retryable). Browser SDKs may send only from
 * origins listed in --ingest-cors-origins (security/browser-policy.ts).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { encodeExportLogsResponse, encodeExportTraceResponse } from '@sextant/core';
import { ingestMessage, type Ingestor, type Signal } from '../ingest/decode.js';
import { bodyKind, decodeBody, rawBodyReceiver, type BodyKind } from './body.js';
import { clientGone, HELD_PER_BODY_BYTE, reservationOf, type IngestBudget } from './admission.js';
import { encodeRpcStatus } from './rpc-status.js';
import { grpcCodeForHttp, ingestFailure } from './ingest-status.js';
import { applyBrowserPolicy, type BrowserPolicy } from '../security/browser-policy.js';
import { requireIngestKey } from '../auth/ingest-auth.js';
import type { SecretSet } from '../auth/secrets.js';

export interface ReceiverOptions {
  maxBodyBytes: number;
  budget: IngestBudget;
  browser: BrowserPolicy;
  /** null: no key needed. */
  ingestKeys: SecretSet | null;
}

/** @param retryAfterSeconds the Retry-After of a 503, also put in the protobuf status as google.rpc.RetryInfo. */
function sendError(reply: FastifyReply, kind: BodyKind, status: number, message: string, retryAfterSeconds: number | null = null): FastifyReply {
  if (retryAfterSeconds !== null) reply.header('retry-after', String(retryAfterSeconds));
  if (kind === 'protobuf') {
    return reply.code(status).type('application/x-protobuf').send(Buffer.from(encodeRpcStatus(grpcCodeForHttp(status), message, retryAfterSeconds ?? undefined)));
  }
  return reply.code(status).type('application/json').send({ code: grpcCodeForHttp(status), message });
}

export async function createOtlpHttpReceiver(ingestor: Ingestor, opts: ReceiverOptions): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: opts.maxBodyBytes, logger: false });
  applyBrowserPolicy(app, opts.browser);
  if (opts.ingestKeys) requireIngestKey(app, opts.ingestKeys, (reply, message) => sendError(reply, bodyKind(reply.request.headers['content-type']) ?? 'json', 401, message));
  rawBodyReceiver(app, opts.budget, opts.maxBodyBytes);
  const fail = (reply: FastifyReply, kind: BodyKind, err: unknown, what: string) => {
    const f = ingestFailure(err, what, 'OTLP/HTTP', opts.budget.retryAfterSeconds());
    return sendError(reply, kind, f.http, f.message, f.retryAfterSeconds);
  };
  app.setErrorHandler((err, req, reply) => fail(reply, bodyKind(req.headers['content-type']) ?? 'json', err, 'a request'));

  const handler = (signal: Signal) => async (req: FastifyRequest, reply: FastifyReply) => {
    const kind = bodyKind(req.headers['content-type']);
    if (kind === null) {
      return sendError(reply, 'json', 415, `Content-Type '${req.headers['content-type']}' is not supported; send application/x-protobuf or application/json`);
    }
    const reservation = reservationOf(req)!;
    try {
      const raw = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
      const body = decodeBody(raw, req.headers['content-encoding'] as string | undefined, opts.maxBodyBytes);
      // Already counted per received byte; a compressed body holds more once inflated.
      reservation.grow((body.length - raw.length) * HELD_PER_BODY_BYTE[kind]);
      if (clientGone(req)) return reply;
      const result = await ingestor.ingest({ signal, format: kind === 'protobuf' ? 'otlp-proto' : 'otlp-json', body });
      reservation.acknowledged();
      const message = ingestMessage(result);
      if (kind === 'protobuf') {
        const bytes = signal === 'traces' ? encodeExportTraceResponse(result.rejected, message) : encodeExportLogsResponse(result.rejected, message);
        return reply.code(200).type('application/x-protobuf').send(Buffer.from(bytes));
      }
      const field = signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords';
      return reply.code(200).type('application/json').send(message !== '' ? { partialSuccess: { [field]: String(result.rejected), errorMessage: message } } : {});
    } catch (err) {
      return fail(reply, kind, err, signal);
    } finally {
      reservation.release();
    }
  };

  app.post('/v1/traces', handler('traces'));
  app.post('/v1/logs', handler('logs'));
  return app;
}
