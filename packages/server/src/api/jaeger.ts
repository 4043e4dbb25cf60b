/**
 * Jaeger-compatible query API, so Grafana's Jaeger data source and Jaeger UI work unchanged: the classic
 * /api/* JSON model ({data,total,limit,offset,errors}, µs times) and the /api/v3/* OTLP-shaped HTTP API.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { parseSpanKind, SpanKind, spanKindName, type JaegerProcess } from '@sextant/core';
import { parseTraceIdParam } from '../storage/stored/ids.js';
import type { SpanStore, TagFilter, TraceQuery } from '../storage/contract.js';
import { all, checkWindow, one, parseBoolParam, parseDurationNano, parseLimit, parseTagParams, parseTimeNano, traceIdParam, type Query } from '../query/search-params.js';
import { truncationNote, searchFullTraces, searchTruncationNote, tracesByIds, type FullTraces } from '../query/traces.js';
import { ApiError, answerErrorsWith } from './errors.js';
import { Deferred, EncodedList, jsonStream } from './json-stream.js';
import { encodedTraces, plannedTrace, type TraceEncoding } from '../query/encoded-trace.js';
import { tempoTraceProtobuf, wantsProtobuf } from './tempo.js';

const US = 1000n;
/** Jaeger's api/v3 search depth when the request names none; a client's own, smaller limit then applies to these. */
const V3_DEFAULT_SEARCH_DEPTH = 100;

function envelope<T>(data: T, total = Array.isArray(data) ? data.length : 0) {
  return { data, total, limit: 0, offset: 0, errors: null };
}

export function envelopeError(status: number, msg: string) {
  return { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: status, msg }] };
}

function jaegerError(reply: FastifyReply, status: number, msg: string) {
  return reply.code(status).send(envelopeError(status, msg));
}

function v3Error(status: number, message: string) {
  return { error: { httpCode: status, message } };
}

