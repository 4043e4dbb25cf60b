/**
 * The Tempo HTTP API, as Grafana's Tempo data source calls it: search (TraceQL `q`, or the older `tags=`),
 * tag names and values (v1 and the scoped v2), traces by id (OTLP JSON, or protobuf on
 * `Accept: application/protobuf`), and TraceQL metrics (query_range, instant query). Shapes follow
 * tempopb's JSON so that Grafana's protojson decoding accepts them (no extra fields; Sextant's own notes go in
 * SearchMetrics.additionalMetrics and an `X-Sextant-Note` header).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  TraceQLError, encodeTraceRequest, evalField, formatStatic, kindName, labelText,
  parseTraceQL, referencedFields, serviceName, statusName, type FieldExpr, type MetricsSeries, type Query as TraceQLQuery, type Scalar,
  type SeriesLabel, type TempoKeyValue, type TempoSearchMetrics, type TempoSearchResponse, type TempoSpan, type TempoSpanSet,
  type TempoAnyValue, type TempoQueryInstantResponse, type TempoQueryRangeResponse, type TempoTimeSeries, type TempoTraceSearchMetadata,
} from '@sextant/core';
import type { SpanStore } from '../storage/contract.js';
import { parseTraceIdParam } from '../storage/stored/ids.js';
import { one, parseLimit, type Query } from '../query/search-params.js';
import { readTrace, truncationNote, type TraceRead } from '../query/traces.js';
import { otlpTrace, type TraceEncoding } from '../query/encoded-trace.js';
import { Deferred, EncodedList, jsonStream } from './json-stream.js';
import { ApiError, answerErrorsWith } from './errors.js';
import { defaultStep, parseTempoStep, parseTempoTime } from './tempo-time.js';
import { metricsTraceQL, sampleTags, searchTraceQL, type InspectionMetrics, type TraceMatch } from '../query/traceql.js';

/** The Tempo version Sextant answers as: Grafana enables TraceQL, v2 tags and metrics from its build info. */
export const TEMPO_COMPAT_VERSION = '2.8.0';
const TAG_SAMPLE_TRACES = 200;

const INTRINSIC_TAGS = [
  'duration', 'event:name', 'event:timeSinceStart', 'instrumentation:name', 'instrumentation:version', 'kind', 'link:spanID',
  'link:traceID', 'name', 'rootName', 'rootServiceName', 'span:childCount', 'span:duration', 'span:id', 'span:kind', 'span:name',
  'span:parentID', 'span:status', 'span:statusMessage', 'status', 'statusMessage', 'trace:duration', 'trace:id', 'trace:rootName',
  'trace:rootService', 'traceDuration',
];

/** Parses TraceQL or answers 400 with the parser's positioned message. */
export function parseOr400(text: string): TraceQLQuery {
  try {
    return parseTraceQL(text);
  } catch (e) {
    if (e instanceof TraceQLError) throw new ApiError(400, e.message);
    throw e;
  }
}

/** Tempo's `tags=` logfmt search (`service.name=frontend http.status_code=500`) as the TraceQL it means. */
export function legacyTagsToTraceQL(tags: string | undefined, minDuration?: string, maxDuration?: string): string {
  const conds: string[] = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const m of (tags ?? '').matchAll(re)) {
    const key = m[1];
    const raw = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
    if (key === 'name') conds.push(`name = ${JSON.stringify(raw)}`);
    else if (key === 'status' && ['error', 'ok', 'unset'].includes(raw)) conds.push(`status = ${raw}`);
    else if (key === 'service.name') conds.push(`resource.service.name = ${JSON.stringify(raw)}`);
    else conds.push(`.${JSON.stringify(key)} = ${JSON.stringify(raw)}`);
  }
  if (minDuration) conds.push(`duration >= ${minDuration}`);
  if (maxDuration) conds.push(`duration <= ${maxDuration}`);
  return `{ ${conds.join(' && ')} }`;
}

export function scalarToAnyValue(s: Scalar | undefined): TempoAnyValue {
  if (s === undefined) return {};
  switch (s.t) {
    case 'string': return { stringValue: s.v };
    case 'bool': return { boolValue: s.v };
    case 'number': return s.int ? { intValue: String(s.v) } : { doubleValue: s.v };
    case 'duration': return { stringValue: formatStatic({ type: 'duration', value: s.v }) };
    case 'status': return { stringValue: statusName(s.v) };
    case 'kind': return { stringValue: kindName(s.v) };
  }
}

