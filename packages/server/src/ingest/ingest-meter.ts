/**
 * Bytes received per service per minute, as the receivers saw them (request bodies after decompression), for
 * the cost view. A request's bytes are shared among its services by span count: an OTLP request usually comes
 * from one process, a Collector's batch from many. Kept in memory for the last hour; it restarts empty.
 */
import { serviceName, type IngestMinute, type Span } from '@sextant/core';

const MINUTE_MS = 60_000;
const KEPT_MINUTES = 60;

export class IngestMeter {
  /** minute → service → totals */
  private readonly minutes = new Map<number, Map<string, { bytes: number; spans: number }>>();

  constructor(private readonly now: () => number = Date.now) {}

  record(spans: readonly Span[], bodyBytes: number): void {
    if (spans.length === 0) return;
    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    let byService = this.minutes.get(minute);
    if (!byService) {
      this.minutes.set(minute, (byService = new Map()));
      for (const m of this.minutes.keys()) if (m <= minute - KEPT_MINUTES * MINUTE_MS) this.minutes.delete(m);
    }
    const counts = new Map<string, number>();
    for (const s of spans) counts.set(serviceName(s), (counts.get(serviceName(s)) ?? 0) + 1);
    for (const [service, n] of counts) {
      const row = byService.get(service) ?? { bytes: 0, spans: 0 };
      row.bytes += (bodyBytes * n) / spans.length;
      row.spans += n;
      byService.set(service, row);
    }
  }

  /** Per service and minute, oldest first; bytes rounded to whole bytes. */
  snapshot(): IngestMinute[] {
    const out: IngestMinute[] = [];
    for (const [minute, byService] of [...this.minutes].sort((a, b) => a[0] - b[0])) {
      for (const [service, row] of byService) out.push({ service, minute, bytes: Math.round(row.bytes), spans: row.spans });
    }
    return out;
  }
}
