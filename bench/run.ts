// `npm run bench`: ingest throughput (end to end over OTLP/HTTP protobuf into a durable DuckDB file, plus the
// decode-only and append-only floors), bytes per span on disk, query latency at 1M stored spans, the
// analysis engine's speed, and the trace page's time to show a 1,000-span trace in Chromium. Prints a table; bench/README.md records the figures measured on the project machine.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTrace, compareCohorts, decodeTraceRequest, encodeTraceRequest, groupByTrace, SpanKind, type Span } from '@sextant/core';
import { DuckDBStore } from '../packages/server/src/storage/duckdb/duckdb-store.js';
import { startChildServer } from '../packages/server/test/support/child.js';
import { DEFAULT_UI_DIR, startSextant } from '../packages/server/src/server.js';
import { makeTraces } from './workload.js';
import { clickhouseBench } from './clickhouse.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const INGEST_SPANS = Math.round(500_000 * SCALE);
const QUERY_SPANS = Math.round(1_000_000 * SCALE);
const BATCH = 512;
const SENDERS = 4;

const rows: [string, string, string][] = [];
function report(name: string, value: string, target = '') {
  rows.push([name, value, target]);
  console.log(`  ${name}: ${value}${target ? `  (target ${target})` : ''}`);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (x: number) => `${x.toFixed(1)} ms`;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!;
}
async function time<T>(f: () => Promise<T> | T): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  return [performance.now() - t0, r];
}

function batches(totalSpans: number, startNano: bigint): Span[][] {
  // Exactly BATCH spans per request; a trace may straddle two requests, as with a real batch processor.
  const all = makeTraces(Math.ceil(totalSpans / 10), startNano);
  const out: Span[][] = [];
  for (let i = 0; i < all.length; i += BATCH) out.push(all.slice(i, i + BATCH));
  return out;
}

