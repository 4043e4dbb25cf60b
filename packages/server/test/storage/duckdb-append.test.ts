// DuckDB's write path: spans appended a vector at a time (append.ts) come back value for value, across vector
// boundaries and with duplicates left out; and the file compacted at close (compaction.ts) holds the same data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { SpanKind, StatusCode, type Span } from '@sextant/core';
import { DuckDBStore } from '../../src/storage/duckdb/duckdb-store.js';
import { openInWorker } from '../../src/storage/thread/worker-store.js';
import { duckdbEngine } from '../../src/storage/duckdb/engine.js';
import { SpanRowEncoder } from '../../src/storage/duckdb/span-rows.js';
import { RecentTraces } from '../../src/storage/duckdb/dedup.js';
import { BASE_TIME, hexId, makeSpan, resourceFor } from '../support/spans.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `sextant-${name}-`));
}

const byId = (spans: readonly Span[]) => [...spans].sort((a, b) => a.spanId.localeCompare(b.spanId) || a.kind - b.kind);

/** Spans whose columns hold the edge cases: empty and NUL-containing strings, unicode, a huge attribute, ids at both ends. */
function edgeSpans(): Span[] {
  const traceId = 'ffffffffffffffffffffffffffffffff';
  const root = makeSpan({ traceId, spanId: 'ffffffffffffffff', name: '', kind: SpanKind.SERVER, resource: resourceFor('サービス-🚀') });
  root.attributes = [
    { key: '', value: '' },
    { key: 'unicode', value: 'ünï©ødé 漢字 🎉 e\u0301' },
    { key: 'nul', value: 'a\u0000b' },
    { key: 'max', value: INT64_MAX },
    { key: 'min', value: INT64_MIN },
    { key: 'zero', value: 0n },
    { key: 'double', value: -0.25 },
    { key: 'whole double', value: 3 },
    { key: 'inf', value: Number.POSITIVE_INFINITY },
    { key: 'bool', value: false },
    { key: 'bytes', value: new Uint8Array([0, 1, 254, 255]) },
    { key: 'empty list', value: [] },
    { key: 'list', value: ['x', 2n, true, null] },
    { key: 'map', value: { kvlist: [{ key: 'nested', value: { kvlist: [{ key: 'deep', value: [1n, 'y'] }] } }] } },
    { key: 'huge', value: 'z'.repeat(1_000_000) },
  ];
  root.status = { code: StatusCode.ERROR, message: 'döwn \u0000 and out' };
  root.traceState = 'congo=t61rcWkgMzE';
  root.flags = 0xffffffff;
  root.droppedAttributesCount = 7;
  root.events.push({ timeUnixNano: root.startTimeUnixNano, name: 'ev 🎯', attributes: [{ key: 'k', value: 'v' }], droppedAttributesCount: 0 });
  root.links.push({ traceId: hexId(16), spanId: hexId(8), traceState: '', attributes: [], droppedAttributesCount: 2, flags: 0 });
  const child = makeSpan({ traceId, spanId: '0000000000000001', parentSpanId: root.spanId, name: 'ÿ'.repeat(13), kind: SpanKind.CLIENT });
  child.startTimeUnixNano = INT64_MAX - 10n;
  child.endTimeUnixNano = INT64_MAX;
  child.attributes = [{ key: 'peer.service', value: 'remote' }];
  const early = makeSpan({ traceId: '00000000000000000000000000000001', spanId: '8000000000000000', name: 'epoch' });
  early.startTimeUnixNano = 0n;
  early.endTimeUnixNano = 0n;
  return [root, child, early];
}

