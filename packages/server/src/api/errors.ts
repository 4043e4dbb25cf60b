/**
 * How the API families answer errors. Each family (native, Jaeger classic, Jaeger v3...) is a Fastify plugin
 * with its own error body; the status an error maps to is decided here, once.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DecodeError } from '@sextant/core';
import { QueryError, StorageUnavailableError } from '../storage/contract.js';
import { NotFoundError } from '../query/errors.js';

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
  if (err instanceof StorageUnavailableError) return 503;
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return err.statusCode;
  return 500;
}

/** Installs an error handler on a plugin: `body` shapes the answer for the family's clients. */
export function answerErrorsWith(app: FastifyInstance, body: (status: number, message: string) => unknown): void {
  app.setErrorHandler((err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const status = statusOf(err);
    if (status >= 500) req.log.error(err);
    const message = status >= 500 && status !== 503 ? `internal error: ${err.message}` : err.message;
    if (status === 503) reply.header('retry-after', '1');
    return reply.code(status).send(body(status, message));
  });
}
