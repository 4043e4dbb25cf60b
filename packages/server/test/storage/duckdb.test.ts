// The storage conformance suite on DuckDB: opened in this thread, and behind the thread boundary as
// `sextant serve` runs it (typed RPC to a worker thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Span } from '@sextant/core';
import { DuckDBStore } from '../../src/storage/duckdb/duckdb-store.js';
import { duckdbEngine } from '../../src/storage/duckdb/engine.js';
import { BASE_TIME, makeSpan } from '../support/spans.js';
import { openInWorker } from '../../src/storage/thread/worker-store.js';
import { runConformance } from './conformance.js';
import { runTraceQLConformance } from './traceql-conformance.js';

const options = (dir: string) => ({ dataDir: dir, retentionNano: null, maxSizeBytes: null, retentionIntervalMs: 60_000 });

runConformance('duckdb', {
  open: (dir) => duckdbEngine.open(options(dir)),
  encoder: () => duckdbEngine.createEncoder(),
});

runConformance('duckdb in its own thread', {
  open: (dir) => openInWorker('duckdb', options(dir), duckdbEngine.createEncoder()),
  encoder: () => duckdbEngine.createEncoder(),
});

runTraceQLConformance('duckdb', { open: (dir) => duckdbEngine.open(options(dir)) });
runTraceQLConformance('duckdb in its own thread', { open: (dir) => openInWorker('duckdb', options(dir), duckdbEngine.createEncoder()) });

// The trace locator (trace-locator.ts): trace reads and searches go only to the buckets whose filter may hold the id.
test('duckdb: trace ids are found through sealed buckets, the unsealed tail and after reopening; spans of one trace may lie in several', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-locator-'));
  try {
    let store = await DuckDBStore.open(options(dir));
    const split = makeSpan({ service: 'loc', name: 'root', startNano: BASE_TIME });
    const others: Span[][] = [];
    for (let b = 0; b < 4; b++) {
      const batch = Array.from({ length: 30 }, (_, i) => makeSpan({ service: 'loc', name: `n${b}`, startNano: BASE_TIME + BigInt(b * 100 + i) * 1_000_000n }));
      // The split trace gets a span in batches 0 and 2 (sealed apart) and 3 (left in the tail).
      if (b !== 1) batch.push(b === 0 ? split : makeSpan({ traceId: split.traceId, parentSpanId: split.spanId, service: 'loc', name: `child${b}`, startNano: BASE_TIME + BigInt(b) * 100_000_000n }));
      others.push(batch);
      await store.write(batch, []);
      if (b < 3) assert.ok((await store.indexTraceIds(true)) > 0, `batch ${b} sealed`);
    }
    const check = async (s: DuckDBStore) => {
      assert.deepEqual((await s.getTrace(split.traceId)).map((x) => x.name), ['root', 'child2', 'child3']);
      assert.deepEqual((await s.getTracePage(split.traceId, null, 2)).map((x) => x.name), ['root', 'child2']);
      for (const batch of others) for (const sp of batch.slice(0, 3)) assert.equal((await s.getTrace(sp.traceId)).length, sp.traceId === split.traceId ? 3 : 1);
      const many = await s.getTraces([split.traceId, others[1]![4]!.traceId, others[3]![0]!.traceId, 'ab'.repeat(16)]);
      assert.deepEqual([...many.values()].map((x) => x.length).sort(), [1, 1, 3]);
      assert.deepEqual(await s.getTrace('ab'.repeat(16)), []);
      const found = await s.searchTraces({ service: 'loc', operation: 'child3', limit: 5 });
      assert.deepEqual(found.traces.map((x) => [x.traceId, x.startUnixNano, x.spanCount, x.rootName]), [[split.traceId, BASE_TIME, 3, 'root']]);
    };
    await check(store);
    await store.close();
    store = await DuckDBStore.open(options(dir));
    await check(store);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Retention that empties the table must not leave the locator promising batches that are gone: new batches are
// numbered past every sealed one (after a restart too), and the filters of deleted batches are dropped.
test('duckdb: after retention deleted every span, a new trace is found after a restart and the old filters are gone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-locator-retention-'));
  try {
    let store = await DuckDBStore.open(options(dir));
    for (let b = 0; b < 3; b++) {
      await store.write(Array.from({ length: 20 }, (_, i) => makeSpan({ service: 'old', name: `n${b}`, startNano: BASE_TIME + BigInt(b * 100 + i) * 1_000_000n })), []);
      await store.indexTraceIds(true);
    }
    // Every span is older than a 1 ns retention.
    assert.equal((await store.enforceRetention(1n, null)).deletedSpans, 60);
    // A restart on the emptied table: the batch numbers must go on past the deleted (sealed and folded) ones.
    await store.close();
    store = await DuckDBStore.open(options(dir));
    const fresh = makeSpan({ service: 'new', name: 'after-restart', startNano: BigInt(Date.now()) * 1_000_000n });
    await store.write([fresh], []);
    assert.equal((await store.getTrace(fresh.traceId)).length, 1, 'found in the unsealed tail');
    await store.indexTraceIds(true);
    assert.equal((await store.getTrace(fresh.traceId)).length, 1, 'found once sealed');
    await store.close();
    const db = await DuckDBInstance.create(join(dir, 'sextant.duckdb'));
    const conn = await db.connect();
    const rows = (await conn.runAndReadAll('SELECT seq_first, seq_last FROM trace_blooms ORDER BY seq_first')).getRowObjects();
    conn.closeSync();
    // Only the bucket sealed after the deletion is left, and the new batch is numbered past the three deleted ones.
    assert.equal(rows.length, 1, 'the deleted batches\' filters are dropped');
    assert.ok((rows[0]!.seq_last as bigint) > 3n, `new batch numbered past the deleted ones (${rows[0]!.seq_last})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
