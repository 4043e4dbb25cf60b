/**
 * Runs TraceQL against a SpanStore: the pushable part of the query (see core's pushdownConditions) becomes a
 * span-level TraceQuery, which every storage engine answers as its own SQL, and the full query is evaluated
 * in memory over the candidate traces, most recent first, up to a bound. What was inspected and whether the
 * bound cut the scan short is reported with the answer.
 */
import {
  MetricsAccumulator, countingPlan, evaluateTrace, pushdownConditions, serviceName, type MetricsRange, type MetricsSeries, type PushedCondition,
  type Query, type Span, type Spanset, type TraceContext,
} from '@sextant/core';
import type { SpanStore, TraceQuery } from '../storage/contract.js';
import { underOneDeadline } from './guarded-store.js';

export interface InspectionMetrics {
  inspectedTraces: number;
  inspectedSpans: number;
  /** True when the candidate bound stopped the scan before the store ran out of candidates. */
  truncated: boolean;
  /** The span-level filter the storage engine applied before evaluation, as TraceQL-ish text. */
  pushedDown: string;
}

export interface TraceMatch {
  spans: Span[];
  ctx: TraceContext;
  spansets: Spanset[];
}

/** Candidate traces read from storage per search (and per metrics query) at most. */
export const DEFAULT_CANDIDATE_BOUND = 5000;
const PAGE = 500;

/** Maps pushed conditions onto the store's span-level query; conditions it cannot carry are left to evaluation. */
export function toTraceQuery(conds: readonly PushedCondition[], base: Omit<TraceQuery, 'limit'>): { query: Omit<TraceQuery, 'limit'>; text: string[] } {
  const q: Omit<TraceQuery, 'limit'> = { ...base };
  const text: string[] = [];
  const tags: { key: string; value: string }[] = [];
  for (const c of conds) {
    const f = c.field;
    const v = c.value;
    if (f.kind === 'attribute') {
      if (c.op !== '=' || v.type !== 'string') continue;
      if (f.name === 'service.name' && f.scope !== 'span' && q.service === undefined) {
        q.service = v.value;
        text.push(`resource.service.name = ${JSON.stringify(v.value)}`);
      } else if (f.scope !== 'resource' || f.name !== 'service.name') {
        // The store's tag search looks in span, resource, scope, event and link attributes: a superset.
        tags.push({ key: f.name, value: v.value });
        text.push(`${f.scope}.${f.name} = ${JSON.stringify(v.value)}`);
      }
      continue;
    }
    if (f.name === 'name' && c.op === '=' && v.type === 'string' && q.operation === undefined) {
      q.operation = v.value;
      text.push(`name = ${JSON.stringify(v.value)}`);
    } else if (f.name === 'kind' && c.op === '=' && v.type === 'kind' && q.spanKind === undefined) {
      q.spanKind = v.value as TraceQuery['spanKind'];
      text.push(`kind = ${v.value}`);
    } else if (f.name === 'status' && c.op === '=' && v.type === 'status' && v.value === 2) {
      q.errorsOnly = true;
      text.push('status = error');
    } else if (f.name === 'duration' && v.type === 'duration') {
      const ns = BigInt(Math.ceil(v.value));
      if ((c.op === '>' || c.op === '>=') && (q.minDurationNano === undefined || ns > q.minDurationNano)) {
        q.minDurationNano = ns;
        text.push(`duration >= ${v.value}ns`);
      } else if ((c.op === '<' || c.op === '<=') && (q.maxDurationNano === undefined || ns < q.maxDurationNano)) {
        q.maxDurationNano = BigInt(Math.floor(v.value));
        text.push(`duration <= ${v.value}ns`);
      }
    }
  }
  if (tags.length > 0) q.tags = [...(q.tags ?? []), ...tags];
  return { query: q, text };
}

/**
 * Streams candidate traces (most recent first) to `visit` until it returns false or `bound` traces were read.
 * Pages start at `firstPage` traces and double up to PAGE: a search that wants 20 traces, whose first 20
 * candidates all match, reads 20 traces and not 500.
 */
