/**
 * OTLP/gRPC receiver (:4317): TraceService/Export and LogsService/Export. Messages are taken as raw bytes and
 * decoded by our own codec (the same one as OTLP/HTTP), so grpc-js only does transport and gzip.
 */
import { Server, ServerCredentials, status, type ServerUnaryCall, type sendUnaryData, type ServiceDefinition } from '@grpc/grpc-js';
import {
  DecodeError,
  decodeLogsRequest,
  decodeTraceRequest,
  encodeExportLogsResponse,
  encodeExportTraceResponse,
  type LogRecord,
  type Span,
} from '@sextant/core';
import { OverloadedError, type IngestPipeline } from '../pipeline.js';

const raw = (b: Buffer): Buffer => b;

function exportService(serviceName: string): ServiceDefinition {
  return {
    Export: {
      path: `/${serviceName}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: raw,
      responseDeserialize: raw,
    },
  };
}

type Signal = 'traces' | 'logs';

function exportHandler(pipeline: IngestPipeline, signal: Signal) {
  return async (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    try {
      const bytes = new Uint8Array(call.request.buffer, call.request.byteOffset, call.request.byteLength);
      const result = signal === 'traces' ? decodeTraceRequest(bytes) : decodeLogsRequest(bytes);
      if (result.items.length === 0 && result.rejected > 0) {
        callback({ code: status.INVALID_ARGUMENT, details: `no valid ${signal === 'traces' ? 'spans' : 'log records'} in request; ${result.rejected} rejected: ${result.errors.slice(0, 5).join('; ')}` });
        return;
      }
      if (signal === 'traces') await pipeline.submit(result.items as Span[], []);
      else await pipeline.submit([], result.items as LogRecord[]);
      const message = result.rejected > 0 ? `${result.rejected} rejected: ${result.errors.slice(0, 5).join('; ')}` : '';
      const response = signal === 'traces' ? encodeExportTraceResponse(result.rejected, message) : encodeExportLogsResponse(result.rejected, message);
      callback(null, Buffer.from(response));
    } catch (err) {
      if (err instanceof DecodeError) callback({ code: status.INVALID_ARGUMENT, details: `invalid OTLP ${signal} request: ${err.message}` });
      else if (err instanceof OverloadedError) callback({ code: status.UNAVAILABLE, details: err.message });
      else callback({ code: status.INTERNAL, details: `could not store the ${signal}: ${(err as Error).message}` });
    }
  };
}

export interface GrpcReceiver {
  port: number;
  close(): Promise<void>;
}

export async function startOtlpGrpcReceiver(pipeline: IngestPipeline, host: string, port: number, maxBodyBytes: number): Promise<GrpcReceiver> {
  const server = new Server({ 'grpc.max_receive_message_length': maxBodyBytes });
  server.addService(exportService('opentelemetry.proto.collector.trace.v1.TraceService'), { Export: exportHandler(pipeline, 'traces') });
  server.addService(exportService('opentelemetry.proto.collector.logs.v1.LogsService'), { Export: exportHandler(pipeline, 'logs') });
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
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
