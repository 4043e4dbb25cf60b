// The live dependency graph (stored spans, linked by core's one rule) follows Zipkin's DependencyLinker: for every
// recorded Zipkin fixture, the edges and counts equal those Zipkin's own linker computed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeZipkinV2 } from '@sextant/core';
import { readFixtureJson } from '../../../testing/fixtures.js';
import { DuckDBStore } from '../src/store/duckdb-store.js';

type Link = { parent: string; child: string; callCount: number; errorCount: number };
const expected = readFixtureJson<Record<string, Link[]>>('zipkin/expected-dependency-links.json');


const key = (l: Link) => `${l.parent.toLowerCase()} -> ${l.child.toLowerCase()} calls=${l.callCount} errors=${l.errorCount}`;

for (const file of Object.keys(expected)) {
  test(`live dependency graph matches Zipkin's links for ${file}`, async () => {
    const store = await DuckDBStore.open({ dataDir: null });
    try {
      const decoded = decodeZipkinV2(readFixtureJson(`zipkin/${file}`));
      await store.write(decoded.items, []);
      const graph = await store.dependencies(0n, 2n ** 62n);
      assert.deepEqual(graph.edges.map(key).sort(), expected[file]!.map(key).sort());
      for (const e of graph.edges) {
        assert.match(e.exampleTraceId, /^[0-9a-f]{32}$/);
        assert.ok(e.p50Nano <= e.p95Nano && e.p95Nano <= e.p99Nano);
      }
    } finally {
      await store.close();
    }
  });
}
