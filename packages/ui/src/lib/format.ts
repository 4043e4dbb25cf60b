import type { AttrValue } from '@sextant/core';

const UNITS: [number, string][] = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
];

/** A duration in the unit a person would say it in: `850ns`, `12.3ms`, `4.56s`, `2m 5s`, `3h 10m`. */
export function formatDuration(nano: number | bigint | string): string {
  const ns = typeof nano === 'number' ? nano : Number(nano);
  if (!Number.isFinite(ns)) return '–';
  const sign = ns < 0 ? '-' : '';
  const a = Math.abs(ns);
  if (a >= 60e9) {
    const totalS = Math.round(a / 1e9);
    const h = Math.floor(totalS / 3600);
    const m = Math.floor((totalS % 3600) / 60);
    const s = totalS % 60;
    return sign + (h > 0 ? `${h}h ${m}m` : `${m}m ${s}s`);
  }
  for (const [size, unit] of UNITS) {
    if (a >= size) return sign + trimNumber(a / size) + unit;
  }
  return `${sign}${Math.round(a)}ns`;
}

function trimNumber(v: number): string {
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return String(Number(v.toFixed(digits)));
}

/** Milliseconds as a duration string (timeline code works in float milliseconds). */
export function formatMs(ms: number): string {
  return formatDuration(ms * 1e6);
}

function toDate(nano: bigint | string): Date {
  return new Date(Number(BigInt(nano) / 1_000_000n));
}

/** Local wall-clock time with milliseconds. */
export function formatLocalTime(nano: bigint | string): string {
  const d = toDate(nano);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

export function formatUtcTime(nano: bigint | string): string {
  return toDate(nano).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

export function formatPercent(fraction: number, digits = 1): string {
  if (!Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 1) return `${perSecond.toFixed(1)}/s`;
  return `${(perSecond * 60).toFixed(1)}/min`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Any attribute value as display text. Bytes become hex; lists and maps become JSON-like text. */
export function formatAttrValue(v: AttrValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? JSON.stringify(x) : formatAttrValue(x))).join(', ')}]`;
  return `{${v.kvlist.map((kv) => `${kv.key}: ${typeof kv.value === 'string' ? JSON.stringify(kv.value) : formatAttrValue(kv.value)}`).join(', ')}}`;
}
