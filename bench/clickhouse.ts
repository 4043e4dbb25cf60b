// The ClickHouse backend beside DuckDB, in the same run: inserts into otel_traces (and DuckDB's append on the
// same batches), end to end over OTLP/HTTP into `sextant serve --storage clickhouse`, bytes per span, queries
// at the query scale, and aggregate ingest of 1, 2 and 4 `--role ingest` processes sharing one engine. The engine
// is chdb (ClickHouse 26.7 embedded); the multi-process case serves it over HTTP with the test fixture, which
// runs one statement at a time, so that figure is bounded by one engine session, as the README says.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeTraceRequest, parseTraceQL, type Span } from '@sextant/core';
import { DuckDBStore } from '../packages/server/src/storage/duckdb/duckdb-store.js';
import { ClickHouseStore } from '../packages/server/src/storage/clickhouse/store.js';
import { TraceRowEncoder } from '../packages/server/src/storage/clickhouse/rows.js';
import { metricsTraceQL, searchTraceQL } from '../packages/server/src/query/traceql.js';
import { startChildServer, type ChildServer } from '../packages/server/test/support/child.js';
import { startClickHouseHttp } from '../packages/server/test/support/chdb.js';
import { makeTraces } from './workload.js';

type Report = (name: string, value: string, target?: string) => void;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (x: number) => `${x.toFixed(1)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
async function time<T>(f: () => Promise<T> | T): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  return [performance.now() - t0, r];
}

async function chdbInstalled(): Promise<boolean> {
  try {
    const name = 'chdb/connection';
    await import(name);
    return true;
  } catch {
    return false;
  }
}

/** 4 senders POST the bodies to the nodes (round robin); spans/s until the last acknowledgement. */
async function send(nodes: ChildServer[], bodies: Uint8Array[], spansPerBody: number): Promise<{ rate: number; failed: number }> {
  let next = 0;
  let failed = 0;
  const senders = Math.max(4, nodes.length * 2);
  const [wallMs] = await time(() =>
    Promise.all(
      Array.from({ length: senders }, async (_, s) => {
        for (let i = next++; i < bodies.length; i = next++) {
          const res = await fetch(`${nodes[(i + s) % nodes.length]!.otlpHttp}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf' },
            body: bodies[i]!,
          });
          await res.arrayBuffer();
          if (res.status !== 200) failed++;
        }
      }),
    ),
  );
  return { rate: (bodies.length * spansPerBody) / (wallMs / 1000), failed };
}

function bodiesOf(spans: number, batch: number, startNano: bigint): Uint8Array[] {
  const all = makeTraces(Math.ceil(spans / 10), startNano);
  const out: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += batch) out.push(encodeTraceRequest(all.slice(i, i + batch)));
  return out;
}

/** Spans the ingest figures use at most: rates do not depend on the amount, and 5M through each path would take an hour. */
const MAX_INGEST = 1_000_000;
/** Spans written through Sextant's writer for the query figures; larger scales add shifted copies of them. */
const TEMPLATE = Number(process.env.BENCH_CH_TEMPLATE ?? 200_000);

/**
 * Fills `db` with `total` spans of the bench workload in a fraction of the writer's time: TEMPLATE spans through
 * Sextant's writer (so the rows, the attribute types and every view's rows are what Sextant writes), then copies
 * of those rows made by ClickHouse itself (INSERT … SELECT, which runs the materialised views as any insert does),
 * copy k shifted by k times the template's time span (and a second) and with trace ids of its own (the last 8 hex digits are
 * the copy number), as the workload's later traces would be. Returns one trace id per copy.
 */
