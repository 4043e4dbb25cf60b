/**
 * Jaeger's gRPC collector endpoint (:14250): jaeger.api_v2.CollectorService/PostSpans, as Jaeger clients and
 * agents (and the Collector's Jaeger exporter of old) send it. PostSpansResponse is empty; spans the decoder
 * rejected and retention warnings are named in the trailing metadata, since the protocol has no field for them.
 * It shares the ingest budget with the other receivers: past it, UNAVAILABLE with RetryInfo, as OTLP/gRPC.
 */
import { Metadata, Server, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Ingestor } from '../ingest/decode.js';
import { admitGrpcCall, rawUnaryService, serveGrpc, type GrpcReceiver } from './otlp-grpc.js';
import type { IngestBudget } from './admission.js';
import { grpcCallAuthorized, INGEST_KEY_MISSING } from '../auth/ingest-auth.js';
import type { SecretSet } from '../auth/secrets.js';

const EMPTY = Buffer.alloc(0);

export async function startJaegerGrpcReceiver(ingestor: Ingestor, host: string, port: number, maxBodyBytes: number, keys: SecretSet | null, budget: IngestBudget): Promise<GrpcReceiver> {
  const server = new Server({ 'grpc.max_receive_message_length': maxBodyBytes });
  server.addService(rawUnaryService('jaeger.api_v2.CollectorService', 'PostSpans'), {
    PostSpans: async (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      if (keys && !grpcCallAuthorized(call.metadata, keys)) return callback({ code: status.UNAUTHENTICATED, details: INGEST_KEY_MISSING });
      await admitGrpcCall(call, callback, budget, 'spans', 'Jaeger gRPC', async () => {
        const result = await ingestor.ingest({ signal: 'traces', format: 'jaeger-proto', body: call.request });
        const trailer = new Metadata();
        if (result.rejected > 0) trailer.set('x-sextant-rejected', `${result.rejected} spans rejected: ${result.errors[0] ?? ''}`);
        if (result.warning !== '') trailer.set('x-sextant-warning', result.warning);
        return { response: EMPTY, trailer };
      });
    },
  });
  return serveGrpc(server, host, port);
}
