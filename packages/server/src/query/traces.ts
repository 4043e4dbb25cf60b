/** Traces by id and by search, as the API families fetch them. */
import type { Span } from '@sextant/core';
import { QueryError, type SpanStore, type TraceQuery } from '../storage/contract.js';
import { parseTraceIdParam } from '../storage/stored/ids.js';
import { NotFoundError } from './errors.js';

/** A trace id as a user typed it (32 or 16 hex characters), normalised; QueryError if it is not one. */
export function traceIdOf(text: string): string {
  const traceId = parseTraceIdParam(text);
  if (traceId === null) throw new QueryError(`trace id '${text}' is not 32 (or 16) hexadecimal characters`);
  return traceId;
}

/** The spans of a stored trace; NotFoundError when none are stored. */
export async function storedTrace(store: SpanStore, id: string): Promise<Span[]> {
  const spans = await store.getTrace(traceIdOf(id));
  if (spans.length === 0) throw new NotFoundError(`trace ${id} not found`);
  return spans;
}

/** The full traces of a search's page, in the search's order. */
export async function searchFullTraces(store: SpanStore, q: TraceQuery): Promise<Span[][]> {
  const { traces } = await store.searchTraces(q);
  const byId = await store.getTraces(traces.map((t) => t.traceId));
  return traces.map((t) => byId.get(t.traceId) ?? []).filter((s) => s.length > 0);
}
