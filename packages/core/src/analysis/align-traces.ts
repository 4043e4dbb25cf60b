/**
 * Two traces lined up call by call, for a side-by-side view. A span's key is its call-tree path plus its rank
 * among siblings with the same path, so the 3rd `SELECT` under `GET /cart` meets the 3rd in the other trace.
 * Rows present on one side only are calls that appeared or disappeared.
 */
import { isErrorSpan } from './errors.js';
import { buildTraceTree } from './tree.js';
import type { Span } from '../model.js';

export interface AlignedCall {
  key: string;
  depth: number;
  service: string;
  name: string;
  a?: { spanId: string; durNano: bigint; error: boolean };
  b?: { spanId: string; durNano: bigint; error: boolean };
}

/** A's tree order, with each call only B made placed right after the row B had just before it. */
export function alignTraces(sa: readonly Span[], sb: readonly Span[]): AlignedCall[] {
  const rows = new Map<string, AlignedCall>();
  const walk = (spans: readonly Span[], side: 'a' | 'b'): string[] => {
    const tree = buildTraceTree(spans);
    const keys: string[] = new Array(spans.length);
    const seen = new Map<string, number>();
    const order: string[] = [];
    for (const node of tree.preorder) {
      const s = spans[node];
      const p = tree.parent[node];
      // Ranks count within the parent's row, so one extra call early on does not shift every later match.
      const base = `${p >= 0 ? keys[p] : ''}/${tree.services[node]}\u0000${s.name}`;
      const rank = seen.get(base) ?? 0;
      seen.set(base, rank + 1);
      const key = `${base}#${rank}`;
      keys[node] = key;
      order.push(key);
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { key, depth: tree.depth[node], service: tree.services[node], name: s.name }));
      row[side] = { spanId: s.spanId, durNano: s.endTimeUnixNano - s.startTimeUnixNano, error: isErrorSpan(s) };
    }
    return order;
  };
  const orderA = walk(sa, 'a');
  const orderB = walk(sb, 'b');
  const after = new Map<string, string[]>();
  let anchor = '';
  for (const k of orderB) {
    if (rows.get(k)!.a) anchor = k;
    else {
      const list = after.get(anchor);
      if (list) list.push(k);
      else after.set(anchor, [k]);
    }
  }
  const out: AlignedCall[] = (after.get('') ?? []).map((k) => rows.get(k)!);
  for (const k of orderA) {
    out.push(rows.get(k)!);
    for (const extra of after.get(k) ?? []) out.push(rows.get(extra)!);
  }
  return out;
}
