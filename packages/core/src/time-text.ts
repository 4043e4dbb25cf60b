/**
 * Times and durations as people and URLs write them, parsed once for the server's API and the UI alike, so a
 * link the UI builds is always one the API accepts and the other way round.
 */

const UNIT_NANOS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9 };

/** Go-style duration ("1.5s", "100ms", "1h30m") or a bare integer of nanoseconds; null when it is neither. */
export function parseDurationText(text: string): bigint | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return BigInt(t);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * UNIT_NANOS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== t.length) return null;
  return BigInt(Math.round(total));
}

/**
 * A point in time: integer nanoseconds since the epoch or an RFC 3339 timestamp (`Z` or an offset such as
 * `+01:00`); null when it is neither. An unencoded `+` in a query string arrives as a space, so
 * `…T10:00:00 01:00` is read as the +01:00 it was.
 */
export function parseTimeText(text: string): bigint | null {
  const t = text.trim().replace(/(T\d\d:\d\d:\d\d(?:\.\d+)?) (\d\d:\d\d)$/, '$1+$2');
  if (/^\d+$/.test(t)) return BigInt(t);
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return null;
  // Keep the sub-millisecond digits that Date.parse drops.
  const frac = /\.(\d{4,9})/.exec(t)?.[1];
  const extra = frac ? BigInt(frac.padEnd(9, '0').slice(3)) : 0n;
  return BigInt(ms) * 1_000_000n + extra;
}
