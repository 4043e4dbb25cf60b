// The ClickHouse dependency graph gives Zipkin's own linker's answers on every recorded Zipkin fixture, both
// linked live and read back from the per-minute table the background pass fills. The real engine runs in this
// process through chdb.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeZipkinV2 } from '@sextant/core';
import { readFixtureJson } from '../../../testing/fixtures.js';
import { chdbMissing } from './support/chdb.js';
import { ClickHouseStore } from '../src/storage/clickhouse/store.js';
import { MINUTE, SETTLE } from '../src/storage/clickhouse/dependencies.js';

type Link = { parent: string; child: string; callCount: number; errorCount: number };
const expected = readFixtureJson<Record<string, Link[]>>('zipkin/expected-dependency-links.json');
const dir = mkdtempSync(join(tmpdir(), 'sextant-ch-deps-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const key = (l: Link) => `${l.parent.toLowerCase()} -> ${l.child.toLowerCase()} calls=${l.callCount} errors=${l.errorCount}`;

for (const [i, file] of Object.keys(expected).sort().entries()) {
  test(`ClickHouse dependency graph matches Zipkin's links for ${file}, live and from the per-minute table`, { skip: chdbMissing }, async () => {
    // No TTL: the recorded traces are years old.
    const store = await ClickHouseStore.open({ url: `chdb:${dir}?database=f${i}`, retentionNano: null, background: false });
    try {
      const spans = decodeZipkinV2(readFixtureJson(`zipkin/${file}`)).items;
      await store.write(spans, []);
      let first = spans[0]!.startTimeUnixNano;
      let last = first;
      for (const s of spans) {
        if (s.startTimeUnixNano < first) first = s.startTimeUnixNano;
        if (s.startTimeUnixNano > last) last = s.startTimeUnixNano;
      }
      const from = (first / MINUTE) * MINUTE;
      const to = (last / MINUTE + 1n) * MINUTE - 1n;
      const live = await store.dependencies(from, to);
      assert.deepEqual(live.edges.map(key).sort(), expected[file]!.map(key).sort());
      // As if the pass ran once the trace's minutes had settled.
      while ((await store.linkPending(to + SETTLE + MINUTE)) > 0);
      const linked = await store.dependencies(from, to);
      assert.deepEqual(linked.edges.map(key).sort(), expected[file]!.map(key).sort());
      assert.deepEqual(linked.nodes, live.nodes);
      for (const e of linked.edges) {
        assert.match(e.exampleTraceId, /^[0-9a-f]{32}$/);
        assert.ok(e.p50Nano <= e.p95Nano && e.p95Nano <= e.p99Nano);
      }
    } finally {
      await store.close();
    }
  });
}
