import { useMemo, useState } from 'react';

export type SortDir = 'asc' | 'desc';

export interface SortState<K extends string> {
  key: K;
  dir: SortDir;
}

/**
 * Sorted view of rows by a chosen column. `value` maps a row and column to something comparable;
 * clicking the active header flips the direction.
 */
export function useSort<R, K extends string>(
  rows: readonly R[],
  initial: SortState<K>,
  value: (row: R, key: K) => number | string,
) {
  const [sort, setSort] = useState(initial);
  const sorted = useMemo(() => {
    const out = rows.slice();
    const m = sort.dir === 'asc' ? 1 : -1;
    out.sort((a, b) => {
      const va = value(a, sort.key);
      const vb = value(b, sort.key);
      return (va < vb ? -1 : va > vb ? 1 : 0) * m;
    });
    return out;
    // `value` is a pure accessor per table; re-sorting on its identity would only waste work.
  }, [rows, sort]);
  const header = (key: K, label: string, numeric = false) => (
    <th
      className={`sortable${numeric ? ' num' : ''}${sort.key === key ? ' sorted' : ''}`}
      aria-sort={sort.key === key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
      onClick={() =>
        setSort((s) => (s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: numeric ? 'desc' : 'asc' }))
      }
    >
      {label}
      <span className="sort-mark">{sort.key === key ? (sort.dir === 'asc' ? '▲' : '▼') : ''}</span>
    </th>
  );
  return { sorted, header };
}
