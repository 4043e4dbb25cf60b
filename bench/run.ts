// `npm run bench`: ingest throughput (end to end over OTLP/HTTP protobuf into a durable DuckDB file, plus the
// decode-only and append-only floors), bytes per span on disk, query latency at 1M stored spans, the
// analysis engine's speed, and the trace page's time to show a 1,000-span trace in Chromium. Prints a table; bench/README.md records the figures measured on the project machine.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTrace, compareCohorts, decodeTraceRequest, encodeTraceRequest, groupByTrace, SpanKind, type Span } from '@sextant/core';
import { DuckDBStore } from '../packages/server/src/storage/duckdb/duckdb-store.js';
import { SpanRowEncoder } from '../packages/server/src/storage/duckdb/span-rows.js';
import { startChildServer } from '../packages/server/test/support/child.js';
import { DEFAULT_UI_DIR, startSextant } from '../packages/server/src/server.js';
import { makeTraces } from './workload.js';
import { scaleStore } from './scale-data.js';
import { launchChromium } from '../testing/chromium.js';
import { clickhouseBench } from './clickhouse.js';
import { percentile, rssOf, runOverload } from '../testing/overload.js';
import { metricsTraceQL, searchTraceQL } from '../packages/server/src/query/traceql.js';
import { decodeOtlpJsonTraces, parseTraceQL } from '@sextant/core';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

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

/** CPU time (user + system) a process has used so far, from /proc, in ms: a rate per span that load inflates less than wall time. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Wall time and this process's CPU time (all its threads, DuckDB's included) of `f`. */
async function timeCpu(f: () => Promise<void>): Promise<{ wallMs: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const [wallMs] = await time(f);
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000 };
}

