/**
 * The storage semantics, written once and run against every engine: `<engine>.test.ts` calls runConformance with
 * a way to open that engine. Every search semantic (ARCHITECTURE.md, "Search semantics"), trace by id, services and operations, attributes,
 * logs, dependencies, RED, retention, the ingest write path and a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeZipkinV2, distinctLogLines, SpanKind, type LogRecord, type Span } from '@sextant/core';
import { readFixtureJson } from '../../../../testing/fixtures.js';
import { MAX_LOG_SKIP, MAX_TAG_FILTERS, QueryError, QueryTimeoutError, TRACE_SORTS, type BatchEncoder, type EncodedBatch, type StorageBackend, type TraceSort, type TraceSummary } from '../../src/storage/contract.js';
import { BASE_TIME, hexId, makeSpan, resourceFor } from '../support/spans.js';

export interface ConformanceEngine {
  /** Opens the store kept in `dir` (empty when the directory is new); reopening the same dir is a restart. */
  open(dir: string): Promise<StorageBackend>;
  /** The engine's encoder, as ingest uses it on the receiving thread. */
  encoder(): BatchEncoder<EncodedBatch>;
  /**
   * What the engine keeps of a span and a log record, when its schema keeps less than the model (ClickHouse's
   * exporter tables hold attribute values as text and no dropped counts); everything, by default.
   */
  stored?: { span(s: Span): Span; log(l: LogRecord): LogRecord };
  /** Age retention is the engine's own (ClickHouse's TTL, applied as it merges), not enforceRetention. */
  retentionByEngine?: boolean;
}

const HOUR = 3_600_000_000_000n;
const MS = 1_000_000n;
const FOREVER = 2n ** 62n;
const nowNano = () => BigInt(Date.now()) * MS;
const sortById = (spans: Span[]) => [...spans].sort((a, b) => a.spanId.localeCompare(b.spanId));

