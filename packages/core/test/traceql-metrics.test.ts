import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsAccumulator, countingPlan, SpanKind, StatusCode, labelText, log2Bucket, parseTraceQL, quantileOf, serviceName, type MetricsSeries, type Span } from '@sextant/core';
import { span } from './analysis-builders.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// 300 traces over one hour, 1-6 spans each, random services, kinds, durations and errors.
const HOUR = 3600e9;
// A multiple of the step, so that steps start at T0.
const T0 = 1_699_999_980_000_000_000n;
const rand = rng(7);
const services = ['web', 'api', 'db'];
const traces: Span[][] = [];
for (let t = 0; t < 300; t++) {
  const start = Math.floor(rand() * HOUR);
  const n = 1 + Math.floor(rand() * 6);
  const spans: Span[] = [];
  for (let i = 0; i < n; i++) {
    const s0 = start + i * 1000;
    const dur = 1 + Math.floor(rand() ** 3 * 2e9);
    const sp = span({ id: `s${t}-${i}`, parent: i === 0 ? undefined : `s${t}-0`, traceId: `t${t}`, service: services[Math.floor(rand() * 3)], kind: rand() < 0.5 ? SpanKind.SERVER : SpanKind.CLIENT, start: s0, end: s0 + dur, error: rand() < 0.1 });
    spans.push({ ...sp, startTimeUnixNano: T0 + sp.startTimeUnixNano, endTimeUnixNano: T0 + sp.endTimeUnixNano });
  }
  traces.push(spans);
}
const all = traces.flat();
const range = { startNano: T0, endNano: T0 + BigInt(HOUR), stepNano: 60_000_000_000n, exemplars: 5 };
const bucketOf = (s: Span) => Number((s.startTimeUnixNano - T0) / range.stepNano);
const durSec = (s: Span) => Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e9;

function run(query: string): MetricsSeries[] {
  const acc = new MetricsAccumulator(parseTraceQL(query), range);
  for (const t of traces) acc.addTrace(t);
  return acc.result();
}

/** Brute force: group the spans that pass `keep` by `label` and step, then reduce each group with `reduce`. */
function brute(keep: (s: Span) => boolean, label: (s: Span) => string, reduce: (xs: Span[]) => number, fillZero: boolean): Map<string, Map<number, number>> {
  const groups = new Map<string, Map<number, Span[]>>();
  for (const s of all) {
    if (!keep(s)) continue;
    const g = groups.get(label(s)) ?? new Map<number, Span[]>();
    groups.set(label(s), g);
    const b = bucketOf(s);
    g.set(b, [...(g.get(b) ?? []), s]);
  }
  const out = new Map<string, Map<number, number>>();
  for (const [k, g] of groups) {
    const m = new Map<number, number>();
    for (let b = 0; b < 60; b++) {
      const xs = g.get(b);
      if (xs) m.set(b, reduce(xs));
      else if (fillZero) m.set(b, 0);
    }
    out.set(k, m);
  }
  return out;
}

function asMap(series: MetricsSeries[]): Map<string, Map<number, number>> {
  const startMs = Number(T0 / 1_000_000n);
  return new Map(series.map((s) => [labelText(s.labels), new Map(s.samples.map((p) => [(p.timestampMs - startMs) / 60_000, p.value]))]));
}