async function ingestBench(): Promise<void> {
  console.log(`\nIngest: ${fmt(INGEST_SPANS)} spans, 10 spans/trace, ~10 attributes/span, batches of ~${BATCH}, ${SENDERS} senders`);
  console.log(`  load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
  const now = BigInt(Date.now()) * 1_000_000n;
  const spanBatches = batches(INGEST_SPANS, now - 3_600_000_000_000n);
  const bodies = spanBatches.map((b) => encodeTraceRequest(b));
  const total = spanBatches.reduce((a, b) => a + b.length, 0);
  const rate = (wallMs: number) => total / (wallMs / 1000);
  const perSpan = (cpuMs: number) => `${((cpuMs * 1000) / total).toFixed(1)} µs CPU/span`;

  const [decodeMs] = await time(() => {
    for (const body of bodies) decodeTraceRequest(body);
  });
  report('decode only (OTLP protobuf → model)', `${fmt(rate(decodeMs))} spans/s`);

  const decoded = bodies.map((b) => decodeTraceRequest(b).items);
  const groups: Span[][] = [];
  for (let i = 0; i < decoded.length; i += SENDERS) groups.push(decoded.slice(i, i + SENDERS).flat());
  let floor = 0;
  const appendDir = mkdtempSync(join(tmpdir(), 'sextant-bench-append-'));
  try {
    const store = await DuckDBStore.open({ dataDir: appendDir });
    const append = await timeCpu(async () => {
      for (const g of groups) await store.write(g, []);
    });
    floor = rate(append.wallMs);
    report('DuckDB append floor: one thread encodes, looks up duplicates, appends, commits durably (~2k spans a commit)', `${fmt(floor)} spans/s, ${perSpan(append.cpuMs)}`, '≥ 150,000 spans/s');
    // Idempotent ingest: every span again. Each batch is looked up and dropped whole; nothing is stored twice.
    const [resendMs] = await time(async () => {
      for (const g of groups) await store.write(g, []);
    });
    const stored = (await store.stats()).spans;
    report('re-sent load (all duplicates): dedup lookup alone', `${fmt(rate(resendMs))} spans/s, ${ms(resendMs / groups.length)} per ~2k-span batch; ${fmt(stored - total)} extra spans stored`);
    await store.close();
  } finally {
    rmSync(appendDir, { recursive: true, force: true });
  }

  // What the store's thread does in `sextant serve`: batches arrive encoded (the receiving thread encodes).
  const encodeStart = performance.now();
  const encoder = new SpanRowEncoder();
  const encoded = groups.map((g) => encoder.encode(g));
  const encodeMs = performance.now() - encodeStart;
  report('encode only (model → DuckDB columns, the receiving thread\'s share)', `${fmt(rate(encodeMs))} spans/s`);
  const storeDir = mkdtempSync(join(tmpdir(), 'sextant-bench-store-'));
  try {
    const store = await DuckDBStore.open({ dataDir: storeDir });
    const stored = await timeCpu(async () => {
      for (const b of encoded) await store.writeBatches([b], []);
    });
    report('store thread alone: encoded batches → dedup, append, durable commit', `${fmt(rate(stored.wallMs))} spans/s, ${perSpan(stored.cpuMs)}`);
    await store.close();
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }

  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-ingest-'));
  try {
    const server = await startChildServer(['--data', dir, '--retention', '0']);
    let next = 0;
    let failed = 0;
    const cpu0 = cpuMsOf(server.proc.pid!);
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
    const serverCpu = cpuMsOf(server.proc.pid!) - cpu0;
    const e2e = rate(wallMs);
    report(
      'end to end: OTLP/HTTP protobuf → durable DuckDB',
      `${fmt(e2e)} spans/s = ${Math.round((100 * e2e) / floor)} % of the append floor above; server ${perSpan(serverCpu)}${failed ? ` (${failed} failed requests)` : ''}`,
      '≥ 100,000 spans/s and ≥ 80 % of the floor',
    );
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
    const bytes = statSync(join(dir, 'sextant.duckdb')).size;
    const reopened = await DuckDBStore.open({ dataDir: dir });
    const used = (await reopened.stats()).bytes;
    await reopened.close();
    report('bytes per span on disk: database file after a clean shutdown', `${(bytes / total).toFixed(1)} B/span (${(bytes / 1e6).toFixed(1)} MB)`, '≤ 50 B/span');
    report('bytes per span on disk: blocks in use', `${(used / total).toFixed(1)} B/span`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Query latency on a store of QUERY_SPANS spans. Up to 1M spans (BENCH_SCALE ≤ 1) they are written through the
 * store's write path; at 10M and 100M (BENCH_SCALE=10/100: the scale curve) the store is generated
 * (bench/scale-data.ts: the same rows, made by SQL inside DuckDB) and cached in BENCH_DATA when it is set.
 */
async function queryBench(): Promise<void> {
  const generated = SCALE >= 10 || process.env.BENCH_GENERATE === '1';
  console.log(`\nQueries and aggregates at ${fmt(QUERY_SPANS)} stored spans (${generated ? 'generated store' : 'written through the store'}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  const cache = process.env.BENCH_DATA;
  const tmp = mkdtempSync(join(cache ?? tmpdir(), 'sextant-bench-query-'));
  try {
    let dir = tmp;
    let start: bigint;
    let end: bigint;
    let rollups = true;
    if (generated) {
      start = 1_700_000_000_000_000_000n;
      const made = await scaleStore(cache ?? tmp, QUERY_SPANS, start);
      dir = made.dir;
      rollups = made.rollups;
      end = start + BigInt(QUERY_SPANS / 10) * 1_000_000n + 1_000_000_000n;
      report(`store of ${fmt(QUERY_SPANS)} spans`, made.note);
    } else {
      const store = await DuckDBStore.open({ dataDir: dir });
      end = BigInt(Date.now()) * 1_000_000n;
      start = end - 2n * 3_600_000_000_000n;
      const chunk = 20_000;
      for (let done = 0; done < QUERY_SPANS; done += chunk) {
        await store.write(makeTraces(chunk / 10, start + BigInt(done / 10) * 1_000_000n, done / 10), []);
      }
      // The rollups fold in the background as spans arrive; what the last seconds of writes left is folded here
      // (and would be at shutdown).
      const [foldMs, folded] = await time(() => store.foldRollups(0, Infinity));
      report('rollups: folding what the writes left behind', `${fmt(folded)} spans in ${ms(foldMs)}`);
      await store.close();
    }
    const ro = await DuckDBStore.open({ dataDir: dir });
    // What the background pass would have done by now on a running server: seal whole buckets of trace ids.
    const [sealMs, sealed] = await time(() => ro.indexTraceIds());
    report('trace locator: sealing what was not sealed yet', `${fmt(sealed)} spans in ${ms(sealMs)}`);
    // Trace ids spread over the whole history (old traces must be as quick to open as new ones).
    const ids: string[] = [];
    for (let k = 1n; k <= 10n; k++) {
      const [t] = (await ro.searchTraces({ service: 'frontend', endNano: start + ((end - start) * k) / 10n, limit: 1 })).traces;
      if (t) ids.push(t.traceId);
    }
    await ro.getTrace(ids[0]!); // warm the caches as a running server would be
    const lookups: number[] = [];
    for (let i = 0; i < 50; i++) {
      const [t, spans] = await time(() => ro.getTrace(ids[i % ids.length]!));
      if (spans.length !== 10) throw new Error('trace lookup returned the wrong spans');
      lookups.push(t);
    }
    report('trace by id (ids spread over the whole history)', `median ${ms(median(lookups))}, p95 ${ms(p95(lookups))}`, '≤ 10 ms');
    const search = async (label: string, target: string, runs: number, q: (i: number) => Parameters<DuckDBStore['searchTraces']>[0]) => {
      const xs: number[] = [];
      let found = 0;
      for (let i = 0; i < runs; i++) {
        const [t, r] = await time(() => ro.searchTraces(q(i)));
        xs.push(t);
        found = r.traces.length;
      }
      report(label, `median ${ms(median(xs))}, p95 ${ms(p95(xs))} (${found} traces)`, target);
    };
    const svc = { service: 'checkout', minDurationNano: 30_000_000n, limit: 20 };
    await search('search service + min duration (limit 20)', '≤ 50 ms', 20, () => svc);
    await search('search by attribute (app.user.id=…, 1 trace in 20,000; limit 20)', '≤ 150 ms', 10, (i) => ({ tags: [{ key: 'app.user.id', value: `user-${i}` }], limit: 20 }));
    await search('search by attribute (http.route=/api/login, 1 trace in 5; limit 20)', '', 10, () => ({ tags: [{ key: 'http.route', value: '/api/login' }], limit: 20 }));
    const pages: number[] = [];
    for (let i = 0; i < 5; i++) {
      let cursor: string | undefined;
      const [t] = await time(async () => {
        for (let p = 0; p < 10; p++) cursor = (await ro.searchTraces({ ...svc, cursor })).nextCursor ?? undefined;
      });
      pages.push(t / 10);
    }
    report('search service + min duration, pages 1–10 by cursor, per page', `median ${ms(median(pages))}`);
    await search('same search sort=longest (reads every match: the whole-history plan)', '', 3, () => ({ ...svc, sort: 'longest' }));
    if (rollups) {
      // The first read after the reopen, then the median of five more (a busy machine makes single reads noisy).
      const [depMs, graph] = await time(() => ro.dependencies(start, end));
      const deps: number[] = [];
      for (let i = 0; i < 5; i++) deps.push((await time(() => ro.dependencies(start, end)))[0]);
      report('dependency graph, whole window', `first ${ms(depMs)}, then median ${ms(median(deps))} (${graph.edges.length} edges)`, '≤ 100 ms');
      const redQuery = { startNano: start, endNano: end, stepNano: 60_000_000_000n };
      const [redMs] = await time(() => ro.red(redQuery));
      const reds: number[] = [];
      for (let i = 0; i < 5; i++) reds.push((await time(() => ro.red(redQuery)))[0]);
      report('RED metrics, all services, 1-min buckets', `first ${ms(redMs)}, then median ${ms(median(reds))}`, '≤ 100 ms');
    } else {
      report('dependency graph and RED', 'not measured: the generated store leaves its rollups empty above 20M spans');
    }
    await traceqlMeasures(ro, start);
    await ro.close();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** TraceQL on the same store as the native figures above, so each target sits beside its floor. */
async function traceqlMeasures(store: DuckDBStore, start: bigint): Promise<void> {
  const searches: [string, string, string][] = [
    ['TraceQL { resource.service.name = "checkout" && duration > 100ms } (limit 20)', '{ resource.service.name = "checkout" && duration > 100ms }', '≤ 100 ms'],
    ['TraceQL { resource.service.name = "checkout" && duration > 30ms } (limit 20)', '{ resource.service.name = "checkout" && duration > 30ms }', '≤ 100 ms'],
    ['TraceQL structural { status = error } >> { resource.service.name = "auth" } (limit 20)', '{ status = error } >> { resource.service.name = "auth" }', '≤ 1 s'],
    ['TraceQL structural { kind = server } > { name = "SELECT orders" } (limit 20)', '{ kind = server } > { name = "SELECT orders" }', '≤ 1 s'],
  ];
  for (const [label, text, target] of searches) {
    const query = parseTraceQL(text);
    const runs: number[] = [];
    let inspected = 0;
    let found = 0;
    for (let i = 0; i < 10; i++) {
      const [t, r] = await time(() => searchTraceQL(store, query, { limit: 20 }));
      runs.push(t);
      inspected = r.metrics.inspectedTraces;
      found = r.matches.length;
    }
    report(label, `median ${ms(median(runs))}, p95 ${ms(p95(runs))} (${found} traces, ${fmt(inspected)} inspected)`, target);
  }
  const rate = parseTraceQL('{ } | rate() by(resource.service.name)');
  const runs: number[] = [];
  let note = '';
  for (let i = 0; i < 3; i++) {
    const [t, r] = await time(() => metricsTraceQL(store, rate, { startNano: start, endNano: start + 3_600_000_000_000n, stepNano: 60_000_000_000n }));
    runs.push(t);
    note = `${fmt(r.metrics.inspectedSpans)} spans measured${r.metrics.truncated ? ', PARTIAL: candidate bound reached' : ''}`;
  }
  report('TraceQL rate() by(resource.service.name) of { }, the hour holding all spans, 1-min steps', `median ${ms(median(runs))} (${note})`, '≤ 500 ms');
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

/**
 * Time from navigation until the trace page shows its timeline (and, for 50k spans, its flame graph), in real
 * headless Chromium, for 1k, 50k and 200k-span traces. The floor beside each is the trace's compact answer (the one
 * the page reads) fetched and parsed in Node: what the page must at least wait for.
 */
async function uiBench(): Promise<void> {
  console.log('\nWeb UI (headless Chromium)');
  if (!existsSync(join(DEFAULT_UI_DIR, 'index.html'))) {
    console.log('  skipped: the UI is not built (npm run build)');
    return;
  }
  const sextant = await startSextant({ memory: true, port: 0, otlpHttpPort: 0, otlpGrpcPort: 0, zipkinPort: 0 });
  const chromium = await launchChromium({ name: 'bench' });
  const browser = chromium.context;
  /** Times until `selector` shows on the page at `path` (the first load fills the HTTP cache and is not counted). */
  const pageTime = async (path: string, selector: string, runs: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const page = await browser.newPage();
      const t0 = performance.now();
      await page.goto(`${sextant.urls.api}${path}`);
      await page.locator(selector).first().waitFor({ timeout: 120_000 });
      if (i > 0) out.push(performance.now() - t0);
      await page.close();
    }
    return out;
  };
  try {
    for (const [n, target, runs] of [[1000, '≤ 300 ms', 5], [50_000, '≤ 1.5 s', 3], [200_000, '≤ 5 s', 2]] as const) {
      const trace = bigTrace(n);
      for (let i = 0; i < trace.length; i += 10_000) {
        const res = await fetch(`${sextant.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTraceRequest(trace.slice(i, i + 10_000)) });
        if (res.status !== 200) throw new Error(`ingest failed: ${res.status}`);
      }
      const id = trace[0]!.traceId;
      const answer = async (path: string) => {
        const runs: number[] = [];
        // The first read warms the route and its encoder; it is not counted.
        for (let i = 0; i <= 3; i++) {
          const [t] = await time(async () => (await fetch(`${sextant.urls.api}${path}`)).json());
          if (i > 0) runs.push(t);
        }
        return median(runs);
      };
      // The page reads the compact answer; the OTLP/JSON answer (what it read before) is shown for comparison.
      const floor = await answer(`/api/v1/traces/${id}/columns`);
      const otlp = await answer(`/api/v1/traces/${id}`);
      const floorText = `floor: compact answer ${ms(floor)}; OTLP/JSON answer ${ms(otlp)}`;
      const shown = await pageTime(`/trace/${id}`, '[data-testid=span-row]', runs);
      report(`trace page of a ${n.toLocaleString('en-US')}-span trace: navigation → timeline rows shown`, `median ${ms(median(shown))} (${floorText})`, target);
      if (n >= 50_000) {
        const analysed = await pageTime(`/trace/${id}`, '.trace-page[data-analysis=ready]', runs);
        report(`  … → the analysis (critical path, skew, findings) shown`, `median ${ms(median(analysed))}`);
      }
      if (n === 50_000) {
        const flame = await pageTime(`/trace/${id}?tab=flame`, '[data-testid=flamegraph]', runs);
        report('flame graph of a 50,000-span trace: navigation → drawn', `median ${ms(median(flame))} (${floorText})`, '≤ 500 ms');
      }
    }
  } finally {
    await chromium.close();
    await sextant.close();
  }
}

/**
 * The incoming-link lookup (GET /api/v1/traces/{id}/linked-from) at 1M stored spans spread over a week, one trace in
 * a hundred linking to the next one: the time-bounded lookup (the API's default window, a day
 * either side of the trace, and an hour) beside the unbounded scan of every span with links (what it did before).
 */
async function linksBench(): Promise<void> {
  console.log(`\nIncoming links at ${fmt(QUERY_SPANS)} stored spans over 7 days`);
  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-links-'));
  try {
    const store = await DuckDBStore.open({ dataDir: dir });
    const week = 7n * 86_400_000_000_000n;
    const start = BigInt(Date.now()) * 1_000_000n - week;
    const chunk = 20_000;
    const chunks = QUERY_SPANS / chunk;
    const targets: string[] = [];
    for (let c = 0; c < chunks; c++) {
      const spans = makeTraces(chunk / 10, start + (week * BigInt(c)) / BigInt(chunks), c * (chunk / 10));
      // Traces of ten spans: the root of one trace in a hundred links to the root of the next trace.
      for (let t = 0; t + 10 < spans.length; t += 1000) {
        const next = spans[t + 10]!;
        spans[t]!.links.push({ traceId: next.traceId, spanId: next.spanId, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 });
        if (t === 0) targets.push(next.traceId);
      }
      await store.write(spans, []);
    }
    const lookup = async (trace: string, window: bigint | null) => {
      const [first] = await store.getTrace(trace, 1);
      const at = first!.startTimeUnixNano;
      const w = window === null ? { startNano: 0n, endNano: 2n ** 62n } : { startNano: at - window, endNano: at + window };
      const [t, links] = await time(() => store.linksTo(trace, 50, w));
      if (links.length !== 1) throw new Error(`expected one incoming link, got ${links.length}`);
      return t;
    };
    for (const [label, window] of [['no time bound (a scan of every span with links)', null], ['±1 day (the API default)', 86_400_000_000_000n], ['±1 hour', 3_600_000_000_000n]] as const) {
      const runs: number[] = [];
      for (let i = 0; i < 10; i++) runs.push(await lookup(targets[i % targets.length]!, window));
      report(`incoming links of a trace, ${label}`, `median ${ms(median(runs))}, p95 ${ms(p95(runs))}`);
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function overloadBench(): Promise<void> {
  console.log('\nOverload: OTLP/HTTP protobuf (80%) and gRPC (20%) senders, 100 spans per request, 1,000 requests in flight at most');
  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-overload-'));
  try {
    const server = await startChildServer(['--data', dir, '--retention', '0']);
    const pid = server.proc.pid!;
    const base = { otlpHttp: server.otlpHttp, otlpGrpc: server.otlpGrpc, spansPerRequest: 100, clientTimeoutMs: 10_000 };
    const sustained = await runOverload({ ...base, inFlight: 16, grpcShare: 0, durationMs: 10_000 });
    const rated = sustained.ackedSpans / (sustained.elapsedMs / 1000);
    report('sustained rate (16 senders, closed loop)', `${fmt(rated)} spans/s, ack p50 ${ms(percentile(sustained.ackLatencies, 0.5))}`);
    for (const factor of [1, 3]) {
      let peak = await rssOf(pid);
      const sampler = setInterval(() => void rssOf(pid).then((r) => (peak = Math.max(peak, r)), () => undefined), 200);
      const r = await runOverload({ ...base, inFlight: 1000, grpcShare: 0.2, durationMs: 20_000, ratePerSecond: (factor * rated) / 100 });
      clearInterval(sampler);
      report(
        `${factor}× rated load for 20 s`,
        `${fmt(r.ackedSpans / (r.elapsedMs / 1000))} acked spans/s, ack p50 ${ms(percentile(r.ackLatencies, 0.5))} p99 ${ms(percentile(r.ackLatencies, 0.99))}, ` +
          `${fmt(r.refused)} of ${fmt(r.requests)} refused (all with a retry delay: ${r.refusedWithoutRetryDelay === 0}), ${r.timeouts} client timeouts, peak RSS ${fmt(peak / 2 ** 20)} MiB, sender lag ${ms(r.senderLagMs)}`,
      );
    }
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Latencies of GET /api/health, polled every 10 ms from a process of its own (so that what the bench does with
 * the big answers cannot delay the measurement) until `stop` is called.
 */
function healthPoller(api: string): { stop: () => Promise<number[]> } {
  const script = `const lat=[];let on=true;process.stdin.on('data',()=>{on=false});(async()=>{while(on){const t=performance.now();await fetch(${JSON.stringify(`${api}/api/health`)}).then(r=>r.text());lat.push(performance.now()-t);await new Promise(r=>setTimeout(r,10))}process.stdout.write(JSON.stringify(lat),()=>process.exit(0))})()`;
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  return {
    stop: async () => {
      proc.stdin.write('x');
      await new Promise((r) => proc.once('exit', r));
      return JSON.parse(out) as number[];
    },
  };
}

/** Bytes of an answer and how often `needle` occurs in it, read as a stream (the bench holds no whole answer). */
async function countIn(url: string, needle: string): Promise<{ bytes: number; count: number; ms: number }> {
  const t = performance.now();
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  let bytes = 0;
  let count = 0;
  let tail = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    const text = tail + decoder.decode(chunk, { stream: true });
    for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) count++;
    tail = text.slice(-(needle.length - 1));
  }
  return { bytes, count, ms: performance.now() - t };
}

/** A 200k-span trace fetched 4× at once (native and Jaeger APIs) while health is polled; the floor is one fetch alone. */
async function bigReadBench(): Promise<void> {
  const n = 200_000;
  console.log(`\nBig reads: one ${fmt(n)}-span trace by id, 4 fetches at once, /api/health polled every 10 ms from another process`);
  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-bigread-'));
  try {
    const trace = bigTrace(n);
    const store = await DuckDBStore.open({ dataDir: dir });
    for (let i = 0; i < n; i += 5000) await store.write(trace.slice(i, i + 5000), []);
    await store.close();
    const server = await startChildServer(['--data', dir, '--retention', '0']);
    const pid = server.proc.pid!;
    const id = trace[0]!.traceId;
    try {
      const apis = [['native', `/api/v1/traces/${id}`, '"spanId"'], ['Jaeger', `/api/traces/${id}`, '"operationName"']] as const;
      // `npm run bench -- bigread jaeger`: one API only.
      for (const [api, path, needle] of apis.filter(([name]) => !process.argv[3] || name.toLowerCase() === process.argv[3])) {
        const alone = await countIn(`${server.api}${path}`, needle);
        const idle = healthPoller(server.api);
        await new Promise((r) => setTimeout(r, 1000));
        const idleLat = await idle.stop();
        const rss0 = await rssOf(pid);
        let peak = rss0;
        const sampler = setInterval(() => void rssOf(pid).then((r) => (peak = Math.max(peak, r)), () => undefined), 100);
        const poller = healthPoller(server.api);
        const t = performance.now();
        const four = await Promise.all(Array.from({ length: 4 }, () => countIn(`${server.api}${path}`, needle)));
        const wall = performance.now() - t;
        const lat = await poller.stop();
        clearInterval(sampler);
        const correct = four.every((r) => r.count === n) && alone.count === n;
        report(
          `${api} trace by id, ${fmt(n)} spans: 4 at once (floor: one alone)`,
          `${(wall / 1000).toFixed(1)} s for all 4 (alone ${(alone.ms / 1000).toFixed(1)} s), ${fmt(alone.bytes / 2 ** 20)} MiB each, ${correct ? 'all spans in every answer' : `WRONG span counts ${four.map((r) => r.count).join(',')}`}, ` +
            `RSS ${fmt(rss0 / 2 ** 20)} → peak ${fmt(peak / 2 ** 20)} MiB`,
        );
        report(
          `health latency during those 4 fetches (floor: idle server)`,
          `p50 ${ms(percentile(lat, 0.5))}, p99 ${ms(percentile(lat, 0.99))}, max ${ms(Math.max(...lat))} over ${lat.length} polls (idle: p99 ${ms(percentile(idleLat, 0.99))})`,
          'p99 ≤ 100 ms',
        );
      }
    } finally {
      server.proc.kill('SIGTERM');
      await new Promise((r) => server.proc.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * MCP tool latency through the official SDK client over Streamable HTTP (`/api/mcp`), against a DuckDB store of
 * 100,000 spans, then one 50,000-span trace added for the trace tools. Floors in the same run: the MCP round trip itself (ping), the native
 * API call a query tool wraps, and for the trace tools the trace fetched over HTTP and analysed (what their
 * first call does; later calls use the MCP server's trace cache).
 */
async function mcpBench(): Promise<void> {
  const spans = Math.round(100_000 * SCALE);
  console.log(`\nMCP tools at ${fmt(spans)} stored spans and one 50,000-span trace (SDK client, Streamable HTTP)`);
  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-mcp-'));
  const server = await startSextant({ dataDir: dir, host: '127.0.0.1', port: 0, otlpGrpcPort: 0, otlpHttpPort: 0, zipkinPort: 0, uiDir: null });
  const client = new McpClient({ name: 'sextant-bench', version: '1.0.0' });
  try {
    const now = BigInt(Date.now()) * 1_000_000n;
    for (let done = 0; done < spans; done += 20_000) await server.store.write(makeTraces(2_000, now - 3_000_000_000_000n + BigInt(done) * 1_000_000n, done / 10), []);
    const api = server.urls.api;
    await client.connect(new StreamableHTTPClientTransport(new URL(`${api}/api/mcp`)));
    const callMs = async (name: string, args: Record<string, unknown>) => {
      const [t, r] = await time(() => client.callTool({ name, arguments: args }));
      if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
      return t;
    };
    const runs = async (n: number, f: () => Promise<number>) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(await f());
      return out;
    };
    const fetchMs = async (path: string) => (await time(async () => (await fetch(api + path)).json()))[0];
    const timed = (xs: number[]) => `median ${ms(median(xs))}, p95 ${ms(p95(xs))}`;
    await client.ping();
    report('floor: MCP round trip (ping)', timed(await runs(20, async () => (await time(() => client.ping()))[0])));
    const native = new URLSearchParams({ service: 'checkout', minDuration: '30ms', limit: '20' });
    report('floor: GET /api/v1/traces (checkout, ≥ 30 ms)', timed(await runs(10, () => fetchMs(`/api/v1/traces?${native}`))));
    report('search_traces (checkout, ≥ 30 ms)', timed(await runs(10, () => callMs('search_traces', { service: 'checkout', minDuration: '30ms', limit: 20 }))));
    const q = '{ resource.service.name = "checkout" && duration > 30ms }';
    report('floor: GET /api/search TraceQL', timed(await runs(10, () => fetchMs(`/api/search?${new URLSearchParams({ q, limit: '20' })}`))));
    report(`search_traces traceql ${q}`, timed(await runs(10, () => callMs('search_traces', { traceql: q, limit: 20 }))));
    report('list_services', timed(await runs(10, () => callMs('list_services', {}))));
    report('get_red (last hour)', timed(await runs(10, () => callMs('get_red', { lookback: '1h' }))));
    report('get_dependencies (last hour)', timed(await runs(10, () => callMs('get_dependencies', { lookback: '1h' }))));
    // Written last: as the most recent trace, the 50k-span trace would be every search's first candidate.
    const big = bigTrace(50_000);
    await server.store.write(big, []);
    const id = big[0]!.traceId;
    const [floorMs] = await time(async () => analyzeTrace(decodeOtlpJsonTraces(await (await fetch(`${api}/api/v1/traces/${id}`)).json()).items));
    report('floor: 50k-span trace fetched over HTTP, decoded and analysed', ms(floorMs));
    report('get_trace_overview, 50k spans, first call (fetch + analysis)', ms(await callMs('get_trace_overview', { traceId: id })));
    report('get_trace_overview, 50k spans, cached', timed(await runs(10, () => callMs('get_trace_overview', { traceId: id }))));
    report('get_trace_spans critical_path, 50k spans, cached', timed(await runs(10, () => callMs('get_trace_spans', { traceId: id, mode: 'critical_path', limit: 100 }))));
    report('get_span, 50k-span trace, cached', timed(await runs(10, () => callMs('get_span', { traceId: id, spanId: big[1]!.spanId }))));
  } finally {
    await client.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const only = process.argv[2];
if (!only || only === 'ingest') await ingestBench();
if (!only || only === 'overload') await overloadBench();
if (!only || only === 'query') await queryBench();
if (!only || only === 'links') await linksBench();
if (!only || only === 'bigread') await bigReadBench();
if (!only || only === 'analysis') await analysisBench();
if (!only || only === 'ui') await uiBench();
if (!only || only === 'mcp') await mcpBench();
if (!only || only === 'clickhouse') await clickhouseBench(report, INGEST_SPANS, QUERY_SPANS);

console.log('\n| measure | result | target |\n|---|---|---|');
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
