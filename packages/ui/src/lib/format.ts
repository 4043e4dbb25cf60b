import { formatDuration as coreFormatDuration, parseTimeText } from '@sextant/core';
export { formatAttrValue, formatPercent } from '@sextant/core';

/** A duration in the unit a person would say it in; accepts the API's decimal strings and float nanoseconds. */
export function formatDuration(nano: number | bigint | string): string {
  if (typeof nano === 'bigint') return coreFormatDuration(nano);
  const n = Number(nano);
  return Number.isFinite(n) ? coreFormatDuration(BigInt(Math.round(n))) : '–';
}

/** Milliseconds as a duration string (timeline code works in float milliseconds). */
export function formatMs(ms: number): string {
  return formatDuration(ms * 1e6);
}

/** Accepts every time form the API does, so a time read from a URL never throws. */
function toDate(nano: bigint | string): Date {
  const n = typeof nano === 'bigint' ? nano : parseTimeText(nano);
  return new Date(n === null ? NaN : Number(n / 1_000_000n));
}

/** Local wall-clock time with milliseconds. */
export function formatLocalTime(nano: bigint | string): string {
  const d = toDate(nano);
  if (Number.isNaN(d.getTime())) return String(nano);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

export function formatUtcTime(nano: bigint | string): string {
  const d = toDate(nano);
  if (Number.isNaN(d.getTime())) return String(nano);
  return d.toISOString().replace('T', ' ').replace('Z', ' UTC');
}

export interface RateUnit {
  suffix: '/s' | '/min' | '/h';
  perSecond: number;
}

/** One unit for a set of rates (a table column, a chart axis), chosen so that its largest reads ≥ 1. */
export function rateUnit(maxPerSecond: number): RateUnit {
  if (maxPerSecond >= 1) return { suffix: '/s', perSecond: 1 };
  if (maxPerSecond * 60 >= 1) return { suffix: '/min', perSecond: 60 };
  return { suffix: '/h', perSecond: 3600 };
}

/** A rate in a given unit (or the unit its own size calls for); zero is plain 0. */
export function formatRate(perSecond: number, unit: RateUnit = rateUnit(perSecond)): string {
  if (perSecond === 0) return '0';
  const v = perSecond * unit.perSecond;
  return `${v >= 100 ? Math.round(v) : v >= 10 ? v.toFixed(1) : v.toPrecision(2)}${unit.suffix}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

