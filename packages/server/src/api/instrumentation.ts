/**
 * Instrumentation health over a window of stored traces (`GET /api/v1/instrumentation/health`): the same rules
 * as `sextant check` and the trace page's Quality tab, aggregated per service.
 */
import type { FastifyInstance } from 'fastify';
import { checkTraces, serviceHealth, type Span } from '@sextant/core';
import type { SpanStore } from '../storage/contract.js';
import { ApiError } from './errors.js';
import { one, parseLimit, parseTimeNano, type Query } from '../query/search-params.js';

const HOUR_NS = 3_600_000_000_000n;
const DEFAULT_TRACES = 500;
const MAX_TRACES = 2000;

/** The most recent traces of the window (through `service` when given), at most `limit`. */
async function windowTraces(store: SpanStore, start: bigint, end: bigint, service: string | undefined, limit: number): Promise<{ traces: Span[][]; truncated: boolean }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let truncated = false;
  do {
    const page = await store.searchTraces({ startNano: start, endNano: end, service, limit: Math.min(1000, limit - ids.length), cursor });
    for (const t of page.traces) ids.push(t.traceId);
    cursor = page.nextCursor ?? undefined;
    if (cursor && ids.length >= limit) truncated = true;
  } while (cursor && ids.length < limit);
  const byId = await store.getTraces(ids);
  return { traces: ids.map((id) => byId.get(id) ?? []).filter((t) => t.length > 0), truncated };
}

export function registerInstrumentationApi(app: FastifyInstance, store: SpanStore): void {
  app.get('/api/v1/instrumentation/health', async (req) => {
    const q = req.query as Query;
    const now = BigInt(Date.now()) * 1_000_000n;
    const end = one(q, 'end') !== undefined ? parseTimeNano(one(q, 'end')!, 'end') : now;
    const start = one(q, 'start') !== undefined ? parseTimeNano(one(q, 'start')!, 'start') : end - HOUR_NS;
    if (start > end) throw new ApiError(400, 'start must not be after end');
    const service = one(q, 'service');
    const limit = parseLimit(one(q, 'limit'), DEFAULT_TRACES, MAX_TRACES);
    const { traces, truncated } = await windowTraces(store, start, end, service, limit);
    const report = checkTraces(traces);
    let services = serviceHealth(traces, report);
    if (service !== undefined) services = services.filter((s) => s.service === service);
    return {
      start: start.toString(),
      end: end.toString(),
      traces: report.traces,
      spans: report.spans,
      /** More traces matched than were read: the figures cover the most recent `limit`. */
      truncated,
      ok: report.ok,
      rules: report.rules.map(({ findings, ...rule }) => ({ ...rule, findings: findings.length })),
      services,
    };
  });
}