export function runConformance(name: string, engine: ConformanceEngine): void {
  const kept = (spans: Span[]) => (engine.stored ? spans.map(engine.stored.span) : spans);
  const keptLogs = (logs: LogRecord[]) => (engine.stored ? logs.map(engine.stored.log) : logs);
  /** A fresh store for one test, closed and deleted afterwards. */
  async function withStore(f: (store: StorageBackend, dir: string) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), `sextant-conformance-${name.replace(/\W+/g, '-')}-`));
    const store = await engine.open(dir);
    try {
      await f(store, dir);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const t = (title: string, f: (store: StorageBackend, dir: string) => Promise<void>) => test(`${name}: ${title}`, () => withStore(f));

  t('spans come back identical after a restart, with every attribute type, events, links and dropped counts', async (first, dir) => {
    const traceId = hexId(16);
    const resource = resourceFor('api', [{ key: 'host.name', value: 'h1' }]);
    const root = makeSpan({
      traceId, resource, name: 'GET /x', kind: SpanKind.SERVER, attributes: [
        { key: 'http.response.status_code', value: 200n },
        { key: 'ratio', value: 2 },
        { key: 'half', value: 0.5 },
        { key: 'big', value: 9007199254740993n },
        { key: 'ok', value: true },
        { key: 'bytes', value: new Uint8Array([1, 2, 255]) },
        { key: 'list', value: ['a', 1n, 1.5] },
        { key: 'kv', value: { kvlist: [{ key: 'inner', value: 'x' }] } },
        { key: 'weird', value: '"},{"key":"x' },
      ],
    });
    root.events.push({ timeUnixNano: BASE_TIME + 5n, name: 'exception', attributes: [{ key: 'exception.type', value: 'Err' }], droppedAttributesCount: 1 });
    root.links.push({ traceId: hexId(16), spanId: hexId(8), traceState: 'a=b', attributes: [{ key: 'l', value: 3n }], droppedAttributesCount: 0, flags: 1 });
    root.droppedAttributesCount = 4;
    root.traceState = 'vendor=x';
    const child = makeSpan({ traceId, parentSpanId: root.spanId, resource, name: 'SELECT', kind: SpanKind.CLIENT, error: true });
    child.scope = { name: 'lib', version: '1.2', attributes: [{ key: 'scope.attr', value: 'y' }], droppedAttributesCount: 0, schemaUrl: 'https://s' };
    await first.write([root, child], []);
    await first.close();
    const store = await engine.open(dir);
    try {
      assert.deepEqual(sortById(await store.getTrace(traceId)), sortById(kept([root, child])));
      assert.deepEqual(await store.getTrace(hexId(16)), []);
      assert.deepEqual(await store.services(), ['api']);
      assert.ok((await store.attributeKeys()).includes('http.response.status_code'));
      assert.ok((await store.attributeValues('host.name')).includes('h1'));
      // What was written after a restart goes beside what was there.
      await store.write([makeSpan({ traceId, parentSpanId: child.spanId, resource, name: 'later' })], []);
      assert.equal((await store.getTrace(traceId)).length, 3);
    } finally {
      await store.close();
    }
  });

  t('the ingest path (encoder on one side, writeBatches on the other) stores what write stores', async (store) => {
    const encoder = engine.encoder();
    const a = makeSpan({ service: 'enc', name: 'a', attributes: [{ key: 'k', value: 'v' }] });
    const b = makeSpan({ service: 'enc', name: 'b', traceId: a.traceId, parentSpanId: a.spanId });
    const c = makeSpan({ service: 'enc2', name: 'c' });
    const log: LogRecord = logFor(c, 'hello');
    await store.writeBatches([encoder.encode([a, b]), encoder.encode([c])], [log]);
    assert.deepEqual(sortById(await store.getTrace(a.traceId)), sortById(kept([a, b])));
    assert.deepEqual(await store.getTrace(c.traceId), kept([c]));
    assert.deepEqual(await store.getLogs(c.traceId), keptLogs([log]));
    assert.deepEqual(await store.attributeValues('k'), ['v']);
  });

  // Idempotent ingest: a span is (trace id, span id, kind, start time); kind tells Zipkin's shared client and server
  // halves (one span id) apart. Receiving a span again — a retry, a re-sent file, after a restart — never stores a
  // copy; the same id reported for events at other times (Zipkin consumers do) is kept.
  t('a span received again is stored once: trace by id, getTraces, search counts and stats, also after a restart', async (store, dir) => {
    const encoder = engine.encoder();
    const traceId = hexId(16);
    const root = makeSpan({ traceId, service: 'front', name: 'GET /', kind: SpanKind.SERVER });
    const call = makeSpan({ traceId, service: 'front', name: 'call back', kind: SpanKind.CLIENT, parentSpanId: root.spanId, startNano: root.startTimeUnixNano + 1n });
    // The Zipkin way: the server half has the client's span id, and kind SERVER.
    const served = { ...makeSpan({ traceId, service: 'back', name: 'handle', kind: SpanKind.SERVER, parentSpanId: root.spanId, startNano: root.startTimeUnixNano + 2n }), spanId: call.spanId };
    const again = { ...served, startTimeUnixNano: served.startTimeUnixNano + 5n, endTimeUnixNano: served.endTimeUnixNano + 5n };
    const all = [root, call, served, again];
    await store.write(all, []);
    await store.write(all, []);
    await store.writeBatches([encoder.encode([root, call]), encoder.encode([served, root])], []);
    // Two batches at once carrying the same new span: still one copy.
    const late = makeSpan({ traceId, service: 'back', name: 'late', parentSpanId: served.spanId, startNano: root.startTimeUnixNano + 3n });
    await Promise.all([store.writeBatches([encoder.encode([late])], []), store.writeBatches([encoder.encode([late])], []), store.write([late, late], [])]);
    const expected = sortById([...all, late]);
    const check = async (s: StorageBackend) => {
      const got = await s.getTrace(traceId);
      assert.equal(got.length, 5, 'trace by id');
      const ident = (xs: Span[]) => xs.map((x) => `${x.spanId}/${x.kind}/${x.startTimeUnixNano}`).sort();
      assert.deepEqual(ident(got), ident(expected));
      assert.equal((await s.stats()).spans, 5, 'stats');
      const found = await s.searchTraces({ service: 'front', limit: 10 });
      assert.equal(found.traces.length, 1);
      assert.equal(found.traces[0]!.spanCount, 5, 'search summary span count');
      assert.equal((await s.getTraces([traceId])).get(traceId)!.length, 5, 'getTraces');
    };
    await check(store);
    await store.close();
    const reopened = await engine.open(dir);
    try {
      await reopened.write(expected, []);
      await check(reopened);
    } finally {
      await reopened.close();
    }
  });

  t('a search with more attribute filters than MAX_TAG_FILTERS is refused with a clear QueryError', async (store) => {
    await store.write([makeSpan({ service: 'x' })], []);
    const tags = Array.from({ length: MAX_TAG_FILTERS + 1 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    await assert.rejects(store.searchTraces({ tags, limit: 10 }), (err: Error) => err instanceof QueryError && /at most \d+ attribute filters; this one has/.test(err.message));
    assert.equal((await store.searchTraces({ tags: tags.slice(0, MAX_TAG_FILTERS), limit: 10 })).traces.length, 0);
  });

  t('getTrace with maxSpans returns at most that many spans, the earliest by start time', async (store) => {
    const traceId = hexId(16);
    const spans = Array.from({ length: 6 }, (_, i) => makeSpan({ traceId, name: `s${i}`, startNano: BASE_TIME + BigInt(5 - i) * 1000n }));
    await store.write(spans, []);
    const capped = await store.getTrace(traceId, 4);
    assert.deepEqual(capped.map((x) => x.name), ['s5', 's4', 's3', 's2']);
    assert.equal((await store.getTrace(traceId, 6)).length, 6);
    assert.equal((await store.getTrace(traceId)).length, 6);
  });

  t('getTracePage pages a trace by (start, span id, kind): each span once, shared ids and equal starts at page boundaries', async (store) => {
    assert.ok(store.getTracePage, 'the engine pages traces (trace by id is streamed a page at a time)');
    const page = store.getTracePage.bind(store);
    const traceId = hexId(16);
    const spans: Span[] = [];
    for (let i = 0; i < 9; i++) {
      const start = BASE_TIME + BigInt(Math.floor(i / 3)) * MS;
      const client = makeSpan({ traceId, name: `c${i}`, kind: SpanKind.CLIENT, startNano: start });
      // A Zipkin shared span: the server half has the client's id and start.
      spans.push(client, { ...makeSpan({ traceId, name: `s${i}`, kind: SpanKind.SERVER, startNano: start }), spanId: client.spanId });
    }
    await store.write(spans, []);
    const order = (a: Span, b: Span) =>
      a.startTimeUnixNano !== b.startTimeUnixNano ? (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1) : a.spanId !== b.spanId ? (a.spanId < b.spanId ? -1 : 1) : a.kind - b.kind;
    const expected = kept([...spans].sort(order));
    for (const size of [1, 3, 4, 18, 50]) {
      const got: Span[] = [];
      let after = null;
      for (;;) {
        const p = await page(traceId, after, size);
        assert.ok(p.length <= size);
        got.push(...p);
        if (p.length < size) break;
        const last = p[p.length - 1]!;
        after = { startNano: last.startTimeUnixNano, spanId: last.spanId, kind: last.kind };
      }
      assert.deepEqual(got, expected, `pages of ${size}`);
    }
    assert.deepEqual(await page(hexId(16), null, 10), []);
  });

  t('an expensive read past its ReadLimits is stopped by the engine (QueryTimeoutError); the same read without limits answers', async (store) => {
    const spans: Span[] = [];
    for (let t = 0; t < 4000; t++) {
      const traceId = hexId(16);
      for (let i = 0; i < 10; i++) spans.push(makeSpan({ traceId, service: `svc-${t % 7}`, name: `op-${i}`, startNano: BASE_TIME + BigInt(t * 10 + i) * MS, attributes: [{ key: 'user.id', value: `u${t}-${i}` }] }));
    }
    for (let i = 0; i < spans.length; i += 10_000) await store.write(spans.slice(i, i + 10_000), []);
    const q = { tags: [{ key: 'user.id', value: 'u3999-9' }], limit: 20 };
    assert.equal((await store.searchTraces(q)).traces.length, 1);
    assert.equal((await store.searchTraces(q, { timeoutMs: 60_000 })).traces.length, 1, 'a generous limit changes nothing');
    // Ranking every trace by duration takes a few hundred ms here: far past 1 ms.
    const heavy = { sort: 'longest' as const, limit: 1000 };
    await assert.rejects(store.searchTraces(heavy, { timeoutMs: 1 }), QueryTimeoutError);
    // The engine is free again: the next read answers.
    assert.equal((await store.searchTraces(q)).traces.length, 1);
    // Log search and incoming links take the same limits.
    const lq = { startNano: 0n, endNano: FOREVER, text: 'nothing like this', limit: 10 };
    assert.deepEqual(await store.searchLogs(lq, { timeoutMs: 60_000 }), await store.searchLogs(lq));
    assert.deepEqual(await store.linksTo(spans[0]!.traceId, 10, { startNano: 0n, endNano: FOREVER }, { timeoutMs: 60_000 }), []);
  });

  t('getTraces returns each asked trace, and nothing for unknown ids', async (store) => {
    const spans = [makeSpan(), makeSpan(), makeSpan()];
    await store.write(spans, []);
    const got = await store.getTraces([spans[0]!.traceId, spans[2]!.traceId, hexId(16)]);
    assert.deepEqual([...got.keys()].sort(), [spans[0]!.traceId, spans[2]!.traceId].sort());
    assert.deepEqual(got.get(spans[2]!.traceId), kept([spans[2]!]));
    assert.equal((await store.getTraces([])).size, 0);
  });

  t('search: span-level filters hold on one span, tags are typed, errors, trace durations, pagination', async (store) => {
    const spans: Span[] = [];
    for (let i = 0; i < 30; i++) {
      const traceId = hexId(16);
      const start = BASE_TIME + BigInt(i) * 1_000_000_000n;
      const root = makeSpan({ traceId, service: 'front', name: 'GET /', kind: SpanKind.SERVER, startNano: start, durationNano: 50n * MS });
      const db = makeSpan({
        traceId, parentSpanId: root.spanId, service: 'db', name: 'SELECT', kind: SpanKind.CLIENT, startNano: start + 1000n,
        durationNano: BigInt(i + 1) * MS, error: i % 10 === 0,
        attributes: [{ key: 'db.rows', value: BigInt(i) }, { key: 'db.name', value: i % 2 ? 'odd' : 'even' }, { key: 'ratio', value: i + 0.5 }],
      });
      spans.push(root, db);
    }
    await store.write(spans, []);
    const count = async (q: Omit<Parameters<StorageBackend['searchTraces']>[0], 'limit'>) => (await store.searchTraces({ ...q, limit: 100 })).traces.length;
    const all = await store.searchTraces({ limit: 100 });
    assert.equal(all.traces.length, 30);
    assert.equal(all.traces[0]!.startUnixNano, BASE_TIME + 29n * 1_000_000_000n);
    assert.equal(all.traces[0]!.rootService, 'front');
    assert.equal(all.traces[0]!.rootName, 'GET /');
    assert.equal(all.traces[0]!.spanCount, 2);
    assert.equal(all.traces[0]!.durationNano, 50n * MS);
    // service + span-level duration must hold on the same span: front spans are 50ms, db spans 1..30ms
    assert.equal(await count({ service: 'db', minDurationNano: 25n * MS }), 6);
    assert.equal(await count({ service: 'db', maxDurationNano: 3n * MS }), 3);
    assert.equal(await count({ service: 'front', maxDurationNano: 25n * MS }), 0);
    assert.equal(await count({ service: 'front', tags: [{ key: 'db.name', value: 'odd' }] }), 0);
    assert.equal(await count({ operation: 'SELECT', spanKind: SpanKind.CLIENT }), 30);
    assert.equal(await count({ operation: 'SELECT', spanKind: SpanKind.SERVER }), 0);
    assert.equal(await count({ service: 'nope' }), 0);
    // typed tags: int 7 matches db.rows=7 only; the string "7" is not stored anywhere; doubles by value
    assert.equal(await count({ tags: [{ key: 'db.rows', value: '7' }] }), 1);
    assert.equal(await count({ tags: [{ key: 'ratio', value: '7.5' }] }), 1);
    assert.equal(await count({ tags: [{ key: 'db.name', value: 'odd' }] }), 15);
    assert.equal(await count({ tags: [{ key: 'db.name', value: 'od' }] }), 0);
    assert.equal(await count({ tags: [{ key: 'db.name', value: 'odd' }, { key: 'db.rows', value: '7' }] }), 1);
    assert.equal(await count({ tags: [{ key: 'db.name', value: 'even' }, { key: 'db.rows', value: '7' }] }), 0);
    assert.equal(await count({ tags: [{ key: 'service.name', value: 'db' }] }), 30);
    assert.equal(await count({ errorsOnly: true }), 3);
    assert.equal(await count({ errorsOnly: true, service: 'front' }), 0);
    assert.equal(await count({ tags: [{ key: 'error', value: 'true' }] }), 3);
    assert.equal(await count({ tags: [{ key: 'otel.status_code', value: 'ERROR' }] }), 3);
    assert.equal(await count({ tags: [{ key: 'otel.status_description', value: 'boom' }] }), 3);
    assert.equal(await count({ tags: [{ key: 'span.kind', value: 'server' }] }), 30);
    // trace-level duration: all traces last 50ms
    assert.equal(await count({ traceMinDurationNano: 40n * MS }), 30);
    assert.equal(await count({ traceMinDurationNano: 60n * MS }), 0);
    assert.equal(await count({ traceMaxDurationNano: 40n * MS }), 0);
    // window on span start times, inclusive
    assert.equal(await count({ startNano: BASE_TIME + 10n * 1_000_000_000n, endNano: BASE_TIME + 19n * 1_000_000_000n }), 10);
    // pagination walks every trace once, most recent first
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.searchTraces({ limit: 7, cursor });
      assert.ok(page.traces.length <= 7);
      seen.push(...page.traces.map((x) => x.traceId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, all.traces.map((x) => x.traceId));
    await assert.rejects(store.searchTraces({ limit: 5, cursor: 'not-a-cursor' }), QueryError);
  });

  t('search: every sort order covers the whole match, pages by cursor with ties broken by trace id; trace id prefix', async (store) => {
    const spans: Span[] = [];
    // Durations, span counts and error counts repeat, so that every order has ties for the trace id to break.
    for (let i = 0; i < 13; i++) {
      const traceId = hexId(16);
      const start = BASE_TIME + BigInt(i % 5) * 1_000_000_000n;
      const root = makeSpan({ traceId, service: 'sorted', startNano: start, durationNano: BigInt(1 + (i % 4)) * MS });
      spans.push(root);
      for (let c = 0; c < i % 3; c++) spans.push(makeSpan({ traceId, parentSpanId: root.spanId, service: 'sorted', startNano: start + 1n, error: c === 0 && i % 2 === 0 }));
    }
    await store.write(spans, []);
    const all = (await store.searchTraces({ service: 'sorted', limit: 100 })).traces;
    assert.equal(all.length, 13);
    const keys: Record<TraceSort, (x: TraceSummary) => bigint> = {
      recent: (x) => x.startUnixNano,
      longest: (x) => x.durationNano,
      shortest: (x) => -x.durationNano,
      spans: (x) => BigInt(x.spanCount),
      errors: (x) => BigInt(x.errorCount),
    };
    for (const sort of TRACE_SORTS) {
      const key = keys[sort];
      // High to low on the key; ties by trace id in the order's direction.
      const desc = sort !== 'shortest';
      const expected = [...all]
        .sort((a, b) => (key(a) === key(b) ? (a.traceId < b.traceId ? 1 : -1) * (desc ? 1 : -1) : key(a) > key(b) ? -1 : 1))
        .map((x) => x.traceId);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.searchTraces({ service: 'sorted', sort, limit: 4, cursor });
        seen.push(...page.traces.map((x) => x.traceId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(seen, expected, `sort=${sort}`);
    }
    const recentCursor = (await store.searchTraces({ service: 'sorted', limit: 2 })).nextCursor!;
    await assert.rejects(store.searchTraces({ service: 'sorted', sort: 'longest', limit: 2, cursor: recentCursor }), QueryError);
    const one = all[0]!.traceId;
    assert.deepEqual((await store.searchTraces({ traceIdPrefix: one.slice(0, 12), limit: 10 })).traces.map((x) => x.traceId), [one]);
  });

  t('search: most recent first over hours of history pages through the whole match; a trace keeps its true start when its match is recent', async (store) => {
    const MIN = 60_000_000_000n;
    const spans: Span[] = [];
    const trace = (rootStart: bigint, hitStarts: bigint[], rootService = 'hist-root') => {
      const root = makeSpan({ service: rootService, name: 'root', startNano: rootStart, durationNano: MS });
      spans.push(root);
      for (const s of hitStarts) spans.push(makeSpan({ traceId: root.traceId, parentSpanId: root.spanId, service: 'hist', name: 'hit', startNano: s, durationNano: 5n * MS }));
      return root.traceId;
    };
    // 50 traces, one every 4 minutes over 3 hours 20; some in the same millisecond, so ties need the trace id.
    for (let i = 0; i < 50; i++) {
      const at = BASE_TIME + BigInt(i - (i % 7 === 3 ? 1 : 0)) * 4n * MIN;
      trace(at, [at + MS]);
    }
    // Began hours before their matching span, which is among the most recent: they rank by their first span.
    const early = trace(BASE_TIME - 120n * MIN, [BASE_TIME + 199n * MIN]);
    const middle = trace(BASE_TIME + 100n * MIN + 7n, [BASE_TIME + 198n * MIN, BASE_TIME + 3n * MIN]);
    // Traces that do not match, in between.
    for (let i = 0; i < 20; i++) trace(BASE_TIME + BigInt(i) * 9n * MIN + 11n, [], 'other');
    // Written in several batches, newest first for a part, as late spans arrive.
    for (let i = 0; i < spans.length; i += 17) await store.write(spans.slice(i, i + 17).reverse(), []);
    const byTrace = new Map<string, Span[]>();
    for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
    const expected = [...byTrace.entries()]
      .filter(([, ss]) => ss.some((s) => s.name === 'hit'))
      .map(([id, ss]) => ({
        id,
        start: ss.reduce((m, s) => (s.startTimeUnixNano < m ? s.startTimeUnixNano : m), ss[0]!.startTimeUnixNano),
        firstHit: ss.filter((s) => s.name === 'hit').reduce((m, s) => (s.startTimeUnixNano < m ? s.startTimeUnixNano : m), BASE_TIME * 2n),
        n: ss.length,
      }))
      .sort((a, b) => (a.start === b.start ? (a.id < b.id ? 1 : -1) : a.start > b.start ? -1 : 1));
    assert.equal(expected[expected.length - 1]!.id, early);
    for (const limit of [1, 6, 20]) {
      const seen: TraceSummary[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.searchTraces({ service: 'hist', operation: 'hit', limit, cursor });
        seen.push(...page.traces);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(seen.map((x) => x.traceId), expected.map((x) => x.id), `limit=${limit}`);
      assert.deepEqual(seen.map((x) => [x.startUnixNano, x.spanCount]), expected.map((x) => [x.start, x.n]), `limit=${limit}`);
    }
    const mid = expected.findIndex((x) => x.id === middle);
    // A window that ends early: only traces with a matching span before its end, still by their first span.
    const end = BASE_TIME + 150n * MIN;
    const before = await store.searchTraces({ service: 'hist', limit: 3, endNano: end });
    assert.deepEqual(before.traces.map((x) => x.traceId), expected.filter((x) => x.firstHit <= end).slice(0, 3).map((x) => x.id));
    // A window that starts after a trace began still finds it by its matching span, and summarises all of it.
    const late = await store.searchTraces({ service: 'hist', limit: 100, startNano: BASE_TIME + 197n * MIN });
    assert.deepEqual(late.traces.map((x) => x.traceId), [middle, early]);
    assert.equal(late.traces[0]!.startUnixNano, expected[mid]!.start);
    assert.equal(late.traces[0]!.spanCount, 3);
  });

  t('search: tags match resource, scope, event and link attributes, and scope name and version', async (store) => {
    const mk = (patch: (s: Span) => void) => {
      const s = makeSpan({ service: 'where' });
      patch(s);
      return s;
    };
    const inResource = mk((s) => (s.resource = resourceFor('where', [{ key: 'deployment.environment', value: 'prod' }])));
    const inScope = mk((s) => (s.scope = { name: 'io.lib', version: '3.1', attributes: [{ key: 'scope.k', value: 'sv' }], droppedAttributesCount: 0, schemaUrl: '' }));
    const inEvent = mk((s) => s.events.push({ timeUnixNano: s.startTimeUnixNano, name: 'ev', attributes: [{ key: 'event.k', value: 42n }], droppedAttributesCount: 0 }));
    const inLink = mk((s) => s.links.push({ traceId: hexId(16), spanId: hexId(8), traceState: '', attributes: [{ key: 'link.k', value: true }], droppedAttributesCount: 0, flags: 0 }));
    await store.write([inResource, inScope, inEvent, inLink], []);
    const ids = async (key: string, value: string) => (await store.searchTraces({ tags: [{ key, value }], limit: 10 })).traces.map((x) => x.traceId);
    assert.deepEqual(await ids('deployment.environment', 'prod'), [inResource.traceId]);
    // (where the engine keeps scope attributes at all)
    if (kept([inScope])[0]!.scope.attributes.length > 0) assert.deepEqual(await ids('scope.k', 'sv'), [inScope.traceId]);
    assert.deepEqual(await ids('otel.scope.name', 'io.lib'), [inScope.traceId]);
    assert.deepEqual(await ids('otel.scope.version', '3.1'), [inScope.traceId]);
    assert.deepEqual(await ids('event.k', '42'), [inEvent.traceId]);
    assert.deepEqual(await ids('link.k', 'true'), [inLink.traceId]);
    assert.deepEqual(await ids('link.k', 'false'), []);
    // an event's own name is not an attribute
    assert.deepEqual(await ids('name', 'ev'), []);
  });

  t('search: parentService finds traces that cross the edge parent → service; summaries count services and orphans', async (store) => {
    const traceId = hexId(16);
    const root = makeSpan({ traceId, service: 'web', kind: SpanKind.SERVER, name: 'GET /a', durationNano: 10n * MS });
    const call = makeSpan({ traceId, service: 'web', parentSpanId: root.spanId, kind: SpanKind.CLIENT, name: 'call api' });
    const api = makeSpan({ traceId, service: 'api', parentSpanId: call.spanId, kind: SpanKind.SERVER, name: 'GET /b', error: true });
    const orphan = makeSpan({ traceId, service: 'api', parentSpanId: hexId(8), name: 'late' });
    const other = makeSpan({ service: 'api', kind: SpanKind.SERVER, name: 'GET /b' });
    await store.write([root, call, api, orphan, other], []);
    const hits = await store.searchTraces({ service: 'api', parentService: 'web', limit: 10 });
    assert.deepEqual(hits.traces.map((x) => x.traceId), [traceId]);
    assert.equal((await store.searchTraces({ service: 'api', parentService: 'api', limit: 10 })).traces.length, 0);
    const s = hits.traces[0]!;
    assert.equal(s.rootService, 'web');
    assert.equal(s.rootName, 'GET /a');
    assert.equal(s.spanCount, 4);
    assert.equal(s.errorCount, 1);
    assert.equal(s.orphanCount, 1);
    assert.deepEqual(
      [...s.services].sort((a, b) => a.name.localeCompare(b.name)),
      [{ name: 'api', spanCount: 2, errorCount: 1 }, { name: 'web', spanCount: 2, errorCount: 0 }],
    );
  });

  t('services, operations with their kinds, attribute keys and values', async (store) => {
    await store.write([
      makeSpan({ service: 'b', name: 'op1', kind: SpanKind.SERVER, attributes: [{ key: 'http.route', value: '/x' }] }),
      makeSpan({ service: 'b', name: 'op1', kind: SpanKind.CLIENT }),
      makeSpan({ service: 'b', name: 'op2', kind: SpanKind.INTERNAL, attributes: [{ key: 'http.route', value: '/y' }] }),
      makeSpan({ service: 'a', name: 'op3', kind: SpanKind.PRODUCER }),
    ], []);
    assert.deepEqual(await store.services(), ['a', 'b']);
    assert.deepEqual(await store.operations('b'), [
      { service: 'b', name: 'op1', spanKind: SpanKind.SERVER },
      { service: 'b', name: 'op1', spanKind: SpanKind.CLIENT },
      { service: 'b', name: 'op2', spanKind: SpanKind.INTERNAL },
    ]);
    assert.deepEqual((await store.operations()).map((o) => `${o.service}/${o.name}`), ['a/op3', 'b/op1', 'b/op1', 'b/op2']);
    assert.deepEqual(await store.operations('nope'), []);
    const keys = await store.attributeKeys();
    assert.ok(keys.includes('http.route') && keys.includes('service.name'));
    assert.deepEqual(await store.attributeValues('http.route'), ['/x', '/y']);
    assert.deepEqual(await store.attributeValues('nope'), []);
  });

  t('logs of a trace come back in time order, with their fields', async (store) => {
    const span = makeSpan({ service: 'logger' });
    const later = { ...logFor(span, { kvlist: [{ key: 'msg', value: 'structured' }] }), timeUnixNano: span.startTimeUnixNano + 10n };
    const first = logFor(span, 'first line');
    await store.write([span], [later, first, logFor(makeSpan(), 'elsewhere')]);
    assert.deepEqual(await store.getLogs(span.traceId), keptLogs([first, later]));
    assert.deepEqual(await store.getLogs(hexId(16)), []);
    assert.equal((await store.stats()).logs, 3);
  });

  t('log search: window, service, severity, case-insensitive text, attributes, trace; most recent first, bounded', async (store) => {
    const api = makeSpan({ service: 'api', resource: resourceFor('api', [{ key: 'deployment.environment', value: 'prod' }]) });
    const db = makeSpan({ service: 'db' });
    const at = (span: Span, ms: bigint, body: LogRecord['body'], severityNumber: number, attributes: LogRecord['attributes'] = []): LogRecord =>
      ({ ...logFor(span, body), timeUnixNano: BASE_TIME + ms * MS, observedTimeUnixNano: BASE_TIME + ms * MS, severityNumber, severityText: '', attributes });
    const started = at(api, 1n, 'Request STARTED for 50%_off', 9, [{ key: 'http.status_code', value: 200n }]);
    const slow = at(db, 2n, 'slow query', 13, [{ key: 'db.table', value: 'orders' }]);
    const failed = at(api, 3n, 'payment failed: card declined', 17, [{ key: 'http.status_code', value: 500n }]);
    const structured = at(db, 4n, { kvlist: [{ key: 'msg', value: 'pool exhausted' }] }, 21);
    // Not correlated with a trace, and stamped only when observed (OTLP leaves timeUnixNano unset then).
    const loose = { ...at(makeSpan({ service: 'cron' }), 5n, 'nightly job done', 9), traceId: '', spanId: '', timeUnixNano: 0n };
    const old = at(api, -HOUR / MS, 'an hour before', 9);
    await store.write([api, db], [started, slow, failed, structured, loose, old]);
    const window = { startNano: BASE_TIME - MS, endNano: BASE_TIME + 10n * MS, limit: 100 };
    const find = async (q: Partial<Parameters<StorageBackend['searchLogs']>[0]>) => (await store.searchLogs({ ...window, ...q })).logs;

    assert.deepEqual(await store.searchLogs(window), { logs: keptLogs([loose, structured, failed, slow, started]), more: false, next: null });
    assert.deepEqual(await store.searchLogs({ ...window, limit: 2 }), { logs: keptLogs([loose, structured]), more: true, next: { endNano: structured.timeUnixNano, skip: 1 } });
    assert.deepEqual(await find({ startNano: BASE_TIME - HOUR - MS }), keptLogs([loose, structured, failed, slow, started, old]));
    assert.deepEqual(await find({ service: 'api' }), keptLogs([failed, started]));
    assert.deepEqual(await find({ minSeverity: 13 }), keptLogs([structured, failed, slow]));
    assert.deepEqual(await find({ minSeverity: 17, service: 'db' }), keptLogs([structured]));
    assert.deepEqual(await find({ text: 'request started' }), keptLogs([started]));
    // Text is a plain substring: % and _ are not wildcards.
    assert.deepEqual(await find({ text: '50%_OFF' }), keptLogs([started]));
    assert.deepEqual(await find({ text: '5%' }), []);
    assert.deepEqual(await find({ text: 'EXHAUSTED' }), keptLogs([structured]));
    assert.deepEqual(await find({ attributes: [{ key: 'http.status_code', value: '500' }] }), keptLogs([failed]));
    assert.deepEqual(await find({ attributes: [{ key: 'deployment.environment', value: 'prod' }] }), keptLogs([failed, started]));
    assert.deepEqual(await find({ attributes: [{ key: 'deployment.environment', value: 'prod' }, { key: 'http.status_code', value: '200' }] }), keptLogs([started]));
    assert.deepEqual(await find({ attributes: [{ key: 'db.table', value: '' }] }), []);
    assert.deepEqual(await find({ traceId: db.traceId }), keptLogs([structured, slow]));
    assert.deepEqual(await find({ service: 'nope' }), []);
    await assert.rejects(store.searchLogs({ ...window, attributes: Array.from({ length: MAX_TAG_FILTERS + 1 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }), QueryError);
    await assert.rejects(store.searchLogs({ ...window, limit: 0 }), QueryError);
  });

  t('log search pages: cursors neither repeat nor lose lines that share a timestamp; a re-sent line is shown once', async (store) => {
    const span = makeSpan({ service: 'pager' });
    const at = (ms: bigint, body: string): LogRecord => ({ ...logFor(span, body), timeUnixNano: BASE_TIME + ms * MS, observedTimeUnixNano: BASE_TIME + ms * MS });
    // Two replicas of the service writing the same line at the same time: they differ only in their resource.
    const replica = (pod: string): LogRecord => ({ ...at(5n, 'same time, two replicas'), resource: resourceFor('pager', [{ key: 'k8s.pod.name', value: pod }]) });
    // Seven lines in one nanosecond, three in the one before, one older.
    const lines = [...['a', 'b', 'c', 'd', 'e'].map((b) => at(5n, `same time ${b}`)), replica('pod-1'), replica('pod-2'), ...['f', 'g', 'h'].map((b) => at(4n, `earlier ${b}`)), at(1n, 'oldest')];
    await store.write([span], lines);
    await store.write([], [lines[2]!]); // a batch re-sent after a lost acknowledgement
    const window = { startNano: BASE_TIME, endNano: BASE_TIME + 10n * MS };
    const whole = await store.searchLogs({ ...window, limit: 100 });
    assert.equal(whole.logs.length, lines.length, 'the re-sent line is shown once');
    const pods = (ls: readonly LogRecord[]) => ls.map((l) => l.resource.attributes.find((a) => a.key === 'k8s.pod.name')?.value ?? '').filter((p) => p !== '').sort();
    assert.deepEqual(pods(whole.logs), ['pod-1', 'pod-2'], 'both replicas\' lines are kept');
    for (const size of [1, 2, 3, 4]) {
      const seen: LogRecord[] = [];
      let q: Parameters<StorageBackend['searchLogs']>[0] = { ...window, limit: size };
      for (let pages = 0; pages < 20; pages++) {
        const page = await store.searchLogs(q);
        seen.push(...page.logs);
        if (!page.next) break;
        q = { ...q, endNano: page.next.endNano, skip: page.next.skip };
      }
      assert.deepEqual(distinctLogLines(seen).map((l) => l.body), whole.logs.map((l) => l.body), `pages of ${size}: every line once, in the same order`);
      assert.deepEqual(pods(seen), ['pod-1', 'pod-2'], `pages of ${size}: each replica's line once`);
    }
    await assert.rejects(store.searchLogs({ ...window, limit: 10, skip: -1 }), QueryError);
    await assert.rejects(store.searchLogs({ ...window, limit: 10, skip: MAX_LOG_SKIP + 1 }), QueryError);
  });

  t('incoming links: spans of other traces that link to a trace, once each, most recent first', async (store) => {
    const target = makeSpan({ service: 'batch', name: 'process' });
    const second = makeSpan({ traceId: target.traceId, parentSpanId: target.spanId, service: 'batch', name: 'step' });
    const link = (traceId: string, spanId: string) => ({ traceId, spanId, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 });
    const producer = makeSpan({ service: 'web', name: 'enqueue', startNano: BASE_TIME + 1n * MS });
    producer.links.push(link(target.traceId, target.spanId));
    const fanIn = makeSpan({ service: 'web', name: 'aggregate', startNano: BASE_TIME + 2n * MS });
    fanIn.links.push(link(hexId(16), hexId(8)), link(target.traceId, second.spanId));
    // Inside the trace itself, and a span that only mentions the id in an attribute: not incoming links.
    const self = makeSpan({ traceId: target.traceId, parentSpanId: target.spanId, service: 'batch', name: 'retry' });
    self.links.push(link(target.traceId, target.spanId));
    const mention = makeSpan({ service: 'web', name: 'mention', attributes: [{ key: 'note', value: `[["${target.traceId}"` }] });
    // A day after the trace: outside the lookup's window.
    const late = makeSpan({ service: 'web', name: 'late', startNano: BASE_TIME + 86_400_000n * MS });
    late.links.push(link(target.traceId, target.spanId));
    await store.write([target, second, producer, fanIn, self, mention, late], []);
    await store.write([producer], []);
    const window = { startNano: BASE_TIME - HOUR, endNano: BASE_TIME + HOUR };
    const found = await store.linksTo(target.traceId, 10, window);
    assert.deepEqual(found.map((l) => [l.traceId, l.spanId, l.service, l.name, l.startUnixNano, l.linkedSpanId]), [
      [fanIn.traceId, fanIn.spanId, 'web', 'aggregate', fanIn.startTimeUnixNano, second.spanId],
      [producer.traceId, producer.spanId, 'web', 'enqueue', producer.startTimeUnixNano, target.spanId],
    ]);
    assert.equal((await store.linksTo(target.traceId, 1, window)).length, 1);
    assert.deepEqual(await store.linksTo(hexId(16), 10, window), []);
    assert.deepEqual((await store.linksTo(target.traceId, 10, { startNano: BASE_TIME, endNano: BASE_TIME + 2n * 86_400_000n * MS })).map((l) => l.name), ['late', 'aggregate', 'enqueue'], 'a wider window finds the late link');
  });

  t('stats count spans, traces and logs', async (store) => {
    const traceId = hexId(16);
    await store.write([makeSpan({ traceId }), makeSpan({ traceId }), makeSpan()], []);
    const stats = await store.stats();
    assert.equal(stats.spans, 3);
    assert.equal(stats.traces, 2);
    assert.equal(stats.logs, 0);
    assert.ok(stats.bytes >= 0);
  });

  if (!engine.retentionByEngine) t('age retention deletes spans and logs older than the age and keeps the rest', async (store) => {
    const old = makeSpan({ service: 'old', startNano: nowNano() - 3n * HOUR });
    const fresh = makeSpan({ service: 'fresh', startNano: nowNano() - HOUR });
    await store.write([old, fresh], [logFor(old, 'old'), logFor(fresh, 'fresh')]);
    const { deletedSpans } = await store.enforceRetention(2n * HOUR, null);
    assert.equal(deletedSpans, 1);
    assert.deepEqual(await store.getTrace(old.traceId), []);
    assert.deepEqual(await store.getTrace(fresh.traceId), kept([fresh]));
    assert.deepEqual(await store.getLogs(old.traceId), []);
    assert.equal((await store.getLogs(fresh.traceId)).length, 1);
    assert.equal((await store.enforceRetention(2n * HOUR, null)).deletedSpans, 0);
  });

  t('RED: rate, errors and duration of entry spans, per time bucket and per operation', async (store) => {
    const start = BASE_TIME - (BASE_TIME % (60_000n * MS));
    const spans: Span[] = [];
    for (let i = 0; i < 20; i++) {
      const traceId = hexId(16);
      const at = start + BigInt(i % 2) * 60_000n * MS + BigInt(i) * MS;
      const entry = makeSpan({ traceId, service: 'shop', kind: SpanKind.SERVER, name: i < 15 ? 'GET /cart' : 'POST /buy', startNano: at, durationNano: BigInt(i + 1) * MS, error: i % 5 === 0 });
      // Internal and client spans are not entries: they do not count.
      const inner = makeSpan({ traceId, service: 'shop', parentSpanId: entry.spanId, kind: SpanKind.CLIENT, name: 'db', startNano: at + 1n, durationNano: 500n * MS });
      spans.push(entry, inner);
    }
    await store.write(spans, []);
    const red = await store.red({ service: 'shop', startNano: start, endNano: start + 120_000n * MS - 1n, stepNano: 60_000n * MS });
    assert.deepEqual(red.series.map((p) => [p.t, p.count, p.errorCount]), [[start, 10, 2], [start + 60_000n * MS, 10, 2]]);
    for (const p of red.series) assert.ok(p.p50Nano <= p.p95Nano && p.p95Nano <= p.p99Nano && p.p99Nano <= 20n * MS);
    const byOp = new Map(red.operations.map((o) => [o.operation, o]));
    assert.deepEqual([...byOp.keys()].sort(), ['GET /cart', 'POST /buy']);
    assert.equal(byOp.get('GET /cart')!.count, 15);
    assert.equal(byOp.get('GET /cart')!.errorCount, 3);
    assert.equal(byOp.get('POST /buy')!.count, 5);
    assert.equal(byOp.get('POST /buy')!.errorCount, 1);
    assert.equal(byOp.get('POST /buy')!.totalNano, (16n + 17n + 18n + 19n + 20n) * MS);
    assert.equal(byOp.get('POST /buy')!.p50Nano, 18n * MS);
    const one = await store.red({ service: 'shop', operation: 'POST /buy', startNano: start, endNano: start + 120_000n * MS, stepNano: 120_000n * MS });
    assert.deepEqual(one.series.map((p) => p.count), [5]);
    assert.deepEqual((await store.red({ service: 'nope', startNano: start, endNano: start + HOUR, stepNano: HOUR })).series, []);
  });

  t('dependencies: edges between services with counts, errors, percentiles, an example trace and virtual nodes', async (store) => {
    const spans: Span[] = [];
    for (let i = 0; i < 4; i++) {
      const traceId = hexId(16);
      const root = makeSpan({ traceId, service: 'web', kind: SpanKind.SERVER, name: 'GET /' });
      const call = makeSpan({ traceId, service: 'web', parentSpanId: root.spanId, kind: SpanKind.CLIENT, name: 'GET api', durationNano: 5n * MS });
      const api = makeSpan({ traceId, service: 'api', parentSpanId: call.spanId, kind: SpanKind.SERVER, name: 'GET /items', durationNano: 4n * MS, error: i === 0 });
      const db = makeSpan({ traceId, service: 'api', parentSpanId: api.spanId, kind: SpanKind.CLIENT, name: 'SELECT', attributes: [{ key: 'db.system', value: 'postgresql' }] });
      spans.push(root, call, api, db);
    }
    await store.write(spans, []);
    const graph = await store.dependencies(0n, FOREVER);
    const edges = graph.edges.map((e) => `${e.parent}->${e.child} ${e.callCount}/${e.errorCount}`).sort();
    assert.deepEqual(edges, ['api->postgresql 4/0', 'web->api 4/1']);
    const webApi = graph.edges.find((e) => e.child === 'api')!;
    assert.ok(spans.some((s) => s.traceId === webApi.exampleTraceId));
    assert.ok(webApi.p50Nano > 0n && webApi.p50Nano <= webApi.p95Nano && webApi.p95Nano <= webApi.p99Nano);
    const ops = graph.operationEdges.map((e) => `${e.parentOperation}->${e.childOperation} ${e.callCount}`).sort();
    assert.deepEqual(ops, ['GET api->GET /items 4', 'SELECT->SELECT 4']);
    const nodes = new Map(graph.nodes.map((n) => [n.service, n]));
    assert.equal(nodes.get('postgresql')?.virtual, true);
    assert.equal(nodes.get('api')?.virtual, false);
    assert.equal(nodes.get('api')?.callCount, 4);
    assert.equal(nodes.get('api')?.errorCount, 1);
    // Outside the window: nothing.
    assert.deepEqual((await store.dependencies(0n, 1n)).edges, []);
  });

  // A retry or a re-sent file delivers spans again; engines that store the copy (ClickHouse's exporter table is a
  // plain MergeTree) must still count each span once.
  t('a span received again counts once in RED and in the dependency graph', async (store) => {
    const spans: Span[] = [];
    const at = nowNano() - HOUR;
    for (let i = 0; i < 3; i++) {
      const traceId = hexId(16);
      const root = makeSpan({ traceId, service: 'web', kind: SpanKind.SERVER, name: 'GET /', startNano: at + BigInt(i) * MS, error: i === 0 });
      const call = makeSpan({ traceId, service: 'web', parentSpanId: root.spanId, kind: SpanKind.CLIENT, name: 'GET api', startNano: at + BigInt(i) * MS + 1n });
      const api = makeSpan({ traceId, service: 'api', parentSpanId: call.spanId, kind: SpanKind.SERVER, name: 'GET /items', startNano: at + BigInt(i) * MS + 2n, error: i === 1 });
      spans.push(root, call, api);
    }
    await store.write(spans, []);
    await store.write(spans, []);
    await store.write(spans.slice(0, 4), []);
    const graph = await store.dependencies(at - HOUR, at + HOUR);
    assert.deepEqual(graph.edges.map((e) => `${e.parent}->${e.child} ${e.callCount}/${e.errorCount}`), ['web->api 3/1']);
    assert.deepEqual(graph.operationEdges.map((e) => e.callCount), [3]);
    assert.deepEqual(graph.nodes.filter((n) => !n.virtual).map((n) => `${n.service} ${n.callCount}/${n.errorCount}`).sort(), ['api 3/1', 'web 3/1']);
    const red = await store.red({ startNano: at - HOUR, endNano: at + HOUR, stepNano: 2n * HOUR });
    assert.deepEqual(red.series.map((p) => [p.count, p.errorCount]), [[6, 2]]);
    assert.deepEqual(red.operations.map((o) => [o.service, o.operation, o.count, o.errorCount, o.totalNano]).sort(), [
      ['api', 'GET /items', 3, 1, 3_000_000n],
      ['web', 'GET /', 3, 1, 3_000_000n],
    ]);
  });

  // Every recorded Zipkin fixture: the stored graph gives the links Zipkin's own linker computed.
  const expected = readFixtureJson<Record<string, Link[]>>('zipkin/expected-dependency-links.json');
  for (const file of Object.keys(expected)) {
    t(`dependencies match Zipkin's own DependencyLinker on ${file}`, async (store) => {
      await store.write(decodeZipkinV2(readFixtureJson(`zipkin/${file}`)).items, []);
      const graph = await store.dependencies(0n, FOREVER);
      assert.deepEqual(graph.edges.map(linkKey).sort(), expected[file]!.map(linkKey).sort());
      for (const e of graph.edges) {
        assert.match(e.exampleTraceId, /^[0-9a-f]{32}$/);
        assert.ok(e.p50Nano <= e.p95Nano && e.p95Nano <= e.p99Nano);
      }
    });
  }
}

type Link = { parent: string; child: string; callCount: number; errorCount: number };
const linkKey = (l: Link) => `${l.parent.toLowerCase()} -> ${l.child.toLowerCase()} calls=${l.callCount} errors=${l.errorCount}`;



function logFor(span: Span, body: LogRecord['body']): LogRecord {
  return {
    timeUnixNano: span.startTimeUnixNano,
    observedTimeUnixNano: span.startTimeUnixNano + 1n,
    traceId: span.traceId,
    spanId: span.spanId,
    severityNumber: 9,
    severityText: 'INFO',
    body,
    attributes: [{ key: 'log.k', value: 'v' }],
    droppedAttributesCount: 0,
    flags: 1,
    eventName: '',
    resource: span.resource,
    scope: span.scope,
  };
}

