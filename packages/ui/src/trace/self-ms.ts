import type { TraceLayout } from './layout.js';

const cache = new WeakMap<TraceLayout, Float64Array>();

/**
 * Each row's self time in ms: its duration minus the union of its children's time inside it. Rows are in tree
 * order with children by start time, so one merge per parent gives the union. Computed once per layout.
 */
export function selfTimesMs(layout: TraceLayout): Float64Array {
  let out = cache.get(layout);
  if (out) return out;
  const n = layout.spans.length;
  out = new Float64Array(n);
  const { startMs, endMs, subtree } = layout;
  for (let p = 0; p < n; p++) {
    const ps = startMs[p];
    const pe = endMs[p];
    let covered = 0;
    let runStart = -Infinity;
    let runEnd = -Infinity;
    for (let c = p + 1; c <= p + subtree[p]; c += subtree[c] + 1) {
      const s = Math.max(ps, startMs[c]);
      const e = Math.min(pe, endMs[c]);
      if (e <= s) continue;
      if (s > runEnd) {
        if (runEnd > runStart) covered += runEnd - runStart;
        runStart = s;
        runEnd = e;
      } else if (e > runEnd) runEnd = e;
    }
    if (runEnd > runStart) covered += runEnd - runStart;
    out[p] = Math.max(0, pe - ps - covered);
  }
  cache.set(layout, out);
  return out;
}
