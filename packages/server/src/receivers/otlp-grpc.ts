/**
 * OTLP/gRPC receiver (:4317): TraceService/Export and LogsService/Export. Messages are taken as raw bytes and
 * decoded by our own codec (the same one as OTLP/HTTP), so grpc-js only does transport and gzip.
 */
import { Metadata, Server, ServerCredentials, status, type StatusObject, type ServerUnaryCall, type sendUnaryData, type ServiceDefinition } from '@grpc/grpc-js';
import { encodeExportLogsResponse, encodeExportTraceResponse } from '@sextant/core';
import { ingestMessage, type Ingestor, type Signal } from '../ingest/decode.js';
import { ingestFailure } from './ingest-status.js';
import { encodeRpcStatus } from './rpc-status.js';
import { HELD_PER_BODY_BYTE, type IngestBudget } from './admission.js';
import { grpcCallAuthorized, INGEST_KEY_MISSING } from '../auth/ingest-auth.js';
import type { SecretSet } from '../auth/secrets.js';
import type { EventEmitter } from 'node:events';
import type { ServerHttp2Session } from 'node:http2';

const raw = (b: Buffer): Buffer => b;

/** A unary method taking and returning raw bytes (our codecs do the decoding). */
export function rawUnaryService(serviceName: string, method = 'Export'): ServiceDefinition {
  return {
    [method]: {
      path: `/${serviceName}/${method}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: raw,
      responseDeserialize: raw,
    },
  };
}

/** A retryable failure carries google.rpc.RetryInfo in the status details (`grpc-status-details-bin`), as OTLP/gRPC asks. */
function statusWithRetry(code: status, details: string, retryAfterSeconds: number | null): Partial<StatusObject> {
  if (retryAfterSeconds === null) return { code, details };
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(encodeRpcStatus(code, details, retryAfterSeconds)));
  return { code, details, metadata };
}

/**
 * One gRPC ingest call under the ingest budget (OTLP and Jaeger alike): grpc-js has read the message already, so
 * what the budget still bounds is the decoded form and the queue. Past it, or on a retryable failure,
 * UNAVAILABLE with RetryInfo.
 */
export async function admitGrpcCall(
  call: ServerUnaryCall<Buffer, Buffer>,
  callback: sendUnaryData<Buffer>,
  budget: IngestBudget,
  what: string,
  receiver: string,
  ingest: () => Promise<{ response: Buffer; trailer?: Metadata }>,
): Promise<void> {
  // No sender for fairness: one HTTP/2 connection carries many concurrent exports, so it is no one client's record.
  const reservation = budget.reserve();
  try {
    reservation.grow(call.request.length * (1 + HELD_PER_BODY_BYTE.protobuf));
    if (call.cancelled) return callback({ code: status.CANCELLED, details: 'the client cancelled the call' });
    const { response, trailer } = await ingest();
    reservation.acknowledged();
    callback(null, response, trailer);
  } catch (err) {
    const f = ingestFailure(err, what, receiver, budget.retryAfterSeconds());
    callback(statusWithRetry(f.grpc, f.message, f.retryAfterSeconds));
  } finally {
    reservation.release();
  }
}

function exportHandler(ingestor: Ingestor, signal: Signal, keys: SecretSet | null, budget: IngestBudget) {
  return async (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    if (keys && !grpcCallAuthorized(call.metadata, keys)) return callback({ code: status.UNAUTHENTICATED, details: INGEST_KEY_MISSING });
    await admitGrpcCall(call, callback, budget, signal, 'OTLP/gRPC', async () => {
      const result = await ingestor.ingest({ signal, format: 'otlp-proto', body: call.request });
      const message = ingestMessage(result);
      const response = signal === 'traces' ? encodeExportTraceResponse(result.rejected, message) : encodeExportLogsResponse(result.rejected, message);
      return { response: Buffer.from(response) };
    });
  };
}

export interface GrpcReceiver {
  port: number;
  close(): Promise<void>;
}

export async function startOtlpGrpcReceiver(ingestor: Ingestor, host: string, port: number, maxBodyBytes: number, keys: SecretSet | null, budget: IngestBudget): Promise<GrpcReceiver> {
  const server = new Server({ 'grpc.max_receive_message_length': maxBodyBytes });
  server.addService(rawUnaryService('opentelemetry.proto.collector.trace.v1.TraceService'), { Export: exportHandler(ingestor, 'traces', keys, budget) });
  server.addService(rawUnaryService('opentelemetry.proto.collector.logs.v1.LogsService'), { Export: exportHandler(ingestor, 'logs', keys, budget) });
  return serveGrpc(server, host, port);
}

/**
 * HTTP/2's default connection window (64 KiB) is shared by every concurrent export on a connection, and the
 * client may send more only after the server's window updates, which wait for its event loop. Under load that
 * throttled a channel with many exports in flight to a few hundred KiB/s: calls reached the handler with their
 * 10 s deadline nearly spent (the overload test's gRPC timeouts). 1 MiB per connection removes that wait.
 */
const RECEIVE_WINDOW_BYTES = 1024 * 1024;

/**
 * grpc-js has no option for the server's connection window, so this reaches its HTTP/2 servers (a private field,
 * stable through grpc-js 1.x, the version locked in package-lock.json; backpressure.test.ts fails if it stops working).
 */
function widenReceiveWindow(server: Server): void {
  const http2Servers = (server as unknown as { http2Servers?: Map<EventEmitter, unknown> }).http2Servers;
  for (const h2 of http2Servers?.keys() ?? []) {
    h2.on('session', (session: ServerHttp2Session) => session.once('localSettings', () => session.setLocalWindowSize(RECEIVE_WINDOW_BYTES)));
  }
}

/** Binds a gRPC server (plain text, like the other receivers) and gives its port and a graceful close. */
export async function serveGrpc(server: Server, host: string, port: number): Promise<GrpcReceiver> {
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  widenReceiveWindow(server);
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      }),
  };
}