test('every kind of value round-trips through the vector appender, in this thread and behind the thread boundary', async () => {
  for (const inWorker of [false, true]) {
    const dir = tempDir('append-values');
    try {
      const spans = edgeSpans();
      const store = inWorker ? await openInWorker('duckdb', { dataDir: dir }, duckdbEngine.createEncoder()) : await DuckDBStore.open({ dataDir: dir });
      await store.writeBatches([new SpanRowEncoder().encode(spans)], []);
      await store.close();
      const reopened = await DuckDBStore.open({ dataDir: dir });
      try {
        for (const traceId of new Set(spans.map((s) => s.traceId))) {
          assert.deepEqual(byId(await reopened.getTrace(traceId)), byId(spans.filter((s) => s.traceId === traceId)), `trace ${traceId}, worker: ${inWorker}`);
        }
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('batches larger than a vector keep NULLs and values in their rows, with duplicates left out across vector boundaries', async () => {
  const dir = tempDir('append-vectors');
  const store = await DuckDBStore.open({ dataDir: dir });
  try {
    // 5,000 spans: three vectors of 2,048; NULL columns in some rows of the first vector only, and every 7th
    // span carries a status message, so stale validity from one vector would show in the next.
    const traceId = hexId(16);
    const spans = Array.from({ length: 5000 }, (_, i) => {
      const s = makeSpan({ traceId, name: `op-${i}`, startNano: BASE_TIME + BigInt(i), attributes: [{ key: 'i', value: BigInt(i) }] });
      if (i % 7 === 0) s.status = { code: StatusCode.OK, message: `m${i}` };
      if (i < 100) s.traceState = `t=${i}`;
      return s;
    });
    // A third of them stored first: the second write must leave those out and keep every other row intact.
    const stored = spans.filter((_, i) => i % 3 === 0);
    await store.write(stored, []);
    await store.write(spans, []);
    const back = await store.getTrace(traceId);
    assert.equal(back.length, spans.length);
    assert.deepEqual(byId(back), byId(spans));
    assert.equal((await store.stats()).spans, 5000);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file with many free blocks is compacted at close; the data, the schema and dedup survive, a stale copy is removed', async () => {
  const dir = tempDir('compaction');
  const path = join(dir, 'sextant.duckdb');
  try {
    let store = await DuckDBStore.open({ dataDir: dir });
    // A checkpoint after each batch, as background checkpoints during ingest do: each one writes the unfinished
    // row group again with the rows added since, and frees the blocks of its earlier copy.
    const keep: Span[] = [];
    for (let b = 0; b < 12; b++) {
      const batch = Array.from({ length: 2000 }, (_, i) => makeSpan({
        startNano: BASE_TIME + BigInt(b * 2000 + i),
        attributes: [{ key: 'noise', value: randomBytes(150).toString('base64') }],
      }));
      keep.push(batch[b]!);
      await store.write(batch, []);
      await store.checkpoint();
    }
    const before = statSync(path).size;
    await store.close();
    const after = statSync(path).size;
    assert.ok(before - after >= 1024 * 1024, `file ${before} → ${after} bytes`);
    const raw = await DuckDBInstance.create(path);
    const conn = await raw.connect();
    const [space] = (await conn.runAndReadAll(`SELECT free_blocks FROM pragma_database_size()`)).getRowObjects();
    conn.closeSync();
    raw.closeSync();
    assert.equal(space!.free_blocks, 0n);
    assert.ok(!existsSync(`${path}.compact`));

    // A copy left by a compaction that died before its rename is not mistaken for data.
    writeFileSync(`${path}.compact`, 'partial');
    store = await DuckDBStore.open({ dataDir: dir });
    try {
      assert.ok(!existsSync(`${path}.compact`));
      assert.equal((await store.stats()).spans, 24_000);
      const sample = keep[7]!;
      assert.deepEqual(await store.getTrace(sample.traceId), [sample]);
      // Received again after the compaction: still stored once.
      await store.write(keep, []);
      assert.equal((await store.stats()).spans, 24_000);
      await store.write([makeSpan({ name: 'new' })], []);
      assert.equal((await store.stats()).spans, 24_001);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dedup reads the table only for spans that may be stored: older than the floor, or of a trace already listed', () => {
  const encoder = new SpanRowEncoder();
  const recent = new RecentTraces(1000n, 4);
  const spans = Array.from({ length: 6 }, (_, i) => makeSpan({ startNano: 1000n + BigInt(i) * 10n }));
  const rows = encoder.encode(spans);
  const key = (i: number) => `${rows.traceIds[2 * i + 1]}:${rows.traceIds[2 * i]}`;
  assert.equal(recent.mayBeStored(key(0), 999n), true, 'older than the floor');
  assert.equal(recent.mayBeStored(key(0), 1000n), false, 'nothing stored at or after the floor yet');
  // Row 5 was a duplicate: its trace is not listed by this commit.
  const skip = new Uint8Array(6);
  skip[5] = 1;
  recent.committed([rows], [skip]);
  assert.equal(recent.mayBeStored(key(2), 5000n), true, 'a listed trace, even later');
  assert.equal(recent.mayBeStored(key(5), 5000n), false);
  // Five traces listed, more than 4: the floor rises to the median start (1020) and the traces below it go.
  assert.equal(recent.mayBeStored(key(0), 1015n), true, 'below the risen floor: looked up');
  assert.equal(recent.mayBeStored(key(0), 1020n), false, 'forgotten, and above the floor: its spans there cannot be stored');
  assert.equal(recent.mayBeStored(key(3), 1020n), true);
});
