/**
 * The one place that decides how a failed ingest is answered: each error becomes an HTTP status (OTLP/HTTP,
 * Zipkin) and the matching gRPC code (OTLP/gRPC). Retryable failures say so (503 + Retry-After, UNAVAILABLE),
 * because OpenTelemetry exporters retry exactly those.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { IngestRejected, OverloadedError } from '../ingest/errors.js';
import { StorageUnavailableError } from '../storage/contract.js';
import { logFailure } from '../log.js';
import { HttpError } from './body.js';

export interface IngestFailure {
  http: number;
  grpc: GrpcStatus;
  message: string;
  /** Seconds a client should wait before retrying, when the failure is retryable. */
  retryAfterSeconds: number | null;
}

/** The gRPC code that answers an HTTP status (also the `code` of OTLP/HTTP's google.rpc.Status body). */
export function grpcCodeForHttp(http: number): GrpcStatus {
  if (http === 503 || http === 429) return GrpcStatus.UNAVAILABLE;
  if (http === 413) return GrpcStatus.RESOURCE_EXHAUSTED;
  if (http === 401) return GrpcStatus.UNAUTHENTICATED;
  if (http === 415) return GrpcStatus.INVALID_ARGUMENT;
  if (http >= 500) return GrpcStatus.INTERNAL;
  return GrpcStatus.INVALID_ARGUMENT;
}

function failure(http: number, message: string, retryAfterSeconds: number): IngestFailure {
  return { http, grpc: grpcCodeForHttp(http), message, retryAfterSeconds: http === 503 ? retryAfterSeconds : null };
}

/**
 * @param what the signal ('traces', 'logs', 'spans'); @param receiver the receiver's name, for the server's log;
 * @param retryAfterSeconds the delay to advise on a retryable failure (the ingest budget's advice).
 * A failure of the store itself is logged in full and answered with a sentence that names no file or engine
 * detail, as retryable: what was not acknowledged is not stored, and the sender keeps it.
 */
export function ingestFailure(err: unknown, what: string, receiver: string, retryAfterSeconds = 1): IngestFailure {
  if (err instanceof HttpError) return failure(err.status, err.message, retryAfterSeconds);
  if (err instanceof IngestRejected) return failure(400, err.message, retryAfterSeconds);
  if (err instanceof OverloadedError || err instanceof StorageUnavailableError) return failure(503, err.message, retryAfterSeconds);
  // Fastify's own 4xx (a request it could not route or parse) name the problem themselves.
  const statusCode = (err as { statusCode?: number }).statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) return failure(statusCode, (err as Error).message, retryAfterSeconds);
  logFailure(`storing ${what} from ${receiver}`, err);
  return failure(503, `could not store the ${what} just now; retry later`, retryAfterSeconds);
}
