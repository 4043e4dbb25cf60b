/** Traces by id and by search, as the API families fetch them. */
import type { Span } from '@sextant/core';
import type { SpanStore, TraceQuery } from '../storage/contract.js';
import { NotFoundError } from './errors.js';
import { traceIdParam } from './search-params.js';

/** The spans of a stored trace; NotFoundError when none are stored. */
export async function storedTrace(store: SpanStore, id: string): Promise<Span[]> {
  const spans = await store.getTrace(traceIdParam(id));
  if (spans.length === 0) throw new NotFoundError(`trace ${id} not found`);
  return spans;
}

/** The full traces of a search's page, in the search's order. */
export async function searchFullTraces(store: SpanStore, q: TraceQuery): Promise<Span[][]> {
  const { traces } = await store.searchTraces(q);
  const byId = await store.getTraces(traces.map((t) => t.traceId));
  return traces.map((t) => byId.get(t.traceId) ?? []).filter((s) => s.length > 0);
}