function attributeName(f: FieldExpr): string | null {
  return f.type === 'attribute' ? f.name : null;
}

function spanJson(m: TraceMatch, node: number, fields: readonly FieldExpr[]): TempoSpan {
  const s = m.spans[node];
  const attributes: TempoKeyValue[] = [{ key: 'service.name', value: { stringValue: serviceName(s) } }];
  for (const f of fields) {
    const key = attributeName(f);
    if (key === null || attributes.some((a) => a.key === key)) continue;
    const v = evalField(m.ctx, node, f);
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) attributes.push({ key, value: scalarToAnyValue(first) });
  }
  return {
    spanID: s.spanId,
    name: s.name,
    startTimeUnixNano: s.startTimeUnixNano.toString(),
    durationNanos: (s.endTimeUnixNano - s.startTimeUnixNano).toString(),
    attributes,
  };
}

/** One trace of a search answer, as tempopb.TraceSearchMetadata. */
export function searchMetadata(m: TraceMatch, spss: number, fields: readonly FieldExpr[]): TempoTraceSearchMetadata {
  const { tree } = m.ctx;
  const root = m.ctx.rootNode;
  const spanSets = m.spansets.map((set) => {
    const sel = [...fields, ...set.select];
    const nodes = [...set.nodes].sort((a, b) => tree.start[a] - tree.start[b] || a - b).slice(0, spss);
    const out: TempoSpanSet = { spans: nodes.map((n) => spanJson(m, n, sel)), matched: set.nodes.length };
    if (set.by.length > 0) out.attributes = set.by.map((b) => ({ key: `by(${b.key})`, value: scalarToAnyValue(b.value) }));
    return out;
  });
  const serviceStats: TempoTraceSearchMetadata['serviceStats'] = {};
  m.spans.forEach((s, i) => {
    const name = tree.services[i];
    const st = (serviceStats[name] ??= { spanCount: 0 });
    st.spanCount++;
    if (s.status.code === 2) st.errorCount = (st.errorCount ?? 0) + 1;
  });
  return {
    traceID: m.spans[0].traceId,
    rootServiceName: root >= 0 ? tree.services[root] : '<root span not yet received>',
    rootTraceName: root >= 0 ? m.spans[root].name : '',
    startTimeUnixNano: tree.startNano.toString(),
    durationMs: Math.round(Number(tree.endNano - tree.startNano) / 1e6),
    spanSet: spanSets[0],
    spanSets,
    serviceStats,
  };
}

function searchMetrics(m: InspectionMetrics, bound: number): TempoSearchMetrics {
  return {
    inspectedTraces: m.inspectedTraces,
    inspectedSpans: String(m.inspectedSpans),
    inspectedBytes: '0',
    completedJobs: 1,
    totalJobs: 1,
    additionalMetrics: { candidateBound: String(bound), truncated: m.truncated ? '1' : '0' },
  };
}

function note(reply: FastifyReply, m: InspectionMetrics, bound: number): void {
  const parts = [`pushed down: ${m.pushedDown || 'time range only'}`, `inspected ${m.inspectedTraces} traces, ${m.inspectedSpans} spans`];
  if (m.truncated) parts.push(`stopped at the bound of ${bound} candidate traces; narrow the query or the time range for a complete answer`);
  reply.header('x-sextant-note', parts.join('; '));
}

function timeWindow(q: Query): { startNano?: bigint; endNano?: bigint } {
  const start = one(q, 'start');
  const end = one(q, 'end');
  return {
    startNano: start !== undefined ? parseTempoTime(start, 'start') : undefined,
    endNano: end !== undefined ? parseTempoTime(end, 'end') : undefined,
  };
}

function promLabels(labels: readonly SeriesLabel[]): string {
  return labelText(labels);
}

function seriesJson(s: MetricsSeries): TempoTimeSeries {
  return {
    labels: s.labels.map((l) => ({ key: l.key, value: scalarToAnyValue(l.value) })),
    samples: s.samples.map((p) => ({ timestampMs: String(p.timestampMs), value: p.value })),
    exemplars: s.exemplars.map((e) => ({
      labels: [
        { key: 'trace:id', value: { stringValue: e.traceId } },
        { key: 'span:id', value: { stringValue: e.spanId } },
      ],
      value: e.value,
      timestampMs: String(e.timestampMs),
    })),
    promLabels: promLabels(s.labels),
  };
}

