/**
 * A mergeable latency sketch: durations fall into logarithmic buckets 2% wide (DDSketch's layout, relative error
 * ≤ 1%), so per-minute rows add up over any window. Each row also keeps the exact smallest and largest duration
 * it saw: a percentile is clamped to its bucket's extremes, which makes it exact whenever a bucket holds one
 * distinct value.
 */
import type { Percentiles } from '../contract.js';

const GAMMA = 1.01 / 0.99;

/** SQL for the bucket of a duration column (durations below 1 ns share bucket 0). */
export function bucketSql(duration: string): string {
  return `CAST(ceil(ln(greatest(${duration}, 1)) / ${Math.log(GAMMA)}) AS SMALLINT)`;
}

/** The bucket of a duration, as bucketSql computes it. */
export function bucketOf(durationNano: bigint): number {
  return Math.ceil(Math.log(Math.max(Number(durationNano), 1)) / Math.log(GAMMA));
}

/** One bucket's share of a set of durations. */
export interface BucketCount {
  bucket: number;
  count: number;
  min: bigint;
  max: bigint;
}

function bucketValue(b: BucketCount): bigint {
  const mid = BigInt(Math.round((2 * GAMMA ** b.bucket) / (GAMMA + 1)));
  return mid < b.min ? b.min : mid > b.max ? b.max : mid;
}

/** The p50, p95 and p99 of the durations in `buckets` (any order), as quantile_disc ranks them. */
export function percentiles(buckets: BucketCount[]): Percentiles {
  const sorted = [...buckets].sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((n, b) => n + b.count, 0);
  const at = (q: number): bigint => {
    if (total === 0) return 0n;
    const rank = Math.max(1, Math.ceil(total * q));
    let seen = 0;
    for (const b of sorted) {
      seen += b.count;
      if (seen >= rank) return bucketValue(b);
    }
    return bucketValue(sorted[sorted.length - 1]!);
  };
  return { p50Nano: at(0.5), p95Nano: at(0.95), p99Nano: at(0.99) };
}
