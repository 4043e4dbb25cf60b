/**
 * The baseline a cohort comparison uses when none is given: the same search without what makes the selection a
 * selection. Comparing against every other trace of the window instead would mostly restate the selection's own
 * filters (other operations "call GET /x 0.1× as often").
 */

/** Search parameters that pick an outcome (slow, failing) rather than a kind of request, most telling first. */
const OUTCOME_KEYS = ['traceMinDuration', 'traceMaxDuration', 'minDuration', 'maxDuration', 'status'];

export interface DefaultBaseline {
  /** The baseline's search query string. */
  query: string;
  /** The parameters of the selection left out of it (the selection's distinguishing condition). */
  dropped: string[];
}

export function defaultCohortBaseline(selection: string): DefaultBaseline {
  const sel = new URLSearchParams(selection);
  const pairs: [string, string][] = [];
  sel.forEach((v, k) => pairs.push([k, v]));
  const keys = [...new Set(pairs.map(([k]) => k))];
  // Outcome filters when there are any; else attribute filters; else the operation (same service, all operations).
  let dropped = keys.filter((k) => OUTCOME_KEYS.includes(k));
  if (dropped.length === 0) dropped = keys.filter((k) => k.startsWith('attr.') || k === 'tag');
  if (dropped.length === 0) dropped = keys.filter((k) => k === 'operation');
  if (dropped.length === 0) dropped = keys.filter((k) => k !== 'start' && k !== 'end' && k !== 'lookback');
  const out = new URLSearchParams();
  for (const [k, v] of pairs) if (!dropped.includes(k) && k !== 'cursor' && k !== 'limit') out.append(k, v);
  return { query: out.toString(), dropped };
}