function parseTagsJson(text: string, name: string): TagFilter[] {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new ApiError(400, `${name}: '${text}' is not a JSON object of tag values`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new ApiError(400, `${name} must be a JSON object`);
  return Object.entries(obj as Record<string, unknown>).map(([key, v]) => ({ key, value: String(v) }));
}

/** µs since the epoch (Jaeger's classic API). */
function parseMicros(text: string, name: string): bigint {
  if (!/^\d+$/.test(text)) throw new ApiError(400, `${name}: '${text}' is not microseconds since the epoch`);
  return BigInt(text) * US;
}

/** Operations of a service, optionally of one span kind, with Jaeger's lower-case kind names. */
async function operationsOf(store: SpanStore, service: string, kindText: string | undefined) {
  const kind = kindText === undefined || kindText === '' ? null : parseSpanKind(kindText);
  return (await store.operations(service))
    .filter((o) => kind === null || o.spanKind === kind)
    .map((o) => ({ name: o.name, spanKind: o.spanKind === SpanKind.UNSPECIFIED ? '' : spanKindName(o.spanKind) }));
}

function classicQuery(q: Query): TraceQuery {
  const tags: TagFilter[] = [];
  const tagsJson = one(q, 'tags');
  if (tagsJson !== undefined) tags.push(...parseTagsJson(tagsJson, 'tags'));
  tags.push(...parseTagParams(q));
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const endText = one(q, 'end');
  const end = endText !== undefined ? parseMicros(endText, 'end') : undefined;
  const startText = one(q, 'start');
  let start = startText !== undefined ? parseMicros(startText, 'start') : undefined;
  const lookback = one(q, 'lookback');
  if (start === undefined && lookback !== undefined && lookback !== 'custom') start = (end ?? nowNs) - parseDurationNano(lookback, 'lookback');
  checkWindow(start, end, 'start', 'end');
  const minD = one(q, 'minDuration');
  const maxD = one(q, 'maxDuration');
  return {
    service: one(q, 'service'),
    operation: one(q, 'operation'),
    tags,
    minDurationNano: minD !== undefined ? parseDurationNano(minD, 'minDuration') : undefined,
    maxDurationNano: maxD !== undefined ? parseDurationNano(maxD, 'maxDuration') : undefined,
    startNano: start,
    endNano: end,
    limit: parseLimit(one(q, 'limit'), 20, 1500),
  };
}

/** /api/v3 search parameters; accepts the camelCase names the Jaeger UI sends and the snake_case of the proto. */
function v3Query(q: Query): TraceQuery {
  const get = (camel: string, snake: string) => one(q, `query.${camel}`) ?? one(q, `query.${snake}`);
  const attrs = get('attributes', 'attributes');
  const time = (camel: string, snake: string) => {
    const v = get(camel, snake);
    return v === undefined ? undefined : parseTimeNano(v, `query.${camel}`);
  };
  const dur = (camel: string, snake: string) => {
    const v = get(camel, snake);
    return v === undefined ? undefined : parseDurationNano(v, `query.${camel}`);
  };
  const startNano = time('startTimeMin', 'start_time_min');
  const endNano = time('startTimeMax', 'start_time_max');
  checkWindow(startNano, endNano, 'query.startTimeMin', 'query.startTimeMax');
  return {
    service: get('serviceName', 'service_name'),
    operation: get('operationName', 'operation_name'),
    tags: attrs !== undefined ? parseTagsJson(attrs, 'query.attributes') : [],
    startNano,
    endNano,
    minDurationNano: dur('durationMin', 'duration_min'),
    maxDurationNano: dur('durationMax', 'duration_max'),
    limit: parseLimit(get('searchDepth', 'search_depth') ?? get('numTraces', 'num_traces'), V3_DEFAULT_SEARCH_DEPTH, 1500),
  };
}

function v3Raw(q: Query): boolean {
  const name = one(q, 'query.rawTraces') !== undefined ? 'query.rawTraces' : 'query.raw_traces';
  return parseBoolParam(one(q, name), name);
}

export interface JaegerApiOptions {
  store: SpanStore;
  /** Trace by id, encoded a page at a time where the engine runs. */
  encoding: TraceEncoding;
  /** --max-trace-spans: most spans of one trace by id. */
  maxTraceSpans: number;
  /** --max-search-spans: most spans of a search answer of full traces. */
  maxSearchSpans: number;
}

/** The classic /api (Jaeger UI's JSON model), errors in its envelope. */
export const jaegerApi: FastifyPluginAsync<JaegerApiOptions> = async (app, { store, encoding, maxTraceSpans, maxSearchSpans }) => {
  answerErrorsWith(app, envelopeError);

  app.get('/api/services', async () => envelope(await store.services()));

  app.get<{ Params: { service: string } }>('/api/services/:service/operations', async (req) => {
    const names = [...new Set((await store.operations(req.params.service)).map((o) => o.name))];
    return envelope(names);
  });

  app.get('/api/operations', async (req) => {
    const q = req.query as Query;
    const service = one(q, 'service');
    if (service === undefined) throw new ApiError(400, 'parameter service is required');
    return envelope(await operationsOf(store, service, one(q, 'spanKind')));
  });

  app.get('/api/traces', async (req, reply) => {
    const q = req.query as Query;
    const ids = all(q, 'traceID');
    const raw = parseBoolParam(one(q, 'raw'), 'raw');
    const found: FullTraces =
      ids.length > 0
        ? await tracesByIds(encoding, [...new Set(ids.map((id) => parseTraceIdParam(id)).filter((x) => x !== null))], maxSearchSpans)
        : await searchFullTraces(store, classicQuery(q), maxSearchSpans);
    const note = found.truncated ? searchTruncationNote(found.truncated) : null;
    if (note) reply.header('x-sextant-truncated', note);
    // Read and encoded where the engine runs. Jaeger's model has warnings per span only: the first trace's first
    // span carries the note; with no trace to carry it, it is the answer's error (Jaeger's partial-answer field).
    let total = 0;
    const data = new EncodedList(encodedTraces(encoding, found.traces, { format: 'jaeger', raw, firstWarnings: note ? [note] : undefined }, (n) => (total += n)));
    const errors = note && found.traces.length === 0 ? [{ code: 413, msg: note }] : null;
    return reply.type('application/json').send(jsonStream({ data, total: new Deferred(() => total), limit: 0, offset: 0, errors }));
  });

  app.get<{ Params: { id: string } }>('/api/traces/:id', async (req, reply) => {
    // Tempo claims this path too; its clients (Grafana) ask for protobuf, Jaeger UI for JSON.
    if (wantsProtobuf(req)) return tempoTraceProtobuf(store, req.params.id, reply, maxTraceSpans);
    const q = req.query as Query;
    const traceId = traceIdParam(req.params.id);
    const startText = one(q, 'start');
    const endText = one(q, 'end');
    const start = startText !== undefined ? parseMicros(startText, 'start') : undefined;
    const end = endText !== undefined ? parseMicros(endText, 'end') : undefined;
    checkWindow(start, end, 'start', 'end');
    const raw = parseBoolParam(one(q, 'raw'), 'raw');
    const plan = await encoding.planJaegerTrace(traceId, maxTraceSpans, { startNano: start, endNano: end }, raw, true);
    if (plan.spans === 0) return jaegerError(reply, 404, 'trace not found');
    if (plan.truncated) reply.header('x-sextant-truncated', truncationNote({ maxSpans: maxTraceSpans }));
    // Streamed a page at a time; the process table, named along the way, follows the spans.
    const processes: Record<string, JaegerProcess> = {};
    const spans = new EncodedList(plannedTrace(encoding, traceId, plan, { format: 'jaeger', window: { startNano: start, endNano: end } }, processes));
    const trace = { traceID: traceId, spans, processes: new Deferred(() => processes), warnings: null };
    return reply.type('application/json').send(jsonStream(envelope([trace], 1)));
  });

  app.get('/api/dependencies', async (req) => {
    const q = req.query as Query;
    const endTs = one(q, 'endTs');
    const lookback = one(q, 'lookback');
    if (endTs !== undefined && !/^\d+$/.test(endTs)) throw new ApiError(400, `endTs: '${endTs}' is not milliseconds since the epoch`);
    if (lookback !== undefined && !/^\d+$/.test(lookback)) throw new ApiError(400, `lookback: '${lookback}' is not a number of milliseconds`);
    const end = (endTs !== undefined ? BigInt(endTs) : BigInt(Date.now())) * 1_000_000n;
    const start = end - (lookback !== undefined ? BigInt(lookback) : 86_400_000n) * 1_000_000n;
    const graph = await store.dependencies(start, end);
    return envelope(graph.edges.map((e) => ({ parent: e.parent, child: e.child, callCount: e.callCount })));
  });

};

/** Jaeger's /api/v3 HTTP API (OTLP JSON), errors as {error:{httpCode,message}}. */
export const jaegerV3Api: FastifyPluginAsync<JaegerApiOptions> = async (app, { store, encoding, maxTraceSpans, maxSearchSpans }) => {
  answerErrorsWith(app, v3Error);

  app.get('/api/v3/services', async () => ({ services: await store.services() }));

  app.get('/api/v3/operations', async (req) => {
    const q = req.query as Query;
    const service = one(q, 'service');
    if (service === undefined) throw new ApiError(400, 'parameter service is required');
    return { operations: await operationsOf(store, service, one(q, 'spanKind') ?? one(q, 'span_kind')) };
  });

  app.get<{ Params: { id: string } }>('/api/v3/traces/:id', async (req, reply) => {
    const q = req.query as Query;
    const traceId = traceIdParam(req.params.id);
    const time = (camel: string, snake: string) => {
      const name = one(q, camel) !== undefined ? camel : snake;
      const v = one(q, name);
      return v === undefined ? undefined : parseTimeNano(v, name);
    };
    const start = time('startTime', 'start_time');
    const end = time('endTime', 'end_time');
    checkWindow(start, end, 'startTime', 'endTime');
    const rawName = one(q, 'rawTraces') !== undefined ? 'rawTraces' : 'raw_traces';
    const raw = parseBoolParam(one(q, rawName), rawName);
    const plan = await encoding.planJaegerTrace(traceId, maxTraceSpans, { startNano: start, endNano: end }, raw, false);
    if (plan.spans === 0) return reply.code(404).send(v3Error(404, 'trace not found'));
    const parts = plannedTrace(encoding, traceId, plan, { format: 'otlp', warningsAsAttribute: true, window: { startNano: start, endNano: end } }, {});
    const result = { resourceSpans: new EncodedList(parts) };
    if (!plan.truncated) return reply.type('application/json').send(jsonStream({ result }));
    const note = truncationNote({ maxSpans: maxTraceSpans });
    reply.header('x-sextant-truncated', note);
    return reply.type('application/json').send(jsonStream({ result, truncated: { maxSpans: maxTraceSpans, message: note } }));
  });

  app.get('/api/v3/traces', async (req, reply) => {
    const q = req.query as Query;
    const found = await searchFullTraces(store, v3Query(q), maxSearchSpans);
    const result = { resourceSpans: new EncodedList(encodedTraces(encoding, found.traces, { format: 'otlp', raw: v3Raw(q) })) };
    if (!found.truncated) return reply.type('application/json').send(jsonStream({ result }));
    const note = searchTruncationNote(found.truncated);
    reply.header('x-sextant-truncated', note);
    return reply.type('application/json').send(jsonStream({ result, truncated: { ...found.truncated, message: note } }));
  });

  app.get('/api/v3/trace-summaries', async (req) => {
    const { traces } = await store.searchTraces(v3Query(req.query as Query));
    return {
      summaries: traces.map((t) => ({
        traceId: t.traceId,
        rootServiceName: t.rootService,
        rootOperationName: t.rootName,
        minStartTimeUnixNano: t.startUnixNano.toString(),
        maxEndTimeUnixNano: (t.startUnixNano + t.durationNano).toString(),
        spanCount: t.spanCount,
        errorSpanCount: t.errorCount,
        orphanSpanCount: t.orphanCount,
        services: t.services.map((s) => ({ name: s.name, spanCount: s.spanCount, errorSpanCount: s.errorCount })),
      })),
    };
  });
};