async function scanCandidates(
  candidates: SpanStore,
  query: Query,
  window: { startNano?: bigint; endNano?: bigint },
  bound: number,
  visit: (spans: Span[]) => boolean,
  firstPage = PAGE,
): Promise<InspectionMetrics> {
  // Many pages of candidates, each an expensive read: one query timeout for them all.
  const store = underOneDeadline(candidates);
  const { query: tq, text } = toTraceQuery(pushdownConditions(query), window);
  const metrics: InspectionMetrics = { inspectedTraces: 0, inspectedSpans: 0, truncated: false, pushedDown: text.join(' && ') };
  let cursor: string | undefined;
  let pageSize = Math.max(1, Math.min(PAGE, firstPage));
  for (;; pageSize = Math.min(PAGE, pageSize * 2)) {
    const room = bound - metrics.inspectedTraces;
    if (room <= 0) {
      metrics.truncated = cursor !== undefined;
      return metrics;
    }
    const page = await store.searchTraces({ ...tq, limit: Math.min(pageSize, room), cursor });
    const byId = await store.getTraces(page.traces.map((t) => t.traceId));
    for (const t of page.traces) {
      const spans = byId.get(t.traceId);
      if (spans === undefined || spans.length === 0) continue;
      metrics.inspectedTraces++;
      metrics.inspectedSpans += spans.length;
      if (!visit(spans)) return metrics;
    }
    if (page.nextCursor === null) return metrics;
    cursor = page.nextCursor;
  }
}

export async function searchTraceQL(
  store: SpanStore,
  query: Query,
  opts: { startNano?: bigint; endNano?: bigint; limit: number; bound?: number },
): Promise<{ matches: TraceMatch[]; metrics: InspectionMetrics }> {
  const matches: TraceMatch[] = [];
  const metrics = await scanCandidates(store, query, opts, opts.bound ?? DEFAULT_CANDIDATE_BOUND, (spans) => {
    const { ctx, spansets } = evaluateTrace(query, spans);
    if (spansets.length > 0) matches.push({ spans, ctx, spansets });
    return matches.length < opts.limit;
  }, opts.limit);
  // Stopping at the limit is not truncation: the answer is the most recent `limit` matches.
  if (matches.length >= opts.limit) metrics.truncated = false;
  return { matches, metrics };
}

export async function metricsTraceQL(
  store: SpanStore,
  query: Query,
  range: MetricsRange,
  bound = DEFAULT_CANDIDATE_BOUND,
): Promise<{ series: MetricsSeries[]; metrics: InspectionMetrics }> {
  const acc = new MetricsAccumulator(query, range);
  const plan = countingPlan(query);
  if (plan !== null && store.countSpans !== undefined) {
    // Wholly answerable by counting spans in the engine: no traces are loaded, no bound applies.
    const rows = await store.countSpans({ conditions: plan.conditions, groupBy: plan.groupBy, startNano: range.startNano, endNano: range.endNano, firstStepNano: acc.firstStepNano, stepNano: range.stepNano });
    for (const row of rows) acc.addCounted(plan, row);
    return { series: acc.result(), metrics: { inspectedTraces: 0, inspectedSpans: acc.spansMeasured, truncated: false, pushedDown: 'the whole query (counted in the storage engine)' } };
  }
  // A span counts in the bucket of its start, so traces that started up to the range end are candidates.
  const metrics = await scanCandidates(store, query, { startNano: range.startNano, endNano: range.endNano }, bound, (spans) => {
    acc.addTrace(spans);
    return true;
  });
  return { series: acc.result(), metrics };
}

/** Attribute keys and values seen on the spans of up to `bound` recent traces matching a query (for q= filters). */
export async function sampleTags(
  store: SpanStore,
  query: Query,
  window: { startNano?: bigint; endNano?: bigint },
  bound: number,
): Promise<{ span: Map<string, Set<string>>; resource: Map<string, Set<string>> }> {
  const span = new Map<string, Set<string>>();
  const resource = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: unknown) => {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') && s.size < 1000) s.add(String(v));
  };
  await scanCandidates(store, query, window, bound, (spans) => {
    const { spansets } = evaluateTrace(query, spans);
    for (const set of spansets) {
      for (const node of set.nodes) {
        const s = spans[node];
        for (const kv of s.attributes) add(span, kv.key, kv.value);
        for (const kv of s.resource.attributes) add(resource, kv.key, kv.value);
        add(resource, 'service.name', serviceName(s));
      }
    }
    return true;
  });
  return { span, resource };
}