function valueType(text: string): string {
  if (/^-?\d+$/.test(text)) return 'int';
  if (/^-?\d*\.\d+(e-?\d+)?$/.test(text)) return 'float';
  if (text === 'true' || text === 'false') return 'bool';
  return 'string';
}

/** The field a tag path names: `resource.service.name`, `span.http.method`, `.foo`, `name`, `span:status`. */
function tagField(tag: string): FieldExpr {
  const q = parseOr400(`{ ${tag} != nil }`);
  const stage = q.pipeline.stages[0];
  if (stage.type === 'spanset' && stage.expr.type === 'filter' && stage.expr.expr.type === 'binary') return stage.expr.expr.left;
  throw new ApiError(400, `'${tag}' is not a tag`);
}

function isFilterQuery(q: string | undefined): q is string {
  return q !== undefined && q.replace(/\s/g, '') !== '{}' && q.trim() !== '';
}

/** Tempo answers errors as plain text (Grafana shows the text); so does this plugin. */
export const tempoApi: FastifyPluginAsync<{ store: SpanStore; encoding: TraceEncoding; isReady: () => boolean; candidateBound: number; maxTraceSpans: number }> = async (
  app,
  opts,
) => {
  const { store } = opts;
  const bound = opts.candidateBound;
  answerErrorsWith(app, (_status, message) => message);
  app.get('/api/echo', async (_req, reply) => reply.type('text/plain').send('echo'));
  app.get('/ready', async (_req, reply) => (opts.isReady() ? reply.type('text/plain').send('ready') : reply.code(503).type('text/plain').send('not ready')));
  app.get('/api/status/buildinfo', async () => ({
    version: TEMPO_COMPAT_VERSION,
    revision: 'sextant',
    branch: 'main',
    buildUser: 'sextant',
    buildDate: '',
    goVersion: 'n/a (Sextant, TypeScript)',
  }));

  app.get('/api/search', async (req, reply) => {
    const q = req.query as Query;
    const text = one(q, 'q') ?? legacyTagsToTraceQL(one(q, 'tags'), one(q, 'minDuration'), one(q, 'maxDuration'));
    const query = parseOr400(text);
    if (query.metrics) throw new ApiError(400, 'this is a metrics query: send it to /api/metrics/query_range');
    const limit = parseLimit(one(q, 'limit'), 20, 1000);
    const spss = parseLimit(one(q, 'spss'), 3, 1000, 'spss');
    const { matches, metrics } = await searchTraceQL(store, query, { ...timeWindow(q), limit, bound });
    const fields = referencedFields(query);
    note(reply, metrics, bound);
    const answer: TempoSearchResponse = { traces: matches.map((m) => searchMetadata(m, spss, fields)), metrics: searchMetrics(metrics, bound) };
    return answer;
  });

  async function tagScopes(q: Query): Promise<{ name: string; tags: string[] }[]> {
    const scope = one(q, 'scope');
    const filter = one(q, 'q');
    let span: string[];
    let resource: string[];
    if (isFilterQuery(filter)) {
      const sample = await sampleTags(store, parseOr400(filter), timeWindow(q), TAG_SAMPLE_TRACES);
      span = [...sample.span.keys()];
      resource = [...sample.resource.keys()];
    } else {
      span = await store.attributeKeys();
      const sample = await sampleTags(store, parseTraceQL('{ }'), timeWindow(q), TAG_SAMPLE_TRACES);
      resource = [...sample.resource.keys()];
    }
    const scopes = [
      { name: 'resource', tags: resource.sort() },
      { name: 'span', tags: span.sort() },
      { name: 'intrinsic', tags: INTRINSIC_TAGS },
    ];
    const limit = parseLimit(one(q, 'limit'), 5000, 100_000);
    for (const s of scopes) s.tags = s.tags.slice(0, limit);
    if (scope === undefined || scope === 'all' || scope === '') return scopes;
    if (scope === 'none') return scopes.filter((s) => s.name !== 'intrinsic');
    const picked = scopes.filter((s) => s.name === scope);
    if (picked.length === 0) throw new ApiError(400, `scope: '${scope}' is not one of resource, span, intrinsic, none`);
    return picked;
  }

  app.get('/api/v2/search/tags', async (req) => ({ scopes: await tagScopes(req.query as Query), metrics: {} }));
  app.get('/api/search/tags', async (req) => {
    const scopes = await tagScopes({ ...(req.query as Query), scope: 'none' });
    return { tagNames: [...new Set(scopes.flatMap((s) => s.tags))].sort(), metrics: {} };
  });

  async function tagValues(tag: string, q: Query): Promise<{ type: string; value: string }[]> {
    const field = tagField(tag);
    const filter = one(q, 'q');
    const limit = parseLimit(one(q, 'limit'), 1000, 100_000);
    const typed = (values: Iterable<string>, type?: string) => [...values].sort().slice(0, limit).map((value) => ({ type: type ?? valueType(value), value }));
    if (field.type === 'intrinsic') {
      if (field.name === 'status') return typed(['error', 'ok', 'unset'], 'keyword');
      if (field.name === 'kind') return typed(['client', 'consumer', 'internal', 'producer', 'server', 'unspecified'], 'keyword');
    }
    const isService = field.type === 'attribute' && field.name === 'service.name' && field.scope !== 'span';
    if (!isFilterQuery(filter)) {
      if (isService || (field.type === 'intrinsic' && field.name === 'rootServiceName')) return typed(await store.services(), 'string');
      if (field.type === 'intrinsic' && (field.name === 'name' || field.name === 'rootName')) {
        return typed(new Set((await store.operations()).map((o) => o.name)), 'string');
      }
      if (field.type === 'attribute' && field.scope !== 'resource') return typed(await store.attributeValues(field.name));
    }
    // Anything else (resource attributes, or values under a q= filter): the values on matching spans of recent traces.
    const query = parseOr400(isFilterQuery(filter) ? filter : '{ }');
    const values = new Set<string>();
    const { matches } = await searchTraceQL(store, query, { ...timeWindow(q), limit: TAG_SAMPLE_TRACES, bound: TAG_SAMPLE_TRACES });
    for (const m of matches) {
      for (const set of m.spansets) {
        for (const node of set.nodes) {
          const v = evalField(m.ctx, node, field);
          for (const s of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
            const a = scalarToAnyValue(s);
            values.add(String(Object.values(a)[0]));
          }
        }
      }
    }
    return typed(values);
  }

  // Grafana encodes the tag twice before its backend decodes once: the path may still carry %XX escapes.
  const tagParam = (raw: string) => {
    try {
      return decodeURIComponent(raw);
    } catch {
      throw new ApiError(400, `tag '${raw}' is not URL-encoded correctly`);
    }
  };
  app.get<{ Params: { tag: string } }>('/api/v2/search/tag/:tag/values', async (req) => ({
    tagValues: await tagValues(tagParam(req.params.tag), req.query as Query),
    metrics: {},
  }));
  app.get<{ Params: { tag: string } }>('/api/search/tag/:tag/values', async (req) => {
    const tag = tagParam(req.params.tag);
    // v1 names are unscoped (`service.name`); a bare name that is no intrinsic reads as `.name`.
    const path = /^[a-zA-Z_][\w]*$/.test(tag) && !INTRINSIC_TAGS.includes(tag) ? `.${tag}` : tag.includes('.') && !/^(span|resource|event|link|instrumentation|parent)\./.test(tag) ? `.${tag}` : tag;
    return { tagValues: (await tagValues(path, req.query as Query)).map((v) => v.value), metrics: {} };
  });

  // Past --max-trace-spans: Tempo's own PARTIAL status with the reason (and the header, also on protobuf).
  app.get<{ Params: { id: string } }>('/api/v2/traces/:id', async (req, reply) => {
    if (wantsProtobuf(req)) {
      const { spans } = await traceOr404(store, req.params.id, opts.maxTraceSpans, reply);
      return reply.type('application/protobuf').send(Buffer.from(wrapField1(encodeTraceRequest(spans))));
    }
    // JSON is streamed a page at a time (encoded where the engine runs); the status follows the spans.
    const id = parseTraceIdParam(req.params.id);
    if (id === null) throw new ApiError(400, `trace id '${req.params.id}' is not valid hex`);
    const trace = await otlpTrace(opts.encoding, id, opts.maxTraceSpans);
    const known = trace.decided ? trace.truncated() : null;
    if (known) reply.header('x-sextant-truncated', truncationNote(known));
    const body = {
      trace: { resourceSpans: new EncodedList(trace.parts) },
      status: new Deferred(() => (trace.truncated() ? 'PARTIAL' : 'COMPLETE')),
      message: new Deferred(() => {
        const t = trace.truncated();
        return t ? truncationNote(t) : undefined;
      }),
    };
    return reply.type('application/json').send(jsonStream(body));
  });

  app.get('/api/metrics/query_range', async (req, reply) => {
    const q = req.query as Query;
    const { query, range } = metricsRequest(q, false);
    const { series, metrics } = await runMetrics(store, query, range, bound);
    note(reply, metrics, bound);
    const body: TempoQueryRangeResponse = { series: series.map(seriesJson), metrics: searchMetrics(metrics, bound) };
    if (metrics.truncated) {
      body.status = 'PARTIAL';
      body.message = `stopped at the bound of ${bound} candidate traces`;
    }
    return body;
  });

  app.get('/api/metrics/query', async (req, reply) => {
    const q = req.query as Query;
    const { query, range } = metricsRequest(q, true);
    const { series, metrics } = await runMetrics(store, query, range, bound);
    note(reply, metrics, bound);
    const body: TempoQueryInstantResponse = {
      series: series.map((s) => ({ labels: seriesJson(s).labels, value: s.samples[0]?.value ?? 0, promLabels: promLabels(s.labels) })),
      metrics: searchMetrics(metrics, bound),
    };
    return body;
  });
};

