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

/** The full traces of a search's page, in the search's order. */
export async function searchFullTraces(store: SpanStore, q: TraceQuery): Promise<Span[][]> {
  const { traces } = await store.searchTraces(q);
  const byId = await store.getTraces(traces.map((t) => t.traceId));
  return traces.map((t) => byId.get(t.traceId) ?? []).filter((s) => s.length > 0);
}