async function fillByCopies(store: ClickHouseStore, db: string, total: number, start: bigint): Promise<string[]> {
  const inner = store as unknown as { rows<T>(q: string): Promise<T[]>; client: { command(o: { query: string }): Promise<unknown> } };
  const run = inner.rows.bind(store);
  const ids: string[] = [];
  const template = Math.min(total, TEMPLATE);
  for (let done = 0; done < template; done += 100_000) {
    const spans = makeTraces(Math.min(100_000, template - done) / 10, start + BigInt(done / 10) * 1_000_000n, done / 10);
    ids.push(spans[0]!.traceId);
    await store.write(spans, []);
  }
  // The template's traces start 1 ms apart; a second more, and its last spans end before the first copy starts.
  const shift = BigInt(template / 10) * 1_000_000n + 1_000_000_000n;
  const copies = Math.ceil(total / template);
  const columns = (await run<{ name: string }>(`SELECT name FROM system.columns WHERE database = '${db}' AND table = 'otel_traces' AND default_kind NOT IN ('ALIAS', 'MATERIALIZED') ORDER BY position`)).map((c) => c.name);
  for (let k = 1; k < copies; k++) {
    const shifted = columns.map((c) =>
      c === 'Timestamp' ? `Timestamp + toIntervalNanosecond(${BigInt(k) * shift})`
        : c === 'TraceId' ? `concat(substring(TraceId, 1, 24), leftPad(lower(hex(toUInt32(${k}))), 8, '0'))`
          : c === 'Events.Timestamp' ? `arrayMap(t -> t + toIntervalNanosecond(${BigInt(k) * shift}), \`Events.Timestamp\`)`
            : `\`${c}\``,
    );
    const sql = `INSERT INTO ${db}.otel_traces (${columns.map((c) => `\`${c}\``).join(', ')}) SELECT ${shifted.join(', ')} FROM ${db}.otel_traces WHERE Timestamp < fromUnixTimestamp64Nano(${start + shift}) SETTINGS max_insert_threads = 2`;
    await inner.client.command({ query: sql });
    ids.push(`${ids[0]!.slice(0, 24)}${k.toString(16).padStart(8, '0')}`);
  }
  return ids;
}

export async function clickhouseBench(report: Report, allIngestSpans: number, querySpans: number): Promise<void> {
  const ingestSpans = Math.min(allIngestSpans, MAX_INGEST);
  console.log(`\nClickHouse (chdb) beside DuckDB: ${fmt(ingestSpans)} spans ingested, queries at ${fmt(querySpans)} spans`);
  if (!(await chdbInstalled())) {
    console.log('  skipped: chdb is not installed (npm install --no-save chdb@3.4.0)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-ch-'));
  const now = BigInt(Date.now()) * 1_000_000n;
  try {
    // Insert floors: the same decoded batches of 10,000 spans, written by each engine in-process.
    const batches: Span[][] = [];
    const all = makeTraces(Math.ceil(ingestSpans / 10), now - 3_600_000_000_000n);
    for (let i = 0; i < all.length; i += 10_000) batches.push(all.slice(i, i + 10_000));
    const duckDir = join(dir, 'duck');
    const duck = await DuckDBStore.open({ dataDir: duckDir });
    const [duckMs] = await time(async () => {
      for (const b of batches) await duck.write(b, []);
    });
    await duck.close();
    report('DuckDB append only, batches of 10k spans (same run)', `${fmt(all.length / (duckMs / 1000))} spans/s`);
    const body = batches.reduce((n, b) => n + Buffer.byteLength(new TraceRowEncoder().encode(b).rows), 0);
    report('ClickHouse insert body (JSONCompactEachRow, what goes over HTTP)', `${fmt(body / all.length)} B/span`);
    const store = await ClickHouseStore.open({ url: `chdb:${join(dir, 'engine')}?database=ingest` });
    const [chMs] = await time(async () => {
      for (const b of batches) await store.write(b, []);
    });
    report('ClickHouse (chdb) insert only into otel_traces, batches of 10k spans', `${fmt(all.length / (chMs / 1000))} spans/s`);
    const stats = await store.stats();
    const [{ bytes }] = await (
      await (store as unknown as { rows<T>(q: string): Promise<T[]> }).rows<{ bytes: string }>(
        `SELECT toString(sum(bytes_on_disk)) AS bytes FROM system.parts WHERE database = 'ingest' AND table = 'otel_traces' AND active`,
      )
    );
    report('ClickHouse bytes per span: otel_traces parts on disk', `${(Number(bytes) / stats.spans).toFixed(1)} B/span (all tables: ${(stats.bytes / stats.spans).toFixed(1)})`);
    await store.close();

    // End to end over OTLP/HTTP into one `sextant serve --storage clickhouse` on chdb.
    const bodies = bodiesOf(ingestSpans, 512, now - 3_600_000_000_000n);
    const e2e = await startChildServer(['--storage', 'clickhouse', '--clickhouse-url', `chdb:${join(dir, 'e2e')}`, '--retention', '0']);
    const r = await send([e2e], bodies, 512);
    e2e.proc.kill('SIGTERM');
    await new Promise((res) => e2e.proc.once('exit', res));
    report('end to end: OTLP/HTTP protobuf → ClickHouse (chdb in process)', `${fmt(r.rate)} spans/s${r.failed ? ` (${r.failed} failed)` : ''}`);

    // Several ingest processes on one engine served over HTTP.
    const http = await startClickHouseHttp(join(dir, 'shared'));
    try {
      const perRun = Math.min(ingestSpans, 200_000);
      for (const n of [1, 2, 4]) {
        const url = `${http.url}/multi${n}`;
        const first = await startChildServer(['--storage', 'clickhouse', '--clickhouse-url', url, '--role', 'ingest', '--retention', '0']);
        const rest = await Promise.all(Array.from({ length: n - 1 }, () => startChildServer(['--storage', 'clickhouse', '--clickhouse-url', url, '--role', 'ingest', '--retention', '0'])));
        const nodes = [first, ...rest];
        const res = await send(nodes, bodiesOf(perRun, 512, now - 3_600_000_000_000n), 512);
        for (const node of nodes) node.proc.kill('SIGTERM');
        await Promise.all(nodes.map((node) => new Promise((done) => node.proc.once('exit', done))));
        report(`${n} ingest process${n > 1 ? 'es' : ''} → one ClickHouse over HTTP (chdb fixture, one statement at a time)`, `${fmt(res.rate)} spans/s${res.failed ? ` (${res.failed} failed)` : ''}`);
      }
    } finally {
      await http.stop();
    }

    // Queries at the query scale.
    const q = await ClickHouseStore.open({ url: `chdb:${join(dir, 'engine')}?database=query`, background: false });
    // Within the last hour, where the linking pass starts on a database that already has spans.
    const start = now - 1_800_000_000_000n;
    const [fillMs, ids] = await time(() => fillByCopies(q, 'query', querySpans, start));
    const stored = (await q.stats()).spans;
    console.log(`  (filled ${fmt(stored)} spans in ${(fillMs / 1000).toFixed(1)} s: ${fmt(Math.min(querySpans, TEMPLATE))} through Sextant's writer, the rest copied by INSERT … SELECT)`);
    await q.getTrace(ids[0]!);
    const lookups: number[] = [];
    for (let i = 0; i < 30; i++) {
      const [t, spans] = await time(() => q.getTrace(ids[i % ids.length]!));
      if (spans.length !== 10) throw new Error(`trace lookup returned ${spans.length} spans`);
      lookups.push(t);
    }
    report(`ClickHouse trace by id at ${fmt(querySpans)} spans`, `median ${ms(median(lookups))}, p95 ${ms(p95(lookups))}`, 'Jaeger on ClickHouse: 101 ms at 10M, 4 cores');
    const searches: number[] = [];
    for (let i = 0; i < 10; i++) searches.push((await time(() => q.searchTraces({ service: 'checkout', minDurationNano: 30_000_000n, limit: 20 })))[0]);
    report(`ClickHouse search service + min duration at ${fmt(querySpans)} spans`, `median ${ms(median(searches))}, p95 ${ms(p95(searches))}`, 'Jaeger on ClickHouse: ~40 ms at 10M');
    const tags: number[] = [];
    for (let i = 0; i < 5; i++) tags.push((await time(() => q.searchTraces({ tags: [{ key: 'app.user.id', value: `user-${i}` }], limit: 20 })))[0]);
    report(`ClickHouse search by attribute at ${fmt(querySpans)} spans`, `median ${ms(median(tags))}`, 'Jaeger on ClickHouse: 1.8 s');
    if (querySpans <= 1_000_000) {
      // Live linking loads every span of the window into the process: not at 10M.
      const [liveMs, liveGraph] = await time(() => q.dependencies(start, now));
      report(`ClickHouse dependency graph, ${fmt(querySpans)} spans, linked live (before the pass)`, `${ms(liveMs)} (${liveGraph.edges.length} edges)`);
    }
    const [passMs] = await time(async () => {
      while ((await q.linkPending()) > 0);
    });
    report(`ClickHouse background linking pass catching up on ${fmt(querySpans)} spans`, `${(passMs / 1000).toFixed(1)} s (${fmt(querySpans / (passMs / 1000))} spans/s)`);
    const depRuns: number[] = [];
    for (let i = 0; i < 5; i++) depRuns.push((await time(() => q.dependencies(start, now)))[0]);
    report(`ClickHouse dependency graph, ${fmt(querySpans)} spans, from sextant_dependencies_1m`, `median ${ms(median(depRuns))}`, '≤ 100 ms');
    const minute = 60_000_000_000n;
    const redRuns: number[] = [];
    for (let i = 0; i < 5; i++) redRuns.push((await time(() => q.red({ startNano: (start / minute) * minute, endNano: now, stepNano: minute })))[0]);
    report(`ClickHouse RED, ${fmt(querySpans)} spans, 1-min buckets, from sextant_red_1m`, `median ${ms(median(redRuns))}`, '≤ 100 ms');
    const tql: number[] = [];
    const tq = parseTraceQL('{ resource.service.name = "checkout" && duration > 30ms }');
    for (let i = 0; i < 10; i++) tql.push((await time(() => searchTraceQL(q, tq, { limit: 20 })))[0]);
    report(`ClickHouse TraceQL { resource.service.name = "checkout" && duration > 30ms } at ${fmt(querySpans)} spans`, `median ${ms(median(tql))}`, '≤ 100 ms (DuckDB target)');
    const rate = parseTraceQL('{ } | rate() by(resource.service.name)');
    const rates: number[] = [];
    for (let i = 0; i < 5; i++) rates.push((await time(() => metricsTraceQL(q, rate, { startNano: (start / minute) * minute, endNano: now, stepNano: minute })))[0]);
    report(`ClickHouse TraceQL rate() by(resource.service.name) over all ${fmt(querySpans)} spans, counted in the engine`, `median ${ms(median(rates))}`, '≤ 500 ms (DuckDB target)');
    await q.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
