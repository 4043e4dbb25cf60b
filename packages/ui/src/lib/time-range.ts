import { parseDurationText, parseTimeText } from '@sextant/core';

// Search time ranges. The URL keeps a relative `lookback` (so a shared link means "the last hour" when opened)
// or absolute `start`/`end` in nanoseconds, exactly as the API takes them.

export const LOOKBACKS: [string, string][] = [
  ['', 'Any time'],
  ['15m', 'Last 15 minutes'],
  ['1h', 'Last hour'],
  ['6h', 'Last 6 hours'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
];

/** A lookback is a duration with a unit (15m, 1h30m, 7d) in core's grammar, the one the API takes. */
export function lookbackMs(lookback: string): number | null {
  const nano = /\d$/.test(lookback.trim()) ? null : parseDurationText(lookback);
  return nano === null || nano <= 0n ? null : Number(nano / 1_000_000n);
}

/** Resolves `lookback` in a search query to absolute `start`/`end` for the API. */
export function resolveRange(params: URLSearchParams, nowMs = Date.now()): URLSearchParams {
  const out = new URLSearchParams(params);
  const lb = out.get('lookback');
  out.delete('lookback');
  if (lb && lookbackMs(lb) !== null) {
    const r = lookbackRange(lb, nowMs);
    out.set('start', `${r.start}`);
    out.set('end', `${r.end}`);
  }
  return out;
}

/**
 * `datetime-local` input value ↔ the URL's time. The URL may hold any form the API takes (nanoseconds or RFC
 * 3339, as links from elsewhere write it); seconds are kept so that a precise window survives the form.
 */
export function nanoToLocalInput(text: string | null): string {
  const nano = text ? parseTimeText(text) : null;
  if (nano === null) return '';
  const d = new Date(Number(nano / 1_000_000n));
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function localInputToNano(v: string): string {
  if (!v) return '';
  const ms = new Date(v).getTime();
  return Number.isNaN(ms) ? '' : `${BigInt(ms) * 1_000_000n}`;
}

/**
 * Absolute bounds for a lookback in the URL, computed once per distinct value by the caller. "Any time" is
 * spelled out as the epoch to now, because aggregate endpoints default to the last hour.
 */
export function lookbackRange(lookback: string | null, nowMs = Date.now()): { start: bigint; end: bigint } {
  const ms = lookback ? lookbackMs(lookback) : null;
  const end = BigInt(nowMs) * 1_000_000n;
  return { start: ms === null ? 0n : BigInt(nowMs - ms) * 1_000_000n, end };
}
