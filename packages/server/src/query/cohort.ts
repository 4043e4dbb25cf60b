/** Comparing two groups of traces (a selection against a baseline), each given as a native search. */
import { compareCohorts, type CohortFigures, type Span } from '@sextant/core';
import type { SpanStore, TraceQuery } from '../storage/contract.js';
import { parseNativeSearch, type Query } from './search-params.js';

/** Traces matching a search given as a URL query string, at most `max`, leaving out `exclude`. */
async function cohortTraces(store: SpanStore, queryString: string, exclude: Set<string>, max: number): Promise<Span[][]> {
  const q = Object.fromEntries(new URLSearchParams(queryString)) as Query;
  const search: TraceQuery = { ...parseNativeSearch(q), limit: max + exclude.size };
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.searchTraces({ ...search, limit: Math.min(1000, search.limit), cursor });
    for (const t of page.traces) if (!exclude.has(t.traceId) && ids.length < max) ids.push(t.traceId);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && ids.length < max);
  const traces = await store.getTraces(ids);
  return ids.map((id) => traces.get(id) ?? []).filter((t) => t.length > 0);
}

/**
 * `baseline` is a search too, or 'rest': every other trace of the selection's time window. A baseline may overlap
 * the selection (the search a selection was dragged from): the two groups are kept apart either way.
 */
export async function compareSearches(store: SpanStore, selection: string, baseline: string, max: number): Promise<CohortFigures> {
  const selected = await cohortTraces(store, selection, new Set(), max);
  const selectedIds = new Set(selected.map((t) => t[0]!.traceId));
  let baselineQuery = baseline;
  if (baseline === 'rest') {
    const sel = new URLSearchParams(selection);
    const rest = new URLSearchParams();
    for (const k of ['start', 'end']) {
      const v = sel.get(k);
      if (v !== null) rest.set(k, v);
    }
    baselineQuery = rest.toString();
  }
  const base = await cohortTraces(store, baselineQuery, selectedIds, max);
  return { selectionCount: selected.length, baselineCount: base.length, ...compareCohorts(selected, base) };
}
