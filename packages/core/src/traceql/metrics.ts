/**
 * TraceQL metrics (`{ … } | rate() by(…)` and friends) over the spans a query matches, bucketed by span start
 * time into steps aligned to the step size, as Tempo's query_range does. Fed one trace at a time, so a caller
 * can stream candidate traces from storage without holding them all.
 */
import type { Span } from '../model.js';
import type { MetricsStage, Query } from './ast.js';
import type { CountingPlan } from './pushdown.js';
import { evaluatePipeline, evalField, prepareTrace, type TraceContext } from './eval.js';
import { formatField } from './format.js';
import { firstScalar, numericOf, scalarKey, type Scalar } from './values.js';

export interface MetricsRange {
  startNano: bigint;
  endNano: bigint;
  stepNano: bigint;
  /** Most exemplars to keep per series (Tempo's `exemplars` parameter); 0 for none. */
  exemplars?: number;
  /** Align steps to multiples of the step (default, as query_range does); false for an instant query. */
  align?: boolean;
}

export interface SeriesLabel {
  key: string;
  /** undefined for compare()'s `*_total` series, which Tempo labels with a nil value. */
  value: Scalar | undefined;
}

export interface Exemplar {
  traceId: string;
  spanId: string;
  timestampMs: number;
  value: number;
}

export interface MetricsSeries {
  labels: SeriesLabel[];
  /** One sample per step that has data (rate, count and histogram report 0 for empty steps). */
  samples: { timestampMs: number; value: number }[];
  exemplars: Exemplar[];
}

interface Bucket {
  count: number;
  sum: number;
  min: number;
  max: number;
  values?: number[];
}

interface SeriesState {
  labels: SeriesLabel[];
  buckets: (Bucket | undefined)[];
  exemplars: (Exemplar & { bucket: number })[];
  /** For quantile series: which quantile this series reports; they share the `values` of a base series. */
  quantile?: number;
}

const NANOS_PER_SECOND = 1e9;

/** Power-of-two bucket that Tempo's histogram_over_time puts a value in (upper bound, in the value's unit). */
export function log2Bucket(x: number): number {
  if (x <= 1) return 1;
  return 2 ** Math.ceil(Math.log2(x));
}

