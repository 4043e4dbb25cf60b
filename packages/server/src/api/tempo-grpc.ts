/**
 * Tempo's StreamingQuerier gRPC service on the query port, as Grafana's Tempo data source calls it when
 * "streaming" is on: Grafana dials the data source URL's host and port with plain-text HTTP/2 (what Tempo offers
 * with `stream_over_http_enabled`), so connections that open with the HTTP/2 preface go to grpc-js and all
 * others to the HTTP server.
 *
 * Served: Search, MetricsQueryRange and MetricsQueryInstant (what Grafana streams); the tag calls Grafana makes over
 * HTTP. A call runs as an in-process request to the HTTP route that answers the same question, carrying
 * the call's credentials, authority and any browser headers, so authentication, the Host check and the browser
 * policy decide exactly as they do for HTTP. The answer is streamed as one message holding the whole result
 * (Tempo's last message always does; Grafana reads to the end of the stream).
 */
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { Server, ServerCredentials, status, type ServerWritableStream, type ServiceDefinition } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import {
  decodeTempoMetricsRequest, decodeTempoSearchRequest, DecodeError, encodeTempoQueryInstantResponse, encodeTempoQueryRangeResponse, encodeTempoSearchResponse,
  type TempoMetricsRequest, type TempoSearchRequest,
} from '@sextant/core';

const SERVICE = 'tempopb.StreamingQuerier';
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
/** A connection that sends nothing at all in this long is dropped (the HTTP server's own timeouts start later). */
const FIRST_BYTES_TIMEOUT_MS = 30_000;

const raw = (b: Buffer): Buffer => b;

function streamingMethod(name: string) {
  return { path: `/${SERVICE}/${name}`, requestStream: false, responseStream: true, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw };
}

/** Metadata that the HTTP side's guards read, passed on as request headers. */
const FORWARDED = ['authorization', 'cookie', 'origin', 'sec-fetch-site', 'sec-fetch-mode', 'x-scope-orgid'];

function grpcCode(httpStatus: number): status {
  if (httpStatus === 400) return status.INVALID_ARGUMENT;
  if (httpStatus === 401) return status.UNAUTHENTICATED;
  if (httpStatus === 403 || httpStatus === 421) return status.PERMISSION_DENIED;
  if (httpStatus === 404) return status.NOT_FOUND;
  if (httpStatus === 503) return status.UNAVAILABLE;
  return status.INTERNAL;
}

/** Tempo's `tags` map (the older search) in the logfmt form `/api/search?tags=` reads. */
function logfmt(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
}

export function searchParams(req: TempoSearchRequest): Record<string, string> {
  const p: Record<string, string> = {};
  if (req.query !== '') p.q = req.query;
  else {
    p.tags = logfmt(req.tags);
    if (req.minDurationMs > 0) p.minDuration = `${req.minDurationMs}ms`;
    if (req.maxDurationMs > 0) p.maxDuration = `${req.maxDurationMs}ms`;
  }
  if (req.limit > 0) p.limit = String(req.limit);
  if (req.spansPerSpanSet > 0) p.spss = String(req.spansPerSpanSet);
  if (req.start > 0) p.start = String(req.start);
  if (req.end > 0) p.end = String(req.end);
  return p;
}

function fail(call: ServerWritableStream<Buffer, Buffer>, code: status, details: string): void {
  call.emit('error', { code, details });
}

/** Metrics request fields as the HTTP routes' query parameters (nanosecond times; the step in seconds). */
export function metricsParams(req: TempoMetricsRequest): Record<string, string> {
  const p: Record<string, string> = { q: req.query };
  if (req.startNano > 0n) p.start = req.startNano.toString();
  if (req.endNano > 0n) p.end = req.endNano.toString();
  if (req.stepNano > 0n) p.step = `${req.stepNano}ns`;
  if (req.exemplars > 0) p.exemplars = String(req.exemplars);
  return p;
}

/**
 * One streaming method: decode the request, answer it with `route` called in-process with the call's
 * credentials, authority and browser headers, and stream the JSON answer re-encoded as the method's message.
 */
function streamed<Req>(app: FastifyInstance, route: string, decode: (buf: Buffer) => Req, params: (req: Req) => Record<string, string>, encode: (json: never) => Uint8Array) {
  return async (call: ServerWritableStream<Buffer, Buffer>) => {
    let req: Req;
    try {
      req = decode(call.request);
    } catch (err) {
      if (err instanceof DecodeError) return fail(call, status.INVALID_ARGUMENT, err.message);
      throw err;
    }
    const headers: Record<string, string> = { host: call.getHost(), accept: 'application/json' };
    for (const name of FORWARDED) {
      const v = call.metadata.get(name)[0];
      if (typeof v === 'string') headers[name] = v;
    }
    try {
      const res = await app.inject({ method: 'GET', url: route, query: params(req), headers });
      if (call.cancelled) return;
      if (res.statusCode !== 200) return fail(call, grpcCode(res.statusCode), res.body.trim() || `HTTP ${res.statusCode}`);
      call.write(Buffer.from(encode(JSON.parse(res.body) as never)));
      call.end();
    } catch (err) {
      fail(call, status.INTERNAL, (err as Error).message);
    }
  };
}

export interface TempoGrpc {
  close(): void;
}

/**
 * Serves the StreamingQuerier on `server` (the query port's HTTP server) next to HTTP/1.1. Call before
 * the server listens; close() ends the gRPC connections.
 */
export function serveTempoGrpc(app: FastifyInstance, server: HttpServer): TempoGrpc {
  const grpc = new Server();
  const methods = {
    Search: streamed(app, '/api/search', decodeTempoSearchRequest, searchParams, encodeTempoSearchResponse),
    MetricsQueryRange: streamed(app, '/api/metrics/query_range', (b) => decodeTempoMetricsRequest(b, false), metricsParams, encodeTempoQueryRangeResponse),
    MetricsQueryInstant: streamed(app, '/api/metrics/query', (b) => decodeTempoMetricsRequest(b, true), metricsParams, encodeTempoQueryInstantResponse),
  };
  const service: ServiceDefinition = Object.fromEntries(Object.keys(methods).map((name) => [name, streamingMethod(name)]));
  grpc.addService(service, methods);
  const injector = grpc.createConnectionInjector(ServerCredentials.createInsecure());
  const http1 = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    let seen = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), FIRST_BYTES_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2 && seen.length < PREFACE.length) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      // Put the bytes back for whoever takes the socket: HTTP/2 reads what is buffered when its session starts,
      // the HTTP/1 parser once the socket flows again.
      socket.pause();
      socket.unshift(seen);
      if (isH2) injector.injectConnection(socket);
      else {
        for (const listener of http1) listener.call(server, socket);
        socket.resume();
      }
    };
    const onError = () => clearTimeout(timer);
    // Closed before it said which protocol it speaks: nothing to answer.
    const onEnd = () => socket.destroy();
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.once('close', () => clearTimeout(timer));
  });
  return { close: () => grpc.forceShutdown() };
}