/** A range the accumulator refuses (too many steps, empty) is the caller's mistake: 400. */
async function runMetrics(...args: Parameters<typeof metricsTraceQL>): ReturnType<typeof metricsTraceQL> {
  try {
    return await metricsTraceQL(...args);
  } catch (e) {
    throw e instanceof RangeError ? new ApiError(400, e.message) : e;
  }
}

function metricsRequest(q: Query, instant: boolean) {
  const text = one(q, 'q') ?? one(q, 'query');
  if (text === undefined) throw new ApiError(400, 'parameter q is required (a TraceQL metrics query such as { } | rate())');
  const query = parseOr400(text);
  if (!query.metrics) throw new ApiError(400, 'not a metrics query: add a metrics function such as | rate() or | quantile_over_time(duration, .9)');
  const now = BigInt(Date.now()) * 1_000_000n;
  const { startNano, endNano } = timeWindow(q);
  const end = endNano ?? now;
  const since = one(q, 'since');
  const start = startNano ?? end - (since !== undefined ? parseTempoStep(since) : 3_600_000_000_000n);
  if (end <= start) throw new ApiError(400, 'end must be after start');
  const stepText = one(q, 'step');
  const step = instant ? end - start : stepText !== undefined ? parseTempoStep(stepText) : defaultStep(start, end);
  const exemplars = parseLimit(one(q, 'exemplars'), 20, 1000, 'exemplars');
  // An instant query is one step exactly over [start, end), not aligned to the step.
  return { query, range: { startNano: start, endNano: end, stepNano: step, exemplars, align: !instant } };
}

