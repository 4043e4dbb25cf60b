/**
 * TraceQL on every engine: the hand-built semantic table (core's test table) and structural queries on the
 * smartthings production trace must give the evaluator's answers through the engine's pushdown, and an engine
 * that counts spans itself (countSpans) must agree with the in-memory metrics. `<engine>.test.ts` calls this
 * beside runConformance. An engine that keeps less than the model (`stored`) is held to the evaluator's answers
 * over what it keeps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsAccumulator, countingPlan, decodeZipkinV2, evaluateTrace, parseTraceQL, type Span } from '@sextant/core';
import { readFixtureJson } from '../../../../testing/fixtures.js';
import type { StorageBackend } from '../../src/storage/contract.js';
import { metricsTraceQL, searchTraceQL } from '../../src/query/traceql.js';
import { HAND_TABLE, HAND_TRACE, nameOf } from '../../../core/test/traceql-table.js';
import type { ConformanceEngine } from './conformance.js';
import { makeSpan } from '../support/spans.js';

const smartthings = decodeZipkinV2(readFixtureJson('zipkin/smartthings-mobile-web-install.json')).items;
const spanKey = (s: Span) => `${s.spanId}/${s.name}/${s.kind}`;

export function runTraceQLConformance(name: string, engine: Pick<ConformanceEngine, 'open' | 'stored'>): void {
  const kept = (spans: Span[]) => (engine.stored ? spans.map(engine.stored.span) : spans);
  const keptHand = kept(HAND_TRACE);
  const keptSmartthings = kept(smartthings);
  test(`${name}: TraceQL semantic table and structural queries through the engine's pushdown; counted metrics`, async () => {
    const dir = mkdtempSync(join(tmpdir(), `sextant-traceql-${name.replace(/\W+/g, '-')}-`));
    const store: StorageBackend = await engine.open(dir);
    try {
      await store.write(HAND_TRACE, []);
      await store.write(smartthings, []);
      for (const [text, table] of HAND_TABLE) {
        const query = parseTraceQL(text);
        const expected = engine.stored ? evaluateTrace(query, keptHand).spansets.flatMap((s) => s.nodes.map((i) => nameOf(keptHand[i]!.spanId))) : table;
        const { matches } = await searchTraceQL(store, query, { limit: 10 });
        const hand = matches.filter((m) => m.spans[0].traceId === HAND_TRACE[0].traceId);
        const got = hand.flatMap((m) => m.spansets.flatMap((s) => s.nodes.map((i) => nameOf(m.spans[i].spanId))));
        assert.deepEqual(got.sort(), [...expected].sort(), text);
      }
      for (const text of [
        '{ name = "post /app-execute" } >> { status = error }',
        '{ status = error } ~ { resource.service.name = "execution" && kind = client }',
        '{ resource.service.name = "dove" } << { resource.service.name = "pusher" }',
        '{ kind = server && duration > 100ms } | count() > 2',
        '{ span.http.path =~ "/oauth.*" } &> { }',
      ]) {
        const query = parseTraceQL(text);
        const expected = evaluateTrace(query, keptSmartthings).spansets.flatMap((s) => s.nodes.map((i) => spanKey(keptSmartthings[i]!))).sort();
        const { matches } = await searchTraceQL(store, query, { limit: 10 });
        const st = matches.find((m) => m.spans[0].traceId === smartthings[0].traceId);
        const got = (st?.spansets ?? []).flatMap((s) => s.nodes.map((i) => spanKey(st!.spans[i]))).sort();
        assert.ok(expected.length > 0, text);
        assert.deepEqual(got, expected, text);
      }
      // Counting plans: the engine's count (when it offers one) equals the evaluator over the same spans.
      const range = { startNano: 1_543_549_000_000_000_000n, endNano: 1_543_551_000_000_000_000n, stepNano: 10_000_000_000n };
      for (const text of ['{ kind = server && duration > 1ms } | histogram_over_time(duration) by(resource.service.name)', '{ status = error } | rate() by(name, kind)']) {
        const query = parseTraceQL(text);
        assert.ok(countingPlan(query), text);
        const acc = new MetricsAccumulator(query, range);
        acc.addTrace(keptSmartthings);
        const { series, metrics } = await metricsTraceQL(store, query, range);
        if (store.countSpans !== undefined) assert.equal(metrics.inspectedTraces, 0, 'counted in the engine');
        const norm = (xs: typeof series) => JSON.stringify(xs.map((x) => [x.labels.map((l) => [l.key, String(l.value?.v)]), x.samples]).sort());
        assert.equal(norm(series), norm(acc.result()), text);
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Counting by service over whole minutes is what per-minute aggregates can answer (DuckDB's rollups hold what
  // was written before a restart, the rest is counted live): the answer is the brute-force count over the spans.
  test(`${name}: rate() and count_over_time() by service over minutes written before and after a restart equal the brute-force count`, async () => {
    const dir = mkdtempSync(join(tmpdir(), `sextant-traceql-rate-${name.replace(/\W+/g, '-')}-`));
    const minute = 60_000_000_000n;
    const t0 = (BigInt(Date.now()) * 1_000_000n / minute - 20n) * minute;
    const spans = (from: number, n: number) => Array.from({ length: n }, (_, i) => {
      const k = from + i;
      return makeSpan({ service: ['web', 'api', 'db'][k % 3], name: `op${k % 2}`, startNano: t0 + BigInt(k % 6) * minute + BigInt((k * 7919) % 60_000) * 1_000_000n, durationNano: BigInt(1 + (k % 9)) * 1_000_000n });
    });
    const before = spans(0, 300);
    const after = spans(300, 150);
    let store: StorageBackend = await engine.open(dir);
    try {
      await store.write(before, []);
      await store.close();
      store = await engine.open(dir);
      await store.write(after, []);
      const all = kept([...before, ...after]);
      const ranges = [
        { startNano: t0, endNano: t0 + 6n * minute, stepNano: minute },
        { startNano: t0 + 13_000_000_000n, endNano: t0 + 5n * minute + 7_000_000_000n, stepNano: 2n * minute },
      ];
      for (const text of ['{ } | rate() by(resource.service.name)', '{ resource.service.name = "api" } | count_over_time()', '{ resource.service.name != "web" } | rate()']) {
        for (const range of ranges) {
          const query = parseTraceQL(text);
          const acc = new MetricsAccumulator(query, range);
          acc.addTrace(all);
          const { series, metrics } = await metricsTraceQL(store, query, range);
          if (store.countSpans !== undefined) assert.equal(metrics.inspectedTraces, 0, 'counted in the engine');
          const norm = (xs: typeof series) => JSON.stringify(xs.map((x) => [x.labels.map((l) => [l.key, String(l.value?.v)]), x.samples]).sort());
          assert.ok(series.length > 0, text);
          assert.equal(norm(series), norm(acc.result()), `${text} over ${range.startNano}..${range.endNano}`);
        }
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
