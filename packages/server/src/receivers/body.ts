/** Request bodies shared by the HTTP receivers: decompression with a hard limit, and errors with HTTP statuses. */
import { gunzipSync, inflateSync, brotliDecompressSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { OverloadedError } from '../ingest/errors.js';
import { attachReservation, HELD_PER_BODY_BYTE, overloaded, reservationOf, type IngestBudget } from './admission.js';

/** An error that answers the request with `status` and a one-sentence message naming what was wrong. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Decompresses per Content-Encoding. The limit applies to the decompressed size too, so a small gzip bomb
 * cannot exhaust memory.
 */
export function decodeBody(raw: Buffer, contentEncoding: string | undefined, maxBytes: number): Buffer {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  const opts = { maxOutputLength: maxBytes };
  try {
    switch (enc) {
      case '':
      case 'identity':
        return raw;
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(raw, opts);
      case 'deflate':
        return inflateSync(raw, opts);
      case 'br':
        return brotliDecompressSync(raw, opts);
      default:
        throw new HttpError(415, `Content-Encoding '${enc}' is not supported (use gzip, deflate, br or none)`);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError(413, `decompressed body is larger than the limit of ${maxBytes} bytes`);
    }
    throw new HttpError(400, `body is not valid ${enc} data: ${(err as Error).message}`);
  }
}

export type BodyKind = 'protobuf' | 'json';

export function bodyKind(contentType: string | undefined): BodyKind | null {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/x-protobuf' || ct === 'application/protobuf') return 'protobuf';
  if (ct === 'application/json' || ct === '') return 'json';
  return null;
}

/**
 * Every body arrives raw: receivers decompress and decode it themselves, to enforce the size limit after
 * decompression and to name precisely what was wrong. The body is counted against the ingest budget before it
 * is read (Content-Length) and while it streams in, so an overloaded server refuses it without holding it.
 */
export function rawBodyReceiver(app: FastifyInstance, budget: IngestBudget, maxBytes: number): void {
  const tooLarge = () => new HttpError(413, `request body is larger than the limit of ${maxBytes} bytes`);
  // The whole cost is decided at once, from Content-Length: body plus what decoding it will hold.
  const perByte = (req: { headers: Record<string, unknown> }) => 1 + HELD_PER_BODY_BYTE[bodyKind(req.headers['content-type'] as string | undefined) ?? 'json'];
  app.addHook('onRequest', async (req) => {
    const r = budget.reserve(req.raw.socket);
    attachReservation(req, r);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) throw tooLarge();
    r.grow(declared * perByte(req));
  });
  // Whatever path the request took (error, early answer), its share goes back when it is answered.
  app.addHook('onResponse', async (req) => reservationOf(req)?.release());
  // A body refused while streaming in (chunked, as OpenTelemetry's Node exporters send) is read to its end and
  // discarded, and refused here: Fastify closes the connection when a body parser fails, and the connection is
  // what identifies a sender across its retries for the budget's fairness (admission.ts).
  app.addHook('preHandler', async (req) => {
    if (reservationOf(req)?.wasRefused) throw overloaded();
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (req, payload, done) => {
    const r = reservationOf(req)!;
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let received = 0;
    let finished = false;
    const finish = (err: Error | null, body?: Buffer) => {
      if (finished) return;
      finished = true;
      if (err) {
        r.release();
        payload.removeAllListeners('data');
        payload.resume();
      }
      done(err, body);
    };
    payload.on('data', (chunk: Buffer) => {
      if (finished) return;
      received += chunk.length;
      if (received > maxBytes) return finish(tooLarge());
      if (r.wasRefused) return;
      try {
        if (received > declared) r.grow(Math.min(chunk.length, received - declared) * perByte(req));
      } catch (err) {
        if (!(err instanceof OverloadedError)) return finish(err as Error);
        r.release();
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    payload.on('end', () => finish(null, r.wasRefused ? Buffer.alloc(0) : Buffer.concat(chunks, received)));
    payload.on('error', (err) => finish(err));
    payload.on('close', () => finish(new HttpError(400, 'the client closed the connection before sending the whole body')));
  });
}
