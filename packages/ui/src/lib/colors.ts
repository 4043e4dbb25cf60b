// Service colours: stable per name (hash into a palette chosen to stay distinct on light and dark backgrounds).
const PALETTE = [
  '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f',
  '#17becf', '#bcbd22', '#7f7fff', '#e377c2', '#2ca02c', '#ff7f0e', '#8c6bb1', '#41ab5d',
  '#d4a017', '#6baed6', '#fd8d3c', '#a1d99b',
];

const cache = new Map<string, string>();

export function serviceColor(name: string): string {
  let c = cache.get(name);
  if (c === undefined) {
    let h = 2166136261;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
    c = PALETTE[(h >>> 0) % PALETTE.length];
    cache.set(name, c);
  }
  return c;
}

/** Green → amber → red as an error rate (0..1) rises. */
export function errorRateColor(rate: number): string {
  if (rate <= 0) return 'var(--edge-ok)';
  if (rate < 0.05) return 'var(--edge-warn)';
  return 'var(--edge-bad)';
}