export function wantsProtobuf(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  return /application\/(x-)?protobuf/.test(accept);
}

/** tempopb.TraceByIDResponse: the Trace (wire-identical to an OTLP export request) as field 1. */
function wrapField1(inner: Uint8Array): Uint8Array {
  const len: number[] = [];
  let n = inner.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  const out = new Uint8Array(1 + len.length + inner.length);
  out[0] = 0x0a;
  out.set(len, 1);
  out.set(inner, 1 + len.length);
  return out;
}

async function traceOr404(store: SpanStore, raw: string, maxSpans: number, reply: FastifyReply): Promise<TraceRead> {
  const id = parseTraceIdParam(raw);
  if (id === null) throw new ApiError(400, `trace id '${raw}' is not valid hex`);
  const read = await readTrace(store, id, maxSpans);
  if (read.spans.length === 0) throw new ApiError(404, `trace ${id} not found`);
  if (read.truncated) reply.header('x-sextant-truncated', truncationNote(read.truncated));
  return read;
}

/** Tempo's v1 `/api/traces/{id}` in protobuf (the bare Trace message), for the Jaeger route to hand over to. */
export async function tempoTraceProtobuf(store: SpanStore, raw: string, reply: FastifyReply, maxSpans: number): Promise<FastifyReply> {
  const { spans } = await traceOr404(store, raw, maxSpans, reply);
  return reply.type('application/protobuf').send(Buffer.from(encodeTraceRequest(spans)));
}
