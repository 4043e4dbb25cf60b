/** Sextant's own API (/api/v1): OTLP-shaped JSON, hex ids, decimal-string nanoseconds. */
import type { FastifyInstance } from 'fastify';
import { analyzeTrace, compareCohorts, compareTraces, defaultCohortBaseline, encodeOtlpJsonLogs, encodeOtlpJsonTraces, type Span } from '@sextant/core';
import type { SpanStore, TraceQuery } from '../store/store.js';
import { ApiError, one, traceIdParam, parseDurationNano, parseLimit, parseNativeSearch, parseTimeNano, type Query } from './params.js';

const HOUR_NS = 3_600_000_000_000n;
const MAX_COHORT_TRACES = 2000;

async function traceOr404(store: SpanStore, id: string): Promise<Span[]> {
  const spans = await store.getTrace(traceIdParam(id));
  if (spans.length === 0) throw new ApiError(404, `trace ${id} not found`);
  return spans;
}

function windowOf(q: Query): { start: bigint; end: bigint } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const end = one(q, 'end') !== undefined ? parseTimeNano(one(q, 'end')!, 'end') : now;
  const start = one(q, 'start') !== undefined ? parseTimeNano(one(q, 'start')!, 'start') : end - HOUR_NS;
  if (start > end) throw new ApiError(400, 'start must not be after end');
  return { start, end };
}

/** Traces matching a search given as a URL query string (the cohort endpoints' `selection`/`baseline`). */
async function cohortTraces(store: SpanStore, queryString: string, exclude: Set<string>, max: number): Promise<Span[][]> {
  const q = Object.fromEntries(new URLSearchParams(queryString)) as Query;
  const search: TraceQuery = { ...parseNativeSearch(q), limit: max + exclude.size };
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.searchTraces({ ...search, limit: Math.min(1000, search.limit), cursor });
    for (const t of page.traces) if (!exclude.has(t.traceId) && ids.length < max) ids.push(t.traceId);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && ids.length < max);
  const traces = await store.getTraces(ids);
  return ids.map((id) => traces.get(id) ?? []).filter((t) => t.length > 0);
}

export function registerNativeApi(app: FastifyInstance, store: SpanStore): void {
  app.get('/api/v1/traces', async (req) => {
    const result = await store.searchTraces(parseNativeSearch(req.query as Query));
    return { traces: result.traces, nextCursor: result.nextCursor };
  });

  app.get<{ Params: { id: string } }>('/api/v1/traces/:id', async (req) => encodeOtlpJsonTraces(await traceOr404(store, req.params.id)));

  app.get<{ Params: { id: string } }>('/api/v1/traces/:id/analysis', async (req) => analyzeTrace(await traceOr404(store, req.params.id)));

  app.get<{ Params: { id: string } }>('/api/v1/traces/:id/logs', async (req) => encodeOtlpJsonLogs(await store.getLogs(traceIdParam(req.params.id))));

  app.get('/api/v1/services', async () => ({ services: await store.services() }));

  app.get<{ Params: { service: string } }>('/api/v1/services/:service/operations', async (req) => ({
    operations: (await store.operations(req.params.service)).map((o) => ({ name: o.name, spanKind: o.spanKind })),
  }));

  app.get('/api/v1/attributes', async () => ({ keys: await store.attributeKeys() }));

  app.get<{ Params: { key: string } }>('/api/v1/attributes/:key/values', async (req) => ({
    values: await store.attributeValues(req.params.key),
  }));

  app.get('/api/v1/dependencies', async (req) => {
    const { start, end } = windowOf(req.query as Query);
    const graph = await store.dependencies(start, end);
    return {
      nodes: graph.nodes,
      edges: graph.edges.map((e) => ({ ...e, errorRate: e.callCount ? e.errorCount / e.callCount : 0 })),
      operationEdges: graph.operationEdges.map((e) => ({ ...e, errorRate: e.callCount ? e.errorCount / e.callCount : 0 })),
    };
  });

  app.get('/api/v1/red', async (req) => {
    const q = req.query as Query;
    const { start, end } = windowOf(q);
    const stepText = one(q, 'step');
    const step = stepText !== undefined ? parseDurationNano(stepText, 'step') : (end - start) / 60n || 1n;
    if (step <= 0n) throw new ApiError(400, 'step must be positive');
    if ((end - start) / step > 10_000n) throw new ApiError(400, 'step is too small for the window (more than 10,000 buckets)');
    const service = one(q, 'service');
    const red = await store.red({ service, operation: one(q, 'operation'), startNano: start, endNano: end, stepNano: step });
    const seconds = Number(step) / 1e9;
    const totalTime = red.operations.reduce((a, o) => a + o.totalNano, 0n);
    return {
      service: service ?? null,
      stepNano: step,
      series: red.series.map((p) => ({ ...p, rate: p.count / seconds, errorRate: p.count ? p.errorCount / p.count : 0 })),
      operations: red.operations.map((o) => ({
        ...o,
        rate: o.count / (Number(end - start) / 1e9),
        errorRate: o.count ? o.errorCount / o.count : 0,
        impact: totalTime > 0n ? Number(o.totalNano) / Number(totalTime) : 0,
      })),
    };
  });

  app.get('/api/v1/compare', async (req) => {
    const q = req.query as Query;
    const a = one(q, 'a');
    const b = one(q, 'b');
    if (!a || !b) throw new ApiError(400, 'compare needs two trace ids: ?a=…&b=…');
    return compareTraces(await traceOr404(store, a), await traceOr404(store, b));
  });

  app.get('/api/v1/cohort', async (req) => {
    const q = req.query as Query;
    const selection = one(q, 'selection');
    if (selection === undefined) throw new ApiError(400, 'cohort needs ?selection=<search query string> (and optionally &baseline=<query string> or rest)');
    const max = parseLimit(one(q, 'max'), 500, MAX_COHORT_TRACES);
    const selected = await cohortTraces(store, selection, new Set(), max);
    const baselineText = one(q, 'baseline') ?? defaultCohortBaseline(selection).query;
    let baseline: Span[][];
    // A baseline query may overlap the selection (the search a selection was dragged from): the two groups are
    // kept apart either way.
    const selectedIds = new Set(selected.map((t) => t[0]!.traceId));
    if (baselineText === 'rest') {
      // "The rest": every other trace of the selection's time window.
      const sel = new URLSearchParams(selection);
      const rest = new URLSearchParams();
      for (const k of ['start', 'end']) {
        const v = sel.get(k);
        if (v !== null) rest.set(k, v);
      }
      baseline = await cohortTraces(store, rest.toString(), selectedIds, max);
    } else {
      baseline = await cohortTraces(store, baselineText, selectedIds, max);
    }
    return { selectionCount: selected.length, baselineCount: baseline.length, ...compareCohorts(selected, baseline) };
  });

  app.get('/api/v1/stats', async () => store.stats());
}
