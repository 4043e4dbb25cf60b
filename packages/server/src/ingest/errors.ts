/** Why ingest did not take a request; receivers/ingest-status.ts turns these into HTTP and gRPC answers. */

/** The request as a whole cannot be stored (unreadable, or nothing in it valid): HTTP 400 / INVALID_ARGUMENT. */
export class IngestRejected extends Error {
  override name = 'IngestRejected';
}

/** The ingest queue is full: a retryable answer (HTTP 503 / gRPC UNAVAILABLE). */
export class OverloadedError extends Error {
  override name = 'OverloadedError';
}
