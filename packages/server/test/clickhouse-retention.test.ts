// ClickHouse beyond the shared conformance suite: --max-size drops whole days (the exporter's partitions),
// oldest first and never the newest; attribute values come back with the type Sextant wrote them with, also in
// another process's store, and a key written with two types stays text. On the real engine through chdb.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTraceQL, type LogRecord } from '@sextant/core';
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
