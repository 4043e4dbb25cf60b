import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, type Span } from '@sextant/core';
import { DuckDBStore } from '../src/storage/duckdb/duckdb-store.js';
import { BASE_TIME, hexId, makeSpan, resourceFor } from './support/spans.js';

function sortById(spans: Span[]): Span[] {
  return [...spans].sort((a, b) => a.spanId.localeCompare(b.spanId));
}

test('spans written to a DuckDB file come back identical after reopening', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-store-'));
  try {
    const traceId = hexId(16);
    const resource = resourceFor('api', [{ key: 'host.name', value: 'h1' }]);
    const root = makeSpan({ traceId, resource, name: 'GET /x', kind: SpanKind.SERVER, attributes: [
      { key: 'http.response.status_code', value: 200n },
      { key: 'ratio', value: 2 },
      { key: 'half', value: 0.5 },
      { key: 'big', value: 9007199254740993n },
      { key: 'ok', value: true },
      { key: 'bytes', value: new Uint8Array([1, 2, 255]) },
      { key: 'list', value: ['a', 1n, 1.5] },
      { key: 'kv', value: { kvlist: [{ key: 'inner', value: 'x' }] } },
      { key: 'weird', value: '"},{"key":"x' },
    ] });
    root.events.push({ timeUnixNano: BASE_TIME + 5n, name: 'exception', attributes: [{ key: 'exception.type', value: 'Err' }], droppedAttributesCount: 1 });
    root.links.push({ traceId: hexId(16), spanId: hexId(8), traceState: 'a=b', attributes: [{ key: 'l', value: 3n }], droppedAttributesCount: 0, flags: 1 });
    root.droppedAttributesCount = 4;
    const child = makeSpan({ traceId, parentSpanId: root.spanId, resource, name: 'SELECT', kind: SpanKind.CLIENT });
    let store = await DuckDBStore.open({ dataDir: dir });
    await store.write([root, child], []);
    await store.close();
    store = await DuckDBStore.open({ dataDir: dir });
    const back = await store.getTrace(traceId);
    assert.deepEqual(sortById(back), sortById([root, child]));
    assert.deepEqual(await store.getTrace(hexId(16)), []);
    assert.deepEqual(await store.services(), ['api']);
    assert.ok((await store.attributeKeys()).includes('http.response.status_code'));
    assert.ok((await store.attributeValues('host.name')).includes('h1'));
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('search: span-level filters hold on one span, tags are typed, pagination is stable', async () => {
  const store = await DuckDBStore.open({ dataDir: null });
  try {
    const spans: Span[] = [];
    for (let i = 0; i < 30; i++) {
      const traceId = hexId(16);
      const start = BASE_TIME + BigInt(i) * 1_000_000_000n;
      const root = makeSpan({ traceId, service: 'front', name: 'GET /', kind: SpanKind.SERVER, startNano: start, durationNano: 50_000_000n });
      const db = makeSpan({
        traceId, parentSpanId: root.spanId, service: 'db', name: 'SELECT', kind: SpanKind.CLIENT, startNano: start + 1000n,
        durationNano: BigInt(i + 1) * 1_000_000n, error: i % 10 === 0,
        attributes: [{ key: 'db.rows', value: BigInt(i) }, { key: 'db.name', value: i % 2 ? 'odd' : 'even' }],
      });
      spans.push(root, db);
    }
    await store.write(spans, []);
    const all = await store.searchTraces({ limit: 100 });
    assert.equal(all.traces.length, 30);
    assert.equal(all.traces[0]!.startUnixNano, BASE_TIME + 29n * 1_000_000_000n);
    assert.equal(all.traces[0]!.rootService, 'front');
    assert.equal(all.traces[0]!.spanCount, 2);
    // service + span-level duration must hold on the same span: front spans are 50ms, db spans 1..30ms
    assert.equal((await store.searchTraces({ service: 'db', minDurationNano: 25_000_000n, limit: 100 })).traces.length, 6);
    assert.equal((await store.searchTraces({ service: 'front', maxDurationNano: 25_000_000n, limit: 100 })).traces.length, 0);
    // typed tags: int 7 matches db.rows=7 only; the string "7" is not stored anywhere
    assert.equal((await store.searchTraces({ tags: [{ key: 'db.rows', value: '7' }], limit: 100 })).traces.length, 1);
    assert.equal((await store.searchTraces({ tags: [{ key: 'db.name', value: 'odd' }], limit: 100 })).traces.length, 15);
    assert.equal((await store.searchTraces({ tags: [{ key: 'db.name', value: 'od' }], limit: 100 })).traces.length, 0);
    assert.equal((await store.searchTraces({ tags: [{ key: 'service.name', value: 'db' }], limit: 100 })).traces.length, 30);
    assert.equal((await store.searchTraces({ errorsOnly: true, limit: 100 })).traces.length, 3);
    assert.equal((await store.searchTraces({ tags: [{ key: 'error', value: 'true' }], limit: 100 })).traces.length, 3);
    // trace-level duration: all traces last 50ms
    assert.equal((await store.searchTraces({ traceMinDurationNano: 40_000_000n, limit: 100 })).traces.length, 30);
    assert.equal((await store.searchTraces({ traceMinDurationNano: 60_000_000n, limit: 100 })).traces.length, 0);
    // pagination walks every trace once, most recent first
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.searchTraces({ limit: 7, cursor });
      seen.push(...page.traces.map((t) => t.traceId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, all.traces.map((t) => t.traceId));
  } finally {
    await store.close();
  }
});
