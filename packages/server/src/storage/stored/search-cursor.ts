/**
 * Search result order and the opaque page cursor, shared by every engine: a page ends at its last trace's sort
 * key and id (ties on the key are broken by trace id), and the cursor carries both, so the next page starts
 * strictly after it whichever engine answers.
 */
import { QueryError, type TraceSort, type TraceSummary } from '../contract.js';

export interface Cursor {
  sort: TraceSort;
  key: bigint;
  traceId: string;
}

/**
 * Each order's key as SQL over a per-trace summary with columns t_start, t_end (ns), n (spans) and n_err (error
 * spans), which both engines' search queries name so, and whether it runs high to low.
 */
export const ORDERS: Record<TraceSort, { key: string; desc: boolean }> = {
  recent: { key: 't_start', desc: true },
  longest: { key: '(t_end - t_start)', desc: true },
  shortest: { key: '(t_end - t_start)', desc: false },
  spans: { key: 'n', desc: true },
  errors: { key: 'n_err', desc: true },
};

/** The value of a trace summary's sort key, for its cursor. */
function sortKeyOf(sort: TraceSort, t: TraceSummary): bigint {
  if (sort === 'recent') return t.startUnixNano;
  if (sort === 'longest' || sort === 'shortest') return t.durationNano;
  return BigInt(sort === 'spans' ? t.spanCount : t.errorCount);
}

/** The cursor of the page after `page` (null when there is none: `more` says whether the query had more rows). */
export function nextPageCursor(sort: TraceSort, page: readonly TraceSummary[], more: boolean): string | null {
  const last = page[page.length - 1];
  return more && last ? encodeCursor({ sort, key: sortKeyOf(sort, last), traceId: last.traceId }) : null;
}

// The most-recent order keeps its original cursor text, so cursors issued before sorting existed still work.
export function encodeCursor(c: Cursor): string {
  return Buffer.from(c.sort === 'recent' ? `${c.key}:${c.traceId}` : `${c.sort}:${c.key}:${c.traceId}`).toString('base64url');
}

export function decodeCursor(cursor: string, sort: TraceSort = 'recent'): Cursor {
  const m = /^(?:([a-z]+):)?(-?\d+):([0-9a-f]{32})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m || (m[1] ?? 'recent') !== sort) throw new QueryError(`cursor '${cursor}' is not one this server issued for sort=${sort}`);
  return { sort, key: BigInt(m[2]!), traceId: m[3]! };
}