/** Nearest-rank quantile of sorted values: the smallest value with at least q of the values at or below it. */
export function quantileOf(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export class MetricsAccumulator {
  private readonly stage: MetricsStage;
  private readonly alignedStart: bigint;
  private readonly bucketCount: number;
  private readonly series = new Map<string, SeriesState>();
  private readonly maxExemplars: number;
  private readonly byKeys: string[];
  /** How many spans were measured, for the response metrics. */
  spansMeasured = 0;

  constructor(
    private readonly query: Query,
    private readonly range: MetricsRange,
  ) {
    if (query.metrics === undefined) throw new Error('not a metrics query');
    if (range.stepNano <= 0n) throw new RangeError('step must be positive');
    if (range.endNano <= range.startNano) throw new RangeError('end must be after start');
    this.stage = query.metrics;
    this.alignedStart = range.align === false ? range.startNano : range.startNano - (range.startNano % range.stepNano);
    const n = (range.endNano - this.alignedStart + range.stepNano - 1n) / range.stepNano;
    if (n > 11_000n) throw new RangeError(`the range holds ${n} steps; at most 11,000 are allowed (raise step)`);
    this.bucketCount = Number(n);
    this.maxExemplars = range.exemplars ?? 0;
    this.byKeys = this.stage.by.map(formatField);
  }

  /** Start of the first step, for engines that count spans per step themselves. */
  get firstStepNano(): bigint {
    return this.alignedStart;
  }

  /**
   * Spans a storage engine counted for a CountingPlan of this query: `keys` in the plan's groupBy order (the
   * histogram's power-of-two duration bucket in ns last), the step index, the count, and one span as exemplar.
   */
  addCounted(plan: CountingPlan, row: { step: number; keys: (string | number)[]; count: number; exemplar?: { traceId: string; spanId: string; startNano: bigint; durationNano: number } }): void {
    if (row.step < 0 || row.step >= this.bucketCount) return;
    const labels: SeriesLabel[] = [];
    plan.groupBy.forEach((col, i) => {
      const k = row.keys[i];
      if (col === 'durationBucket') labels.push({ key: '__bucket', value: { t: 'number', v: Number(k) / NANOS_PER_SECOND, int: false } });
      else if (col === 'kind') labels.push({ key: this.byKeys[i], value: { t: 'kind', v: Number(k) } });
      else if (col === 'status') labels.push({ key: this.byKeys[i], value: { t: 'status', v: Number(k) } });
      else labels.push({ key: this.byKeys[i], value: { t: 'string', v: String(k) } });
    });
    const series = this.seriesFor(labels);
    let b = series.buckets[row.step];
    if (b === undefined) series.buckets[row.step] = b = { count: 0, sum: 0, min: Infinity, max: -Infinity };
    b.count += row.count;
    this.spansMeasured += row.count;
    const e = row.exemplar;
    if (e !== undefined && series.exemplars.length < this.maxExemplars && !series.exemplars.some((x) => x.bucket === row.step)) {
      series.exemplars.push({ traceId: e.traceId, spanId: e.spanId, timestampMs: Number(e.startNano / 1_000_000n), value: e.durationNano / NANOS_PER_SECOND, bucket: row.step });
    }
  }

  /** Evaluates the query's spanset pipeline over one trace and measures the spans it matched. */
  addTrace(spans: readonly Span[]): void {
    const ctx = prepareTrace(spans);
    const sets = evaluatePipeline(ctx, this.query.pipeline);
    if (sets.length === 0) return;
    const seen = new Uint8Array(spans.length);
    for (const s of sets) for (const node of s.nodes) seen[node] = 1;
    let selected: Uint8Array | undefined;
    if (this.stage.fn === 'compare') {
      selected = new Uint8Array(spans.length);
      const sel = evaluatePipeline(ctx, { stages: [{ type: 'spanset', expr: this.stage.selection! }] });
      for (const s of sel) for (const node of s.nodes) selected[node] = 1;
    }
    for (let node = 0; node < spans.length; node++) {
      if (!seen[node]) continue;
      const start = spans[node].startTimeUnixNano;
      if (start < this.range.startNano || start >= this.range.endNano) continue;
      const bucket = Number((start - this.alignedStart) / this.range.stepNano);
      this.spansMeasured++;
      if (selected !== undefined) this.measureCompare(ctx, node, bucket, selected[node] === 1 && this.inWindow(start));
      else this.measure(ctx, node, bucket);
    }
  }

  private inWindow(start: bigint): boolean {
    const { windowStartNano: ws, windowEndNano: we } = this.stage;
    if (ws === undefined || we === undefined) return true;
    return start >= BigInt(Math.trunc(ws)) && start < BigInt(Math.trunc(we));
  }

  private seriesFor(labels: SeriesLabel[], quantile?: number): SeriesState {
    const key = JSON.stringify(labels.map((l) => [l.key, l.value === undefined ? null : scalarKey(l.value)]));
    let s = this.series.get(key);
    if (s === undefined) {
      s = { labels, buckets: new Array(this.bucketCount), exemplars: [], quantile };
      this.series.set(key, s);
    }
    return s;
  }

  private add(series: SeriesState, bucket: number, x: number, ctx: TraceContext, node: number, keepValues: boolean): void {
    let b = series.buckets[bucket];
    if (b === undefined) {
      b = { count: 0, sum: 0, min: Infinity, max: -Infinity, values: keepValues ? [] : undefined };
      series.buckets[bucket] = b;
    }
    b.count++;
    b.sum += x;
    if (x < b.min) b.min = x;
    if (x > b.max) b.max = x;
    b.values?.push(x);
    // One exemplar per step until the series has its share: spreads them over the range.
    if (series.exemplars.length < this.maxExemplars && !series.exemplars.some((e) => e.bucket === bucket)) {
      const span = ctx.spans[node];
      series.exemplars.push({
        traceId: span.traceId,
        spanId: span.spanId,
        timestampMs: Number(span.startTimeUnixNano / 1_000_000n),
        value: x,
        bucket,
      });
    }
  }

  private labelsOf(ctx: TraceContext, node: number): SeriesLabel[] {
    const labels: SeriesLabel[] = [];
    for (let i = 0; i < this.stage.by.length; i++) {
      const v = firstScalar(evalField(ctx, node, this.stage.by[i]));
      if (v !== undefined) labels.push({ key: this.byKeys[i], value: v });
    }
    return labels;
  }

  private measure(ctx: TraceContext, node: number, bucket: number): void {
    const labels = this.labelsOf(ctx, node);
    const { fn, field } = this.stage;
    if (fn === 'rate' || fn === 'count_over_time') {
      const span = ctx.spans[node];
      this.add(this.seriesFor(labels), bucket, Number(span.endTimeUnixNano - span.startTimeUnixNano) / NANOS_PER_SECOND, ctx, node, false);
      return;
    }
    const v = evalField(ctx, node, field!);
    let x = numericOf(v);
    if (x === undefined) return;
    // Durations are reported in seconds, as Tempo does.
    const isDuration = firstScalar(v)!.t === 'duration';
    if (isDuration) x /= NANOS_PER_SECOND;
    if (fn === 'histogram_over_time') {
      const upper = isDuration ? log2Bucket(x * NANOS_PER_SECOND) / NANOS_PER_SECOND : log2Bucket(x);
      this.add(this.seriesFor([...labels, { key: '__bucket', value: { t: 'number', v: upper, int: false } }]), bucket, x, ctx, node, false);
      return;
    }
    this.add(this.seriesFor(labels), bucket, x, ctx, node, fn === 'quantile_over_time');
  }

  private measureCompare(ctx: TraceContext, node: number, bucket: number, isSelection: boolean): void {
    const span = ctx.spans[node];
    const type = isSelection ? 'selection' : 'baseline';
    const metaType = (t: string): SeriesLabel => ({ key: '__meta_type', value: { t: 'string', v: t } });
    const duration = Number(span.endTimeUnixNano - span.startTimeUnixNano) / NANOS_PER_SECOND;
    const pairs: [string, Scalar | undefined][] = [
      ['name', { t: 'string', v: span.name }],
      ['status', { t: 'status', v: span.status.code }],
      ['kind', { t: 'kind', v: span.kind }],
    ];
    for (const kv of span.attributes) pairs.push([`span.${kv.key}`, firstScalar(evalField(ctx, node, { type: 'attribute', scope: 'span', parent: false, name: kv.key }))]);
    for (const kv of span.resource.attributes) pairs.push([`resource.${kv.key}`, firstScalar(evalField(ctx, node, { type: 'attribute', scope: 'resource', parent: false, name: kv.key }))]);
    for (const [key, value] of pairs) {
      if (value === undefined) continue;
      this.add(this.seriesFor([metaType(type), { key, value }]), bucket, duration, ctx, node, false);
      this.add(this.seriesFor([metaType(`${type}_total`), { key, value: undefined }]), bucket, duration, ctx, node, false);
    }
  }

  private sampleOf(s: SeriesState, b: Bucket | undefined, stepSeconds: number, quantile?: number): number | undefined {
    const fn = this.stage.fn;
    if (b === undefined) return fn === 'rate' || fn === 'count_over_time' || fn === 'histogram_over_time' ? 0 : undefined;
    switch (fn) {
      case 'rate': return b.count / stepSeconds;
      case 'count_over_time': case 'histogram_over_time': case 'compare': return b.count;
      case 'min_over_time': return b.min;
      case 'max_over_time': return b.max;
      case 'sum_over_time': return b.sum;
      case 'avg_over_time': return b.sum / b.count;
      case 'quantile_over_time': {
        b.values!.sort((x, y) => x - y);
        return quantileOf(b.values!, quantile ?? s.quantile!);
      }
    }
  }

  result(): MetricsSeries[] {
    const stepSeconds = Number(this.range.stepNano) / NANOS_PER_SECOND;
    const stepMs = Number(this.range.stepNano) / 1e6;
    const startMs = Number(this.alignedStart / 1_000_000n);
    let states = [...this.series.values()];
    if (this.stage.fn === 'compare') states = this.topCompareValues(states);
    const out: MetricsSeries[] = [];
    const quantiles = this.stage.fn === 'quantile_over_time' ? this.stage.quantiles! : [undefined];
    for (const s of states) {
      for (const q of quantiles) {
        const samples: MetricsSeries['samples'] = [];
        for (let i = 0; i < this.bucketCount; i++) {
          const v = this.sampleOf(s, s.buckets[i], stepSeconds, q);
          if (v !== undefined) samples.push({ timestampMs: startMs + i * stepMs, value: v });
        }
        // Exemplars of count-like series sit on the series' own line; duration-valued ones at their value.
        const onLine = this.stage.fn === 'rate' || this.stage.fn === 'count_over_time' || this.stage.fn === 'compare';
        const exemplars = s.exemplars.map(({ bucket, ...e }) => ({ ...e, value: onLine ? this.sampleOf(s, s.buckets[bucket], stepSeconds)! : e.value }));
        const labels = q === undefined ? s.labels : [...s.labels, { key: 'p', value: { t: 'number', v: q, int: false } as Scalar }];
        out.push({ labels, samples, exemplars });
      }
    }
    if (this.query.second !== undefined) return topOrBottom(out, this.query.second.k, this.query.second.fn === 'topk');
    return out.sort((a, b) => labelText(a.labels).localeCompare(labelText(b.labels)));
  }

  /** compare() keeps, per attribute and side, the topN values by span count (Tempo's default is 10). */
  private topCompareValues(states: SeriesState[]): SeriesState[] {
    const topN = this.stage.topN ?? 10;
    const groups = new Map<string, SeriesState[]>();
    const keep: SeriesState[] = [];
    for (const s of states) {
      const meta = (s.labels[0].value as Scalar & { v: string }).v;
      if (meta.endsWith('_total')) {
        keep.push(s);
        continue;
      }
      const k = `${meta}\u0000${s.labels[1].key}`;
      const g = groups.get(k);
      if (g) g.push(s);
      else groups.set(k, [s]);
    }
    const total = (s: SeriesState) => s.buckets.reduce((acc, b) => acc + (b?.count ?? 0), 0);
    for (const g of groups.values()) keep.push(...g.sort((a, b) => total(b) - total(a)).slice(0, topN));
    return keep;
  }
}

export function labelText(labels: readonly SeriesLabel[]): string {
  return `{${labels.map((l) => `${l.key}=${l.value === undefined ? 'nil' : JSON.stringify(l.value.v)}`).join(', ')}}`;
}

/** topk/bottomk as Prometheus defines them: per step, the k series with the highest (lowest) values. */
function topOrBottom(series: MetricsSeries[], k: number, top: boolean): MetricsSeries[] {
  const times = new Set<number>();
  for (const s of series) for (const p of s.samples) times.add(p.timestampMs);
  const keep = series.map(() => new Set<number>());
  for (const t of times) {
    const ranked: { i: number; v: number }[] = [];
    series.forEach((s, i) => {
      const p = s.samples.find((x) => x.timestampMs === t);
      if (p !== undefined && !Number.isNaN(p.value)) ranked.push({ i, v: p.value });
    });
    ranked.sort((a, b) => (top ? b.v - a.v : a.v - b.v) || a.i - b.i);
    for (const r of ranked.slice(0, k)) keep[r.i].add(t);
  }
  return series
    .map((s, i) => ({ ...s, samples: s.samples.filter((p) => keep[i].has(p.timestampMs)) }))
    .filter((s) => s.samples.length > 0);
}
