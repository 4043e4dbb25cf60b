/** Request bodies shared by the HTTP receivers: decompression with a hard limit, and errors with HTTP statuses. */
import { gunzipSync, inflateSync, brotliDecompressSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';

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
 * decompression and to name precisely what was wrong.
 */
export function rawBodyReceiver(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}
