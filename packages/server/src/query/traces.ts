/** Traces by id and by search, as the API families fetch them. */
import type { Span } from '@sextant/core';
import type { SpanStore, TraceQuery } from '../storage/contract.js';
import { NotFoundError } from './errors.js';
import { traceIdParam } from './search-params.js';

/** The default of --max-trace-spans: far above real traces, low enough that one cannot exhaust memory. */
export const DEFAULT_MAX_TRACE_SPANS = 500_000;

export interface TraceRead {
  spans: Span[];
  /** Set when the trace has more spans than the cap: only the first `maxSpans` by start time are in `spans`. */
  truncated: { maxSpans: number } | null;
}

/** At most `maxSpans` spans of a trace (the earliest), and whether more exist. */
export async function readTrace(store: SpanStore, traceId: string, maxSpans: number): Promise<TraceRead> {
  const spans = await store.getTrace(traceId, maxSpans + 1);
  if (spans.length <= maxSpans) return { spans, truncated: null };
  spans.length = maxSpans;
  return { spans, truncated: { maxSpans } };
}

/** What every API says when it truncated a trace. */
export function truncationNote(t: { maxSpans: number }): string {
  return `trace truncated: only its first ${t.maxSpans} spans by start time are returned (--max-trace-spans)`;
}

/** The (capped) spans of a stored trace; NotFoundError when none are stored. */
export async function storedTrace(store: SpanStore, id: string, maxSpans: number): Promise<TraceRead> {
  const read = await readTrace(store, traceIdParam(id), maxSpans);
  if (read.spans.length === 0) throw new NotFoundError(`trace ${id} not found`);
  return read;
}

/** Spans per page of a streamed trace: a few pages in memory at once, few enough queries for a big trace. */
const TRACE_PAGE = 2000;

export interface PagedTrace {
  /** The trace's spans a page at a time, at most the cap in all. */
  pages: AsyncIterable<Span[]>;
  /** Whether spans were left out: known at once (`decided`) for a trace of one page, else once `pages` ended. */
  truncated: () => { maxSpans: number } | null;
  decided: boolean;
}

async function* once(spans: Span[]): AsyncGenerator<Span[]> {
  yield spans;
}

/**
 * A stored trace (NotFoundError when none) for streaming: an engine with getTracePage is read a page at a time,
 * so a big trace is never held whole; others are read whole (capped).
 */
export async function pagedTrace(store: SpanStore, id: string, maxSpans: number, pageSize = TRACE_PAGE): Promise<PagedTrace> {
  const paged = store.getTracePage?.bind(store);
  if (!paged) {
    const read = await storedTrace(store, id, maxSpans);
    return { pages: once(read.spans), truncated: () => read.truncated, decided: true };
  }
  const page = paged;
  const traceId = traceIdParam(id);
  const firstSize = Math.min(pageSize, maxSpans);
  const first = await page(traceId, null, firstSize + 1);
  if (first.length === 0) throw new NotFoundError(`trace ${id} not found`);
  if (first.length <= firstSize) return { pages: once(first), truncated: () => null, decided: true };
  first.length = firstSize;
  if (firstSize === maxSpans) return { pages: once(first), truncated: () => ({ maxSpans }), decided: true };
  let truncated: { maxSpans: number } | null = null;
  async function* pages(): AsyncGenerator<Span[]> {
    let batch = first;
    let sent = 0;
    for (;;) {
      yield batch;
      sent += batch.length;
      const last = batch[batch.length - 1]!;
      const want = Math.min(pageSize, maxSpans - sent);
      // At the cap, one more span says whether the trace goes on.
      const next = await page(traceId, { startNano: last.startTimeUnixNano, spanId: last.spanId, kind: last.kind }, Math.max(want, 1));
      if (want === 0) {
        if (next.length > 0) truncated = { maxSpans };
        return;
      }
      if (next.length === 0) return;
      batch = next;
    }
  }
  return { pages: pages(), truncated: () => truncated, decided: false };
}

/** The default of --max-search-spans: a search answer of full traces (Jaeger's) holds at most this many spans. */
export const DEFAULT_MAX_SEARCH_SPANS = 100_000;

export interface FullTraces {
  traces: Span[][];
  /** Set when traces were left out because the answer would have held more than `maxSpans` spans. */
  truncated: { maxSpans: number; omittedTraces: number; traces: number } | null;
}

/** What every API says when it left traces out of a search answer. */
export function searchTruncationNote(t: NonNullable<FullTraces['truncated']>): string {
  return `search answer truncated: ${t.omittedTraces} of ${t.traces} traces left out, as an answer holds at most ${t.maxSpans} spans (--max-search-spans); narrow the search or open those traces by id`;
}

function fullTraces(traces: Span[][], found: number, maxSpans: number): FullTraces {
  return { traces, truncated: traces.length < found ? { maxSpans, omittedTraces: found - traces.length, traces: found } : null };
}

/**
 * The full traces of a search's page, in the search's order, as many as fit in `maxSpans` spans in all: the
 * summaries' span counts decide before any trace is read, so an answer never grows past the cap.
 */
export async function searchFullTraces(store: SpanStore, q: TraceQuery, maxSpans: number): Promise<FullTraces> {
  const { traces } = await store.searchTraces(q);
  let room = maxSpans;
  const fit: string[] = [];
  for (const t of traces) {
    if (t.spanCount > room) break;
    room -= t.spanCount;
    fit.push(t.traceId);
  }
  const byId = fit.length > 0 ? await store.getTraces(fit) : new Map<string, Span[]>();
  return fullTraces(fit.map((id) => byId.get(id) ?? []).filter((s) => s.length > 0), traces.length, maxSpans);
}

/** Traces by id (unknown ids skipped), in the order asked, as many whole traces as fit in `maxSpans` spans in all. */
export async function tracesByIds(store: SpanStore, ids: readonly string[], maxSpans: number): Promise<FullTraces> {
  const out: Span[][] = [];
  let room = maxSpans;
  let found = 0;
  for (const id of ids) {
    // Once one does not fit, the rest are left out too (only counted): the answer keeps the order asked.
    const full = room >= 0;
    const spans = await store.getTrace(id, full ? room + 1 : 1);
    if (spans.length === 0) continue;
    found++;
    if (!full || spans.length > room) {
      room = -1;
      continue;
    }
    room -= spans.length;
    out.push(spans);
  }
  return fullTraces(out, found, maxSpans);
}
