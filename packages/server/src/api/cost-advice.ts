/**
 * What the cost figures mean for a team: rates per day at the window's pace, what dropping the costliest
 * never-searched attributes would save, and how many days the retention settings keep at that pace.
 */
import type { CostAdvice, CostScope } from '@sextant/core';

const DAY_NS = 86_400e9;
/** Keys below this share of the span data are not worth an advice line. */
const MIN_SHARE = 0.01;
const MAX_ADVICE = 5;

export interface AdviceInput {
  /** Bytes of span data in the window, and the keys' shares of it. */
  storedBytes: number;
  spans: number;
  /** First and last span start in the window: the pace is measured over the data, not the asked window. */
  extentNano: number;
  attributes: { scope: CostScope; key: string; bytes: number; searches: number }[];
  /** The database's size and span count: on-disk bytes per span. */
  databaseBytes: number;
  databaseSpans: number;
  retentionNano: bigint | null;
  maxSizeBytes: number | null;
}

export function costAdvice(a: AdviceInput): CostAdvice {
  // Less than a second of data says nothing about a day.
  const perDay = a.extentNano >= 1e9 ? DAY_NS / a.extentNano : 0;
  const bytesPerDay = a.storedBytes * perDay;
  const diskPerSpan = a.databaseSpans > 0 ? a.databaseBytes / a.databaseSpans : 0;
  const diskBytesPerDay = a.spans * perDay * diskPerSpan;
  // In memory there is no disk size to go by: savings are then counted in span data bytes.
  const basis = diskBytesPerDay > 0 ? diskBytesPerDay : bytesPerDay;
  const drop = a.attributes
    .filter((x) => x.searches === 0 && a.storedBytes > 0 && x.bytes / a.storedBytes >= MIN_SHARE)
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, MAX_ADVICE)
    .map((x) => {
      const share = x.bytes / a.storedBytes;
      // On disk a key costs its share of the compressed bytes, not its raw text.
      return { scope: x.scope, key: x.key, share, bytesPerDay: share * basis, searches: x.searches };
    });
  return {
    bytesPerDay,
    diskBytesPerDay,
    maxSizeBytes: a.maxSizeBytes,
    retentionDays: a.retentionNano === null ? null : Number(a.retentionNano) / DAY_NS,
    daysKeptAtMaxSize: a.maxSizeBytes !== null && diskBytesPerDay > 0 ? a.maxSizeBytes / diskBytesPerDay : null,
    drop,
  };
}
