/** Sextant's own API (/api/v1): OTLP-shaped JSON, hex ids, decimal-string nanoseconds; errors as {error}. */
import type { FastifyPluginAsync } from 'fastify';
import { analyzeTrace, compareTraces, defaultCohortBaseline, distinctLogLines, encodeOtlpJsonLogs, encodeOtlpJsonTraces, type RedFigures, type SearchResult } from '@sextant/core';
import type { SpanStore } from '../storage/contract.js';
import { compareSearches } from '../query/cohort.js';
import { dependencyFigures, redFigures, redStep } from '../query/figures.js';
import { one, parseDurationNano, parseLimit, parseNativeSearch, parseWindow, traceIdParam, type Query } from '../query/search-params.js';
import { pagedTrace, storedTrace, truncationNote } from '../query/traces.js';
import { ApiError, answerErrorsWith } from './errors.js';
import { Deferred, encodedChunks, jsonStream, StreamedList } from './json-stream.js';

const MAX_COHORT_TRACES = 2000;

export const nativeApi: FastifyPluginAsync<{ store: SpanStore; maxTraceSpans: number }> = async (app, { store, maxTraceSpans }) => {
  answerErrorsWith(app, (_status, message) => ({ error: message }));

  app.get('/api/v1/traces', async (req) => {
    const result = await store.searchTraces(parseNativeSearch(req.query as Query));
    const answer: SearchResult = { traces: result.traces, nextCursor: result.nextCursor };
    return answer;
  });

  // Streamed (json-stream.ts), read from the engine a page at a time: a big trace is never held whole, nor one
  // string. The truncation marker ends the body; the header is set only when the answer is known before it starts.
  app.get<{ Params: { id: string } }>('/api/v1/traces/:id', async (req, reply) => {
    const trace = await pagedTrace(store, req.params.id, maxTraceSpans);
    const known = trace.decided ? trace.truncated() : null;
    if (known) reply.header('x-sextant-truncated', truncationNote(known));
    const body = {
      // OTLP allows a resource in several resourceSpans entries: each chunk is encoded on its own.
      resourceSpans: new StreamedList(encodedChunks(trace.pages, (chunk) => encodeOtlpJsonTraces(chunk).resourceSpans)),
      truncated: new Deferred(() => {
        const t = trace.truncated();
        return t ? { maxSpans: t.maxSpans, message: truncationNote(t) } : undefined;
      }),
    };
    return reply.type('application/json').send(jsonStream(body));
  });

  app.get<{ Params: { id: string } }>('/api/v1/traces/:id/analysis', async (req, reply) => {
    const { spans, truncated } = await storedTrace(store, req.params.id, maxTraceSpans);
    if (!truncated) return analyzeTrace(spans);
    reply.header('x-sextant-truncated', truncationNote(truncated));
    return { ...analyzeTrace(spans), truncated: { maxSpans: truncated.maxSpans, message: truncationNote(truncated) } };
  });

  // A line stored twice (re-sent) is shown once, as in the log search.
  app.get<{ Params: { id: string } }>('/api/v1/traces/:id/logs', async (req) => encodeOtlpJsonLogs(distinctLogLines(await store.getLogs(traceIdParam(req.params.id)))));

  app.get('/api/v1/services', async () => ({ services: await store.services() }));

  app.get<{ Params: { service: string } }>('/api/v1/services/:service/operations', async (req) => ({
    operations: (await store.operations(req.params.service)).map((o) => ({ name: o.name, spanKind: o.spanKind })),
  }));

  app.get('/api/v1/attributes', async () => ({ keys: await store.attributeKeys() }));

  app.get<{ Params: { key: string } }>('/api/v1/attributes/:key/values', async (req) => ({
    values: await store.attributeValues(req.params.key),
  }));

  app.get('/api/v1/dependencies', async (req) => {
    const { start, end } = parseWindow(req.query as Query);
    return dependencyFigures(await store.dependencies(start, end));
  });

  app.get('/api/v1/red', async (req) => {
    const q = req.query as Query;
    const { start, end } = parseWindow(q);
    const stepText = one(q, 'step');
    const step = redStep(start, end, stepText !== undefined ? parseDurationNano(stepText, 'step') : undefined);
    const service = one(q, 'service');
    const red = await store.red({ service, operation: one(q, 'operation'), startNano: start, endNano: end, stepNano: step });
    const figures: RedFigures = { service: service ?? null, stepNano: step, ...redFigures(red, start, end, step) };
    return figures;
  });

  app.get('/api/v1/compare', async (req) => {
    const q = req.query as Query;
    const a = one(q, 'a');
    const b = one(q, 'b');
    if (!a || !b) throw new ApiError(400, 'compare needs two trace ids: ?a=…&b=…');
    return compareTraces((await storedTrace(store, a, maxTraceSpans)).spans, (await storedTrace(store, b, maxTraceSpans)).spans);
  });

  app.get('/api/v1/cohort', async (req) => {
    const q = req.query as Query;
    const selection = one(q, 'selection');
    if (selection === undefined) throw new ApiError(400, 'cohort needs ?selection=<search query string> (and optionally &baseline=<query string> or rest)');
    const max = parseLimit(one(q, 'max'), 500, MAX_COHORT_TRACES, 'max');
    return compareSearches(store, selection, one(q, 'baseline') ?? defaultCohortBaseline(selection).query, max);
  });

  app.get('/api/v1/stats', async () => store.stats());
};
