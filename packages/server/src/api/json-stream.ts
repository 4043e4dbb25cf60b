/**
 * Large JSON answers as streams: a big trace is written a chunk of spans at a time, the event loop free between
 * chunks, so no answer is ever one string in memory and health checks and ingest go on while it is sent. Only
 * the path down to the big arrays is walked; everything else is JSON.stringify'd whole.
 */
import { Readable } from 'node:stream';

/** Elements per chunk: a few ms of encoding for spans, so that several big answers at once keep the event loop responsive. */
const CHUNK = 100;
/** How deep a big array may sit (v3: result.resourceSpans[].scopeSpans[].spans). */
const MAX_DEPTH = 8;

/** Nanosecond times are bigints in the model; JSON carries them as decimal strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** An array written as its chunks of elements arrive (a big trace read a page at a time, encoded per page). */
export class StreamedList {
  constructor(readonly chunks: AsyncIterable<readonly unknown[]>) {}
}

/** An array whose elements arrive already encoded: each part is JSON elements joined by commas ('' for none). */
export class EncodedList {
  constructor(readonly parts: AsyncIterable<Uint8Array>) {}
}

/** `items` as a StreamedList whose elements `encode` makes a chunk at a time, only as they are written. */
export function lazyList<T>(items: readonly T[], encode: (chunk: readonly T[]) => readonly unknown[]): StreamedList {
  return new StreamedList(
    (async function* () {
      for (let i = 0; i < items.length; i += CHUNK) yield encode(items.slice(i, i + CHUNK));
    })(),
  );
}

/** Pages of items (read from the engine) as chunks of elements, `encode`d a chunk at a time as they are written. */
export async function* encodedChunks<T>(pages: AsyncIterable<T[]>, encode: (chunk: T[]) => readonly unknown[]): AsyncGenerator<readonly unknown[]> {
  for await (const page of pages) for (let i = 0; i < page.length; i += CHUNK) yield encode(page.slice(i, i + CHUNK));
}

/** An object member known only once the members before it are written (a truncation marker); undefined: none. */
export class Deferred {
  constructor(readonly get: () => unknown) {}
}

function hasBig(v: unknown, depth: number): boolean {
  if (v instanceof StreamedList || v instanceof EncodedList || v instanceof Deferred) return true;
  if (depth === 0 || v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.length > CHUNK || v.some((x) => hasBig(x, depth - 1));
  return Object.values(v).some((x) => hasBig(x, depth - 1));
}

const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Elements as JSON text joined by commas (no brackets), or '' when there are none. */
function elements(xs: readonly unknown[]): string {
  return xs.length === 0 ? '' : JSON.stringify(xs, jsonReplacer).slice(1, -1);
}

async function* chunksOf(v: unknown, depth: number): AsyncGenerator<string | Uint8Array> {
  if (v instanceof EncodedList) {
    yield '[';
    let first = true;
    for await (const part of v.parts) {
      if (part.length === 0) continue;
      if (!first) yield ',';
      yield part;
      first = false;
    }
    yield ']';
  } else if (v instanceof StreamedList || (Array.isArray(v) && v.length > CHUNK)) {
    yield '[';
    let first = true;
    for await (const chunk of v instanceof StreamedList ? v.chunks : lazyList(v, (c) => c).chunks) {
      const text = elements(chunk);
      if (text !== '') {
        yield first ? text : `,${text}`;
        first = false;
      }
      await breathe();
    }
    yield ']';
  } else if (depth > 0 && hasBig(v, depth)) {
    if (Array.isArray(v)) {
      yield '[';
      for (let i = 0; i < v.length; i++) {
        if (i > 0) yield ',';
        yield* chunksOf(v[i] ?? null, depth - 1);
      }
      yield ']';
    } else {
      yield '{';
      let first = true;
      for (const [k, member] of Object.entries(v as Record<string, unknown>)) {
        const x = member instanceof Deferred ? member.get() : member;
        if (x === undefined || typeof x === 'function') continue;
        yield `${first ? '' : ','}${JSON.stringify(k)}:`;
        first = false;
        yield* chunksOf(x, depth - 1);
      }
      yield '}';
    }
  } else {
    yield JSON.stringify(v, jsonReplacer) ?? 'null';
  }
}

/** `value` as a stream of JSON text; it is produced as the client reads (backpressure), a chunk at a time. */
export function jsonStream(value: unknown): Readable {
  return Readable.from(chunksOf(value, MAX_DEPTH), { objectMode: false });
}
