/**
 * How the API families answer errors. Each family (native, Jaeger classic, Jaeger v3...) is a Fastify plugin
 * with its own error body; the status an error maps to is decided here, once.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DecodeError } from '@sextant/core';
import { QueryError, QueryTimeoutError, StorageUnavailableError } from '../storage/contract.js';
import { QueryBusyError } from '../query/query-lane.js';
import { NotFoundError } from '../query/errors.js';
import { logFailure } from '../log.js';

/** An answer other than 200 that a handler chooses (a bad parameter, a missing resource...). */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function statusOf(err: Error & { statusCode?: number }): number {
  if (err instanceof ApiError) return err.status;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof QueryError || err instanceof DecodeError) return 400;
  if (err instanceof StorageUnavailableError || err instanceof QueryBusyError) return 503;
  if (err instanceof QueryTimeoutError) return 504;
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return err.statusCode;
  return 500;
}

/** Installs an error handler on a plugin: `body` shapes the answer for the family's clients. */
export function answerErrorsWith(app: FastifyInstance, body: (status: number, message: string) => unknown): void {
  app.setErrorHandler((err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const status = statusOf(err);
    // The query lane's refusals name the limit and the flag and hold no engine text: the client reads them as they are.
    const ours = err instanceof QueryBusyError || err instanceof QueryTimeoutError;
    // The server's log gets the details; a client gets no file paths or engine text.
    if (status >= 500 && !ours) logFailure(`${req.method} ${req.url.split('?')[0]}`, err);
    const message = ours || status < 500 ? err.message : status === 503 ? 'the store cannot be reached just now; retry later' : 'internal error; the server log has the details';
    if (status === 503) reply.header('retry-after', String(err instanceof QueryBusyError ? err.retryAfterSeconds : 1));
    return reply.code(status).send(body(status, message));
  });
}
