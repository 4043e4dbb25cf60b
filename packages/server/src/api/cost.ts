/**
 * What traces cost (`GET /api/v1/cost`): the engine's cost report over a window, the bytes the receivers took in
 * per service per minute, how often each key was searched by, and the advice that follows.
 */
import type { FastifyInstance } from 'fastify';
import type { CostFigures } from '@sextant/core';
import type { CostReader, SpanStore } from '../storage/contract.js';
import type { IngestMeter } from '../ingest/ingest-meter.js';
import { costAdvice } from './cost-advice.js';
import { ApiError } from './errors.js';
import { one, parseTimeNano, type Query } from '../query/search-params.js';
import type { SearchUsage } from './search-usage.js';

const HOUR_NS = 3_600_000_000_000n;

export interface CostApiOptions {
  /** The engine's name, for the answer when it cannot compute costs. */
  engine: string;
  /** The store's cost capability; null when the engine does not have it. */
  reader: CostReader | null;
  retentionNano: bigint | null;
  maxSizeBytes: number | null;
  ingestMeter: IngestMeter;
  searchUsage: SearchUsage;
}

export function registerCostApi(app: FastifyInstance, store: SpanStore, opts: CostApiOptions): void {
  app.get('/api/v1/cost', async (req): Promise<CostFigures> => {
    const reader = opts.reader;
    if (reader === null) throw new ApiError(501, `the ${opts.engine} storage engine does not compute trace costs`);
    const q = req.query as Query;
    const now = BigInt(Date.now()) * 1_000_000n;
    const end = one(q, 'end') !== undefined ? parseTimeNano(one(q, 'end')!, 'end') : now;
    const start = one(q, 'start') !== undefined ? parseTimeNano(one(q, 'start')!, 'start') : end - HOUR_NS;
    if (start > end) throw new ApiError(400, 'start must not be after end');
    const [report, stats] = await Promise.all([reader.costReport(start, end), store.stats()]);
    const total = report.storedBytes;
    const attributes = report.attributes.map((a) => ({
      ...a,
      share: total > 0 ? a.bytes / total : 0,
      spanShare: report.spans > 0 ? Math.min(1, a.spans / report.spans) : 0,
      searches: opts.searchUsage.count(a.key),
    }));
    const advice = costAdvice({
      storedBytes: total,
      spans: report.spans,
      extentNano: report.firstNano !== null && report.lastNano !== null ? Number(report.lastNano - report.firstNano) : 0,
      attributes,
      databaseBytes: stats.bytes,
      databaseSpans: stats.spans,
      retentionNano: opts.retentionNano,
      maxSizeBytes: opts.maxSizeBytes,
    });
    return {
      start,
      end,
      spans: report.spans,
      storedBytes: total,
      databaseBytes: stats.bytes,
      services: report.services.map((s) => ({ ...s, share: total > 0 ? s.bytes / total : 0 })),
      attributes,
      spanNames: report.spanNames,
      ingest: opts.ingestMeter.snapshot(),
      advice,
    };
  });
}