async function ingestBench(): Promise<void> {
  console.log(`\nIngest: ${fmt(INGEST_SPANS)} spans, 10 spans/trace, ~10 attributes/span, batches of ~${BATCH}, ${SENDERS} senders`);
  const now = BigInt(Date.now()) * 1_000_000n;
  const spanBatches = batches(INGEST_SPANS, now - 3_600_000_000_000n);
  const bodies = spanBatches.map((b) => encodeTraceRequest(b));
  const total = spanBatches.reduce((a, b) => a + b.length, 0);

  const [decodeMs] = await time(() => {
    for (const body of bodies) decodeTraceRequest(body);
  });
  report('decode only (OTLP protobuf → model)', `${fmt(total / (decodeMs / 1000))} spans/s`);

  const appendDir = mkdtempSync(join(tmpdir(), 'sextant-bench-append-'));
  try {
    const store = await DuckDBStore.open({ dataDir: appendDir });
    const decoded = bodies.map((b) => decodeTraceRequest(b).items);
    const [appendMs] = await time(async () => {
      for (let i = 0; i < decoded.length; i += SENDERS) await store.write(decoded.slice(i, i + SENDERS).flat(), []);
    });
    await store.close();
    report('DuckDB append only (durable commits of ~2k spans)', `${fmt(total / (appendMs / 1000))} spans/s`);
  } finally {
    rmSync(appendDir, { recursive: true, force: true });
  }

  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-ingest-'));
  try {
    const server = await startChildServer(['--data', dir, '--retention', '0']);
    let next = 0;
    let failed = 0;
    const [wallMs] = await time(async () => {
      await Promise.all(
        Array.from({ length: SENDERS }, async () => {
          for (let i = next++; i < bodies.length; i = next++) {
            const res = await fetch(`${server.otlpHttp}/v1/traces`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-protobuf' },
              body: bodies[i]!,
            });
            await res.arrayBuffer();
            if (res.status !== 200) failed++;
          }
        }),
      );
    });
    report('end to end: OTLP/HTTP protobuf → durable DuckDB', `${fmt(total / (wallMs / 1000))} spans/s${failed ? ` (${failed} failed requests)` : ''}`, '≥ 50,000 spans/s');
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
    const bytes = statSync(join(dir, 'sextant.duckdb')).size;
    const reopened = await DuckDBStore.open({ dataDir: dir });
    const used = (await reopened.stats()).bytes;
    await reopened.close();
    report('bytes per span on disk: database file', `${(bytes / total).toFixed(1)} B/span (${(bytes / 1e6).toFixed(1)} MB)`, '≤ 60 B/span');
    report('bytes per span on disk: blocks in use (free blocks are reused)', `${(used / total).toFixed(1)} B/span`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function queryBench(): Promise<void> {
  console.log(`\nQueries and aggregates at ${fmt(QUERY_SPANS)} stored spans`);
  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-query-'));
  try {
    const store = await DuckDBStore.open({ dataDir: dir });
    const now = BigInt(Date.now()) * 1_000_000n;
    const start = now - 2n * 3_600_000_000_000n;
    const ids: string[] = [];
    const chunk = 20_000;
    for (let done = 0; done < QUERY_SPANS; done += chunk) {
      const spans = makeTraces(chunk / 10, start + BigInt(done / 10) * 1_000_000n, done / 10);
      if (done % 100_000 === 0) ids.push(spans[0]!.traceId);
      await store.write(spans, []);
    }
    // The rollups fold in the background as spans arrive; what the last seconds of writes left is folded here
    // (and would be at shutdown).
    const [foldMs, folded] = await time(() => store.foldRollups(0, Infinity));
    report('rollups: folding what the writes left behind', `${fmt(folded)} spans in ${ms(foldMs)}`);
    await store.close();
    const ro = await DuckDBStore.open({ dataDir: dir });
    await ro.getTrace(ids[0]!); // warm the caches as a running server would be
    const lookups: number[] = [];
    for (let i = 0; i < 50; i++) {
      const [t, spans] = await time(() => ro.getTrace(ids[i % ids.length]!));
      if (spans.length !== 10) throw new Error('trace lookup returned the wrong spans');
      lookups.push(t);
    }
    report('trace by id', `median ${ms(median(lookups))}, p95 ${ms(p95(lookups))}`, '≤ 20 ms');
    const searches: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [t] = await time(() => ro.searchTraces({ service: 'checkout', minDurationNano: 30_000_000n, limit: 20 }));
      searches.push(t);
    }
    report('search service + min duration (limit 20)', `median ${ms(median(searches))}, p95 ${ms(p95(searches))}`, '≤ 100 ms');
    const tagSearches: number[] = [];
    for (let i = 0; i < 10; i++) {
      const [t] = await time(() => ro.searchTraces({ tags: [{ key: 'app.user.id', value: `user-${i}` }], limit: 20 }));
      tagSearches.push(t);
    }
    report('search by attribute (app.user.id=…)', `median ${ms(median(tagSearches))}`);
    const [depMs, graph] = await time(() => ro.dependencies(start, now));
    report('dependency graph, whole window', `${ms(depMs)} (${graph.edges.length} edges)`, '≤ 100 ms');
    const [redMs] = await time(() => ro.red({ startNano: start, endNano: now, stepNano: 60_000_000_000n }));
    report('RED metrics, all services, 1-min buckets', ms(redMs), '≤ 100 ms');
    await ro.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One wide and deep trace: every span starts after and ends before its parent, as in a healthy trace. */
function bigTrace(n: number): Span[] {
  const spans = makeTraces(Math.ceil(n / 10), BigInt(Date.now()) * 1_000_000n).slice(0, n);
  const traceId = spans[0]!.traceId;
  const t0 = spans[0]!.startTimeUnixNano;
  return spans.map((s, i) => ({
    ...s,
    traceId,
    parentSpanId: i === 0 ? '' : spans[Math.floor((i - 1) / 4)]!.spanId,
    startTimeUnixNano: t0 + BigInt(i) * 1000n,
    endTimeUnixNano: t0 + BigInt(i) * 1000n + BigInt((n - i) * 2000 + 1000),
    kind: i % 2 ? SpanKind.CLIENT : SpanKind.SERVER,
  }));
}

async function analysisBench(): Promise<void> {
  console.log('\nAnalysis engine');
  const trace = bigTrace(50_000);
  for (let i = 0; i < 3; i++) analyzeTrace(trace); // warm up the JIT on the real input
  const runs: number[] = [];
  for (let i = 0; i < 10; i++) runs.push((await time(() => analyzeTrace(trace)))[0]);
  report('analyzeTrace on a 50,000-span trace (10 warm runs)', `median ${ms(median(runs))}, p95 ${ms(p95(runs))}`, '≤ 100 ms');
  const traces = groupByTrace(makeTraces(10_000, BigInt(Date.now()) * 1_000_000n));
  const byDuration = [...traces].sort((a, b) => {
    const d = (t: Span[]) => Number(t[0]!.endTimeUnixNano - t[0]!.startTimeUnixNano);
    return d(b) - d(a);
  });
  const cut = Math.floor(traces.length * 0.05);
  const cohortRuns: number[] = [];
  for (let i = 0; i < 3; i++) cohortRuns.push((await time(() => compareCohorts(byDuration.slice(0, cut), byDuration.slice(cut))))[0]);
  report('cohort analysis, 10,000 traces (slowest 5% vs rest, 3 runs)', `median ${ms(median(cohortRuns))}`, '≤ 2 s');
}

/** Time from navigation until the trace page shows its timeline, in real headless Chromium. */
async function uiBench(): Promise<void> {
  console.log('\nWeb UI (headless Chromium)');
  if (!existsSync(join(DEFAULT_UI_DIR, 'index.html'))) {
    console.log('  skipped: the UI is not built (npm run build)');
    return;
  }
  const sextant = await startSextant({ memory: true, port: 0, otlpHttpPort: 0, otlpGrpcPort: 0, zipkinPort: 0 });
  const dataDir = mkdtempSync(join(tmpdir(), 'sextant-bench-chromium-'));
  try {
    const trace = bigTrace(1000);
    const res = await fetch(`${sextant.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTraceRequest(trace) });
    if (res.status !== 200) throw new Error(`ingest failed: ${res.status}`);
    const browser = await chromium.launchPersistentContext(dataDir, {
      executablePath: '/usr/bin/chromium',
      viewport: { width: 1440, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const runs: number[] = [];
      for (let i = 0; i < 6; i++) {
        const page = await browser.newPage();
        const t0 = performance.now();
        await page.goto(`${sextant.urls.api}/trace/${trace[0]!.traceId}`);
        await page.getByTestId('span-row').first().waitFor();
        if (i > 0) runs.push(performance.now() - t0); // the first load fills the HTTP cache, as a returning user has it
        await page.close();
      }
      report('trace page of a 1,000-span trace: navigation → timeline rows shown', `median ${ms(median(runs))}, p95 ${ms(p95(runs))}`, '≤ 1 s');
    } finally {
      await browser.close();
    }
  } finally {
    await sextant.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const only = process.argv[2];
if (!only || only === 'ingest') await ingestBench();
if (!only || only === 'query') await queryBench();
if (!only || only === 'analysis') await analysisBench();
if (!only || only === 'ui') await uiBench();
if (!only || only === 'clickhouse') await clickhouseBench(report, INGEST_SPANS, QUERY_SPANS);

console.log('\n| measure | result | target |\n|---|---|---|');
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
