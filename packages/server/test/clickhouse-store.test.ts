// ClickHouse beyond the shared conformance suite: --max-size drops whole days (the exporter's partitions),
// oldest first and never the newest; attribute values come back with the type Sextant wrote them with, also in
// another process's store, and a key written with two types stays text; the cost report equals brute-force sums
// over the rows as stored. On the real engine through chdb.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTraceQL, serviceName, type KeyValue, type LogRecord, type Span } from '@sextant/core';
import { attrText } from '../src/storage/clickhouse/rows.js';
import { chdbMissing } from './support/chdb.js';
import { ClickHouseStore } from '../src/storage/clickhouse/store.js';
import { searchTraceQL } from '../src/query/traceql.js';
import { hexId, makeSpan } from './support/spans.js';

const skip = chdbMissing;
const dir = mkdtempSync(join(tmpdir(), 'sextant-clickhouse-retention-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const open = (database: string) => ClickHouseStore.open({ url: `chdb:${dir}?database=${database}`, background: false });

const DAY = 86_400_000_000_000n;
const today = (BigInt(Date.now()) * 1_000_000n / DAY) * DAY;

test('--max-size drops the oldest days first, whole, with their logs, and never the newest day', { skip }, async () => {
  const store = await open('size');
  try {
    const days = [today - 2n * DAY, today - DAY, today];
    const traces = days.map(() => hexId(16));
    for (const [i, day] of days.entries()) {
      const spans = Array.from({ length: 200 }, (_, k) => makeSpan({ traceId: traces[i], service: `day${i}`, startNano: day + 3_600_000_000_000n + BigInt(k) * 1000n }));
      const log: LogRecord = { ...logOf(spans[0]!), body: `day ${i}` };
      await store.write(spans, [log]);
    }
    const before = await store.stats();
    assert.equal(before.spans, 600);
    assert.equal((await store.enforceRetention(null, null)).deletedSpans, 0);
    // Just under what is stored: the oldest day goes, the rest stays.
    assert.equal((await store.enforceRetention(null, before.bytes - 1)).deletedSpans, 200);
    assert.deepEqual(await store.getTrace(traces[0]!), []);
    assert.deepEqual(await store.getLogs(traces[0]!), []);
    assert.equal((await store.getTrace(traces[1]!)).length, 200);
    assert.equal((await store.getLogs(traces[1]!)).length, 1);
    assert.deepEqual(await store.services(), ['day1', 'day2']);
    // Far under: every day but today.
    assert.equal((await store.enforceRetention(null, 1)).deletedSpans, 200);
    assert.deepEqual(await store.services(), ['day2']);
    assert.equal((await store.getTrace(traces[2]!)).length, 200);
    assert.equal((await store.enforceRetention(null, 1)).deletedSpans, 0);
    assert.equal((await store.stats()).spans, 200);
  } finally {
    await store.close();
  }
});

test('a --retention other than an existing table\'s TTL is warned about at open, with the statement that applies it; the TTL stays', { skip }, async () => {
  const withRetention = (retentionNano: bigint | null) => ClickHouseStore.open({ url: `chdb:${dir}?database=ttl`, background: false, retentionNano });
  let store = await withRetention(7n * DAY);
  assert.deepEqual(store.retentionWarnings, [], 'created with the asked TTL');
  await store.close();
  store = await withRetention(7n * DAY);
  assert.deepEqual(store.retentionWarnings, [], 'the same retention again');
  await store.close();
  store = await withRetention(3n * DAY);
  try {
    const traces = store.retentionWarnings.find((w) => w.startsWith('`ttl`.`otel_traces` '));
    assert.equal(traces, '`ttl`.`otel_traces` has TTL toDateTime(Timestamp) + toIntervalDay(7), --retention asks for TTL toDateTime(Timestamp) + toIntervalDay(3); to apply it: ALTER TABLE `ttl`.`otel_traces` MODIFY TTL toDateTime(Timestamp) + toIntervalDay(3)');
    for (const table of ['otel_logs', 'otel_traces_trace_id_ts', 'sextant_red_distinct_1m', 'sextant_dependencies_1m']) {
      assert.ok(store.retentionWarnings.some((w) => w.startsWith(`\`ttl\`.\`${table}\` `)), table);
    }
  } finally {
    await store.close();
  }
  store = await withRetention(null);
  try {
    assert.match(store.retentionWarnings.find((w) => w.includes('`otel_traces` '))!, /asks for none; to apply it: ALTER TABLE `ttl`.`otel_traces` REMOVE TTL$/);
  } finally {
    await store.close();
  }
  // Nothing was altered: the tables still have the TTL they were made with.
  store = await withRetention(7n * DAY);
  assert.deepEqual(store.retentionWarnings, []);
  await store.close();
});

test('search beyond a few matching traces: the most recent pages through the lookup table equal summarising every match', { skip }, async () => {
  // Every trace summarised (fewTraces above the match), against the lookup-table path (fewTraces 0), on traces
  // sharing seconds, so that pages end inside a second and cursors land in one.
  const all = await ClickHouseStore.open({ url: `chdb:${dir}?database=pages`, background: false, fewTraces: 100_000 });
  const lookup = await ClickHouseStore.open({ url: `chdb:${dir}?database=pages`, background: false, fewTraces: 0 });
  try {
    const t0 = (BigInt(Date.now()) * 1_000_000n / 1_000_000_000n - 100n) * 1_000_000_000n;
    const spans = Array.from({ length: 600 }, (_, i) => makeSpan({ service: i % 3 ? 'api' : 'web', startNano: t0 + BigInt(i % 7) * 1_000_000_000n + BigInt(i) * 1000n, durationNano: BigInt(1 + (i % 5)) * 1_000_000n }));
    await all.write(spans, []);
    for (const q of [{ service: 'api', limit: 37 }, { minDurationNano: 3_000_000n, limit: 50 }, { limit: 100 }]) {
      const pages = async (store: ClickHouseStore) => {
        const out: string[][] = [];
        let cursor: string | undefined;
        do {
          const r = await store.searchTraces({ ...q, ...(cursor ? { cursor } : {}) });
          out.push(r.traces.map((t) => `${t.traceId}/${t.startUnixNano}/${t.spanCount}`));
          cursor = r.nextCursor ?? undefined;
        } while (cursor);
        return out;
      };
      const expected = await pages(all);
      assert.ok(expected.length > 2, 'several pages');
      assert.deepEqual(await pages(lookup), expected, JSON.stringify(q, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
    }
  } finally {
    await lookup.close();
    await all.close();
  }
});

test('--max-size is refused with --clickhouse-cluster, before connecting', async () => {
  await assert.rejects(
    ClickHouseStore.open({ url: 'http://127.0.0.1:1/otel', cluster: 'c', maxSizeBytes: 1_000 }),
    /--max-size does not apply to a ClickHouse cluster/,
  );
});

test('attribute values come back typed, also in another store on the same database; a key with two types stays text', { skip }, async () => {
  const writer = await open('types');
  const traceId = hexId(16);
  try {
    await writer.write([
      makeSpan({ traceId, name: 'a', attributes: [{ key: 'code', value: 500n }, { key: 'ratio', value: 0.25 }, { key: 'ok', value: true }, { key: 'mixed', value: 1n }] }),
      makeSpan({ traceId, name: 'b', attributes: [{ key: 'code', value: 404n }, { key: 'mixed', value: 'one' }, { key: 'list', value: [1n, 2n] }] }),
    ], []);
    const reader = await open('types');
    try {
      const byName = new Map((await reader.getTrace(traceId)).map((s) => [s.name, new Map(s.attributes.map((kv) => [kv.key, kv.value]))]));
      const sorted = (m: Map<string, unknown>) => [...m].sort(([a], [b]) => a.localeCompare(b));
      assert.deepEqual(sorted(byName.get('a')!), [['code', 500n], ['mixed', '1'], ['ok', true], ['ratio', 0.25]]);
      assert.deepEqual(sorted(byName.get('b')!), [['code', 404n], ['list', '[1,2]'], ['mixed', 'one']]);
      // What the types are for: TraceQL compares numbers as numbers.
      const { matches } = await searchTraceQL(reader, parseTraceQL('{ span.code >= 500 && span.ratio < 0.5 && span.ok = true }'), { limit: 5 });
      assert.deepEqual(matches.flatMap((m) => m.spansets.flatMap((s) => s.nodes.map((i) => m.spans[i]!.name))), ['a']);
    } finally {
      await reader.close();
    }
  } finally {
    await writer.close();
  }
});

test('the cost report equals brute-force sums over the rows as the exporter table stores them', { skip }, async () => {
  const store = await open('costs');
  try {
    const base = today + 3_600_000_000_000n;
    const spans: Span[] = [];
    for (let i = 0; i < 60; i++) {
      const s = makeSpan({
        service: i % 3 === 0 ? 'ünïcode-svc' : 'checkout',
        name: i % 4 === 0 ? 'GET /items/:id' : 'load',
        startNano: base + BigInt(i) * 1_000_000n,
        error: i % 7 === 0,
        attributes: [
          { key: 'user.id', value: `user-${i % 9}` },
          { key: 'retry', value: BigInt(i % 3) },
          ...(i % 2 ? [{ key: 'note', value: `naïve ☃ ${'x'.repeat(i)}` }] : []),
        ],
      });
      if (i % 5 === 0) s.events.push({ timeUnixNano: s.startTimeUnixNano + 1n, name: 'exception', attributes: [{ key: 'exception.message', value: `boom ${i % 4}` }], droppedAttributesCount: 0 });
      if (i % 6 === 0) s.links.push({ traceId: hexId(16), spanId: hexId(8), traceState: 'a=b', attributes: [{ key: 'l', value: 'x' }], droppedAttributesCount: 0, flags: 0 });
      spans.push(s);
    }
    await store.write(spans, []);
    const report = await store.costReport(base + 10_000_000n, base + 49_000_000n);
    const inWindow = spans.slice(10, 50);
    const b = (t: string) => Buffer.byteLength(t, 'utf8');
    const mapB = (attrs: KeyValue[]) => attrs.reduce((n, kv) => n + b(kv.key) + b(attrText(kv.value)), 0);
    const kind = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
    const status = ['Unset', 'Ok', 'Error'];
    const rowBytes = (s: Span) =>
      16 + b(s.traceId) + b(s.spanId) + b(s.parentSpanId) + b(s.traceState) + b(s.name) + b(kind[s.kind]!) + b(serviceName(s)) + b(s.scope.name)
      + b(s.scope.version) + b(status[s.status.code]!) + b(s.status.message) + mapB(s.attributes) + mapB(s.resource.attributes)
      + s.events.reduce((n, e) => n + 8 + b(e.name) + mapB(e.attributes), 0)
      + s.links.reduce((n, l) => n + b(l.traceId) + b(l.spanId) + b(l.traceState) + mapB(l.attributes), 0);
    assert.equal(report.spans, 40);
    assert.equal(report.firstNano, inWindow[0]!.startTimeUnixNano);
    assert.equal(report.lastNano, inWindow[39]!.startTimeUnixNano);
    assert.equal(report.storedBytes, inWindow.reduce((n, s) => n + rowBytes(s), 0));
    for (const svc of report.services) {
      const of = inWindow.filter((s) => serviceName(s) === svc.service);
      assert.deepEqual(svc, { service: svc.service, spans: of.length, bytes: of.reduce((n, s) => n + rowBytes(s), 0) });
    }
    const key = (scope: string, k: string) => report.attributes.find((a) => a.scope === scope && a.key === k)!;
    const carrying = (k: string) => inWindow.filter((s) => s.attributes.some((kv) => kv.key === k));
    for (const k of ['user.id', 'retry', 'note']) {
      const of = carrying(k);
      const values = new Set(of.map((s) => attrText(s.attributes.find((kv) => kv.key === k)!.value)));
      assert.deepEqual(key('span', k), { scope: 'span', key: k, spans: of.length, bytes: of.reduce((n, s) => n + mapB(s.attributes.filter((kv) => kv.key === k)), 0), distinct: values.size });
    }
    assert.equal(key('resource', 'service.name').spans, 40);
    const withEvents = inWindow.filter((s) => s.events.length > 0);
    assert.deepEqual(key('event', 'exception.message'), {
      scope: 'event', key: 'exception.message', spans: withEvents.length,
      bytes: withEvents.reduce((n, s) => n + mapB(s.events[0]!.attributes), 0), distinct: new Set(withEvents.map((s) => attrText(s.events[0]!.attributes[0]!.value))).size,
    });
    // Every key's bytes are inside the stored bytes, costliest first.
    assert.ok(report.attributes.every((a, i) => a.bytes <= report.storedBytes && (i === 0 || report.attributes[i - 1]!.bytes >= a.bytes)));
    const top = report.spanNames[0]!;
    assert.equal(top.attributesPerSpan, Math.max(...report.spanNames.map((n) => n.attributesPerSpan)));
    assert.equal((await store.costReport(0n, 1n)).spans, 0);
  } finally {
    await store.close();
  }
});

function logOf(span: ReturnType<typeof makeSpan>): LogRecord {
  return {
    timeUnixNano: span.startTimeUnixNano,
    observedTimeUnixNano: span.startTimeUnixNano,
    traceId: span.traceId,
    spanId: span.spanId,
    severityNumber: 9,
    severityText: 'INFO',
    body: '',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    eventName: '',
    resource: span.resource,
    scope: span.scope,
  };
}