function assertClose(actual: Map<string, Map<number, number>>, expected: Map<string, Map<number, number>>): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [k, m] of expected) {
    const a = actual.get(k)!;
    assert.deepEqual([...a.keys()].sort((x, y) => x - y), [...m.keys()].sort((x, y) => x - y), k);
    for (const [b, v] of m) assert.ok(Math.abs(a.get(b)! - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${k} step ${b}: ${a.get(b)} != ${v}`);
  }
}

const bySvc = (s: Span) => `{resource.service.name=${JSON.stringify(serviceName(s))}}`;
const isServer = (s: Span) => s.kind === SpanKind.SERVER;

test('rate() and count_over_time() by(resource.service.name) equal brute-force counts per step', () => {
  assertClose(asMap(run('{ } | rate() by(resource.service.name)')), brute(() => true, bySvc, (xs) => xs.length / 60, true));
  assertClose(asMap(run('{ status = error } | count_over_time() by(resource.service.name)')), brute((s) => s.status.code === StatusCode.ERROR, bySvc, (xs) => xs.length, true));
  assertClose(asMap(run('{ kind = server } | rate()')), brute(isServer, () => '{}', (xs) => xs.length / 60, true));
});

test('min/max/avg/sum_over_time(duration) report seconds per step', () => {
  const ds = (xs: Span[]) => xs.map(durSec);
  assertClose(asMap(run('{ kind = server } | min_over_time(duration) by(resource.service.name)')), brute(isServer, bySvc, (xs) => Math.min(...ds(xs)), false));
  assertClose(asMap(run('{ kind = server } | max_over_time(duration)')), brute(isServer, () => '{}', (xs) => Math.max(...ds(xs)), false));
  assertClose(asMap(run('{ kind = server } | sum_over_time(duration)')), brute(isServer, () => '{}', (xs) => ds(xs).reduce((a, b) => a + b, 0), false));
  assertClose(asMap(run('{ kind = server } | avg_over_time(duration)')), brute(isServer, () => '{}', (xs) => ds(xs).reduce((a, b) => a + b, 0) / xs.length, false));
});

test('quantile_over_time gives one series per quantile (label p), nearest rank', () => {
  const got = asMap(run('{ } | quantile_over_time(duration, .5, .9) by(resource.service.name)'));
  for (const q of [0.5, 0.9]) {
    const expected = brute(() => true, (s) => `{resource.service.name=${JSON.stringify(serviceName(s))}, p=${q}}`, (xs) => quantileOf(xs.map(durSec).sort((a, b) => a - b), q), false);
    assertClose(new Map([...got].filter(([k]) => k.endsWith(`p=${q}}`))), expected);
  }
  assert.equal(quantileOf([1, 2, 3, 4], 0.5), 2);
  assert.equal(quantileOf([1, 2, 3, 4], 0.9), 4);
});

test('histogram_over_time(duration) counts spans per power-of-two bucket (label __bucket, seconds)', () => {
  const expected = brute(() => true, (s) => `{__bucket=${log2Bucket(Number(s.endTimeUnixNano - s.startTimeUnixNano)) / 1e9}}`, (xs) => xs.length, true);
  assertClose(asMap(run('{ } | histogram_over_time(duration)')), expected);
  assert.equal(log2Bucket(1000), 1024);
  assert.equal(log2Bucket(1024), 1024);
});

test('compare() splits counts into selection and baseline per attribute value, topN per attribute', () => {
  const series = run('{ } | compare({ status = error }, 2)');
  const total = (meta: string, key: string, value?: string) =>
    series
      .filter((s) => s.labels[0].value?.v === meta && s.labels[1].key === key && (value === undefined || s.labels[1].value?.v === value))
      .reduce((acc, s) => acc + s.samples.reduce((a, p) => a + p.value, 0), 0);
  const errors = all.filter((s) => s.status.code === StatusCode.ERROR);
  assert.equal(total('selection_total', 'resource.service.name'), errors.length);
  assert.equal(total('baseline_total', 'resource.service.name'), all.length - errors.length);
  assert.equal(total('selection', 'resource.service.name', 'db'), errors.filter((s) => serviceName(s) === 'db').length);
  // topN = 2: at most two values per attribute and side.
  assert.equal(series.filter((s) => s.labels[0].value?.v === 'baseline' && s.labels[1].key === 'resource.service.name').length, 2);
});

test('topk/bottomk keep the k highest/lowest series per step; exemplars point at matched spans', () => {
  const top = run('{ } | count_over_time() by(resource.service.name) | topk(1)');
  const full = asMap(run('{ } | count_over_time() by(resource.service.name)'));
  const startMs = Number(T0 / 1_000_000n);
  for (const s of top) {
    for (const p of s.samples) {
      const b = (p.timestampMs - startMs) / 60_000;
      const best = Math.max(...[...full.values()].map((m) => m.get(b) ?? 0));
      assert.equal(p.value, best);
    }
  }
  const bottom = run('{ } | count_over_time() by(resource.service.name) | bottomk(1)');
  assert.ok(bottom.every((s) => s.samples.every((p) => p.value === Math.min(...[...full.values()].map((m) => m.get((p.timestampMs - startMs) / 60_000) ?? 0)))));
  const q = run('{ kind = server } | quantile_over_time(duration, .9)');
  const byId = new Map(all.map((s) => [s.spanId, s]));
  assert.ok(q[0].exemplars.length > 0 && q[0].exemplars.length <= 5);
  for (const e of q[0].exemplars) {
    const s = byId.get(e.spanId)!;
    assert.equal(s.kind, SpanKind.SERVER);
    assert.equal(e.value, durSec(s));
    assert.equal(e.traceId, s.traceId);
  }
});

test('bad ranges are refused', () => {
  const q = parseTraceQL('{ } | rate()');
  assert.throws(() => new MetricsAccumulator(q, { ...range, stepNano: 0n }), /step must be positive/);
  assert.throws(() => new MetricsAccumulator(q, { ...range, endNano: T0 }), /end must be after start/);
  assert.throws(() => new MetricsAccumulator(q, { ...range, stepNano: 1_000_000n }), /at most 11,000/);
});

test('countingPlan: only exact column filters, counting functions and column groupings go to the engine', () => {
  const plan = countingPlan(parseTraceQL('{ resource.service.name = "api" && kind = server && status = error && duration > 10ms } | rate() by(name, kind)'));
  assert.deepEqual(plan, {
    conditions: [
      { column: 'service', op: '=', value: 'api' },
      { column: 'kind', op: '=', value: 2 },
      { column: 'status', op: '=', value: 2 },
      { column: 'duration', op: '>', value: 10e6 },
    ],
    groupBy: ['name', 'kind'],
    fn: 'rate',
  });
  assert.deepEqual(countingPlan(parseTraceQL('{ } | histogram_over_time(duration) by(resource.service.name)'))?.groupBy, ['service', 'durationBucket']);
  for (const q of [
    '{ .service.name = "api" } | rate()', // unscoped reads span attributes first
    '{ span.x = 1 } | rate()',
    '{ resource.service.name = "api" || kind = server } | rate()',
    '{ } >> { } | rate()',
    '{ } | by(name) | rate()',
    '{ } | quantile_over_time(duration, .9)',
    '{ } | rate() by(span.x)',
    '{ } | rate() | topk(2)',
    '{ resource.service.name = "unknown_service" } | rate()',
    '{ }',
  ]) assert.equal(countingPlan(parseTraceQL(q)), null, q);
});
