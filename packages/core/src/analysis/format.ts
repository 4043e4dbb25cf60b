/** Human-readable renderings shared by the analysis reports. */
import type { AttrValue } from '../model.js';

/** A duration in the largest unit that keeps it above 1: `1.24 s`, `45.6 ms`, `789 µs`, `12 ns`. */
export function formatDuration(nano: bigint): string {
  const sign = nano < 0n ? '-' : '';
  const abs = Number(nano < 0n ? -nano : nano);
  if (abs >= 60e9) return `${sign}${(abs / 60e9).toFixed(1)} min`;
  if (abs >= 1e9) return `${sign}${(abs / 1e9).toFixed(2)} s`;
  if (abs >= 1e6) return `${sign}${(abs / 1e6).toFixed(abs >= 1e8 ? 0 : 1)} ms`;
  if (abs >= 1e3) return `${sign}${(abs / 1e3).toFixed(abs >= 1e5 ? 0 : 1)} µs`;
  return `${sign}${abs} ns`;
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** Span data is untrusted: control characters (terminal escape sequences) are shown, not obeyed. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
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
