/**
 * What Jaeger UI's Monitor tab and its OTLP upload call: RED metrics per service (and per operation) in the
 * Jaeger query service's MetricFamily JSON, and POST /api/transform (OTLP JSON in, Jaeger JSON out). The
 * metrics are TraceQL metrics queries over the stored spans, so they need no span-metrics pipeline.
 */
import type { FastifyPluginAsync } from 'fastify';
import { decodeOtlpJsonTraces, parseTraceQL, transformOtlpToJaeger, type MetricsSeries } from '@sextant/core';
import type { SpanStore } from '../storage/contract.js';
import { all, one, type Query } from '../query/search-params.js';
import { ApiError, answerErrorsWith } from './errors.js';
import { envelopeError } from './jaeger.js';
import { metricsTraceQL } from '../query/traceql.js';

const MS = 1_000_000n;
const KINDS = new Set(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']);
/** Upload files can be large; the query port's default JSON limit is 1 MiB. */
const TRANSFORM_BODY_LIMIT = 64 * 1024 * 1024;

interface MonitorParams {
  services: string[];
  kinds: string[];
  byOperation: boolean;
  startNano: bigint;
  endNano: bigint;
  stepNano: bigint;
}

function msParam(q: Query, name: string, def: bigint): bigint {
  const v = one(q, name);
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) throw new ApiError(400, `${name}: '${v}' is not a whole number of milliseconds`);
  return BigInt(v);
}

function monitorParams(q: Query): MonitorParams {
  // Jaeger UI joins several services as `service=a,service=b` into one value.
  const services = all(q, 'service').flatMap((s) => s.split(',')).map((s) => s.replace(/^service=/, '')).filter((s) => s !== '');
  if (services.length === 0) throw new ApiError(400, 'parameter service is required');
  const kinds = all(q, 'spanKind').flatMap((k) => k.split(',')).map((k) => k.toLowerCase().replace(/^span_kind_/, ''));
  for (const k of kinds) if (!KINDS.has(k)) throw new ApiError(400, `spanKind: '${k}' is not one of ${[...KINDS].join(', ')}`);
  const end = msParam(q, 'endTs', BigInt(Date.now()));
  const lookback = msParam(q, 'lookback', 3_600_000n);
  const step = msParam(q, 'step', 60_000n);
  if (step <= 0n) throw new ApiError(400, 'step must be positive');
  const groupBy = one(q, 'groupByOperation');
  return {
    services,
    kinds: kinds.length > 0 ? kinds : ['server'],
    byOperation: groupBy === 'true' || groupBy === '1',
    startNano: (end - lookback) * MS,
    endNano: end * MS,
    stepNano: step * MS,
  };
}

function filterOf(p: MonitorParams, extra = ''): string {
  const svc = p.services.map((s) => `resource.service.name = ${JSON.stringify(s)}`).join(' || ');
  const kind = p.kinds.map((k) => `kind = ${k}`).join(' || ');
  return `{ (${svc}) && (${kind})${extra} }`;
}

async function run(store: SpanStore, p: MonitorParams, text: string): Promise<MetricsSeries[]> {
  try {
    const by = p.byOperation ? 'resource.service.name, name' : 'resource.service.name';
    const { series } = await metricsTraceQL(store, parseTraceQL(`${text} by(${by})`), { startNano: p.startNano, endNano: p.endNano, stepNano: p.stepNano });
    return series;
  } catch (e) {
    throw e instanceof RangeError ? new ApiError(400, e.message) : e;
  }
}

function labelsOf(s: MetricsSeries): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const l of s.labels) {
    const v = l.value === undefined ? '' : String(l.value.v);
    if (l.key === 'resource.service.name') out.push({ name: 'service_name', value: v });
    else if (l.key === 'name') out.push({ name: 'operation', value: v });
  }
  return out;
}

function family(name: string, help: string, metrics: { labels: { name: string; value: string }[]; points: { t: number; v: number }[] }[]) {
  return {
    name,
    type: 'GAUGE',
    help,
    metrics: metrics.map((m) => ({
      labels: m.labels,
      metricPoints: m.points.map((p) => ({ gaugeValue: { doubleValue: p.v }, timestamp: new Date(p.t).toISOString() })),
    })),
  };
}

export const jaegerMonitorApi: FastifyPluginAsync<{ store: SpanStore }> = async (app, { store }) => {
  answerErrorsWith(app, envelopeError);
  app.get('/api/metrics/latencies', async (req) => {
    const q = req.query as Query;
    const p = monitorParams(q);
    const quantile = Number(one(q, 'quantile') ?? '0.95');
    if (!(quantile > 0 && quantile <= 1)) throw new ApiError(400, `quantile: '${one(q, 'quantile')}' is not in (0, 1]`);
    const series = await run(store, p, `${filterOf(p)} | quantile_over_time(duration, ${quantile})`);
    const name = p.byOperation ? 'service_operation_latencies' : 'service_latencies';
    return family(name, `${quantile}th quantile latency in ms, grouped by service${p.byOperation ? ' & operation' : ''}`,
      series.map((s) => ({ labels: labelsOf(s), points: s.samples.map((x) => ({ t: x.timestampMs, v: x.value * 1000 })) })));
  });

  app.get('/api/metrics/calls', async (req) => {
    const p = monitorParams(req.query as Query);
    const series = await run(store, p, `${filterOf(p)} | rate()`);
    const name = p.byOperation ? 'service_operation_call_rate' : 'service_call_rate';
    return family(name, `calls/sec, grouped by service${p.byOperation ? ' & operation' : ''}`,
      series.map((s) => ({ labels: labelsOf(s), points: s.samples.map((x) => ({ t: x.timestampMs, v: x.value })) })));
  });

  app.get('/api/metrics/errors', async (req) => {
    const p = monitorParams(req.query as Query);
    const [totals, errors] = await Promise.all([run(store, p, `${filterOf(p)} | count_over_time()`), run(store, p, `${filterOf(p, ' && status = error')} | count_over_time()`)]);
    const key = (s: MetricsSeries) => JSON.stringify(labelsOf(s));
    const errorsBy = new Map(errors.map((s) => [key(s), new Map(s.samples.map((x) => [x.timestampMs, x.value]))]));
    const name = p.byOperation ? 'service_operation_error_rate' : 'service_error_rate';
    return family(name, `error rate (errors / calls), grouped by service${p.byOperation ? ' & operation' : ''}`,
      totals.map((s) => ({
        labels: labelsOf(s),
        // Steps without calls have no error rate (Jaeger's Prometheus reader returns no point there either).
        points: s.samples.filter((x) => x.value > 0).map((x) => ({ t: x.timestampMs, v: (errorsBy.get(key(s))?.get(x.timestampMs) ?? 0) / x.value })),
      })));
  });

  // In milliseconds, in Jaeger's envelope. Steps are computed from raw spans, so a millisecond can be served.
  app.get('/api/metrics/minstep', async () => ({ data: 1, total: 0, limit: 0, offset: 0, errors: null }));

  app.post('/api/transform', { bodyLimit: TRANSFORM_BODY_LIMIT }, async (req) => {
    const doc = typeof req.body === 'string' ? JSON.parse(req.body) : req.body;
    const decoded = decodeOtlpJsonTraces(doc);
    if (decoded.items.length === 0) throw new ApiError(400, `no valid spans in the upload${decoded.errors.length ? `: ${decoded.errors[0]}` : ''}`);
    const traces = transformOtlpToJaeger(decoded.items);
    return { data: traces, total: traces.length, limit: 0, offset: 0, errors: null };
  });
};
