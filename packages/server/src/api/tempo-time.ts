/** Tempo's query-string time forms: epoch seconds (what Grafana sends), ms, µs or ns by magnitude, or RFC 3339. */
import { parseDurationText, parseTimeText } from '@sextant/core';
import { ApiError } from './errors.js';

export function parseTempoTime(text: string, name: string): bigint {
  if (/^\d+$/.test(text)) {
    const n = BigInt(text);
    // Seconds until the year 5138, then milliseconds, microseconds and nanoseconds.
    if (n < 100_000_000_000n) return n * 1_000_000_000n;
    if (n < 100_000_000_000_000n) return n * 1_000_000n;
    if (n < 100_000_000_000_000_000n) return n * 1_000n;
    return n;
  }
  if (/^\d+\.\d+$/.test(text)) return BigInt(Math.round(Number(text) * 1e9));
  const t = parseTimeText(text);
  if (t === null) throw new ApiError(400, `${name}: '${text}' is not a time (epoch seconds, or RFC 3339)`);
  return t;
}

/** A step: a Go duration ("30s", "1m0s") or a number of seconds, as Tempo accepts it. */
export function parseTempoStep(text: string): bigint {
  if (/^\d+(\.\d+)?$/.test(text)) return BigInt(Math.round(Number(text) * 1e9));
  const d = parseDurationText(text);
  if (d === null || d <= 0n) throw new ApiError(400, `step: '${text}' is not a duration (examples: 30s, 1m, or seconds)`);
  return d;
}

/** Tempo's default: about 100 points over the range, at least a second, in whole seconds. */
export function defaultStep(startNano: bigint, endNano: bigint): bigint {
  const s = (endNano - startNano) / 100n;
  const sec = s / 1_000_000_000n;
  return (sec < 1n ? 1n : sec) * 1_000_000_000n;
}
