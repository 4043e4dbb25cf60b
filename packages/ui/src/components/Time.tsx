import { formatLocalTime, formatUtcTime } from '../lib/format.js';

/** A timestamp in local time, with UTC on hover. */
export function Time({ nano }: { nano: bigint | string }) {
  return (
    <time className="ts" title={formatUtcTime(nano)}>
      {formatLocalTime(nano)}
    </time>
  );
}
