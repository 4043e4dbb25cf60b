// DuckDB's per-minute rollups (rollups.ts) against the spans they summarise: folded in several passes over the same
// minutes (which compacts them), with batches left unfolded, the graph, RED and TraceQL counting metrics answer
// exactly what the spans alone give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SpanKind, type Span } from '@sextant/core';
import type { SpanCountQuery } from '../../src/storage/contract.js';
import { DuckDBStore } from '../../src/storage/duckdb/duckdb-store.js';
import { rollupsCount } from '../../src/storage/duckdb/rollups.js';
import { hexId, makeSpan } from '../support/spans.js';

const MINUTE = 60_000_000_000n;
const MS = 1_000_000n;
const T0 = (BigInt(Date.now()) * MS / MINUTE - 30n) * MINUTE;
const SERVICES = ['web', 'api', 'db'];

/** `n` three-span traces spread over minutes 0–4 after T0, with repeated durations (exemplar ties). */
function traces(n: number, seed: number): Span[] {
  const out: Span[] = [];
  for (let i = 0; i < n; i++) {
    const k = seed * 1000 + i;
    const traceId = hexId(16);
    const at = T0 + BigInt(k % 5) * MINUTE + BigInt((k * 7919) % 59_000) * MS;
    const root = makeSpan({ traceId, service: 'web', kind: SpanKind.SERVER, name: `GET /${k % 3}`, startNano: at, durationNano: BigInt(10 + (k % 4)) * MS, error: k % 7 === 0 });
    const call = makeSpan({ traceId, service: 'web', kind: SpanKind.CLIENT, name: 'call api', parentSpanId: root.spanId, startNano: at + MS, durationNano: BigInt(5 + (k % 3)) * MS });
    const api = makeSpan({ traceId, service: SERVICES[1 + (k % 2)], kind: SpanKind.SERVER, name: 'handle', parentSpanId: call.spanId, startNano: at + 2n * MS, durationNano: BigInt(4 + (k % 3)) * MS, error: k % 5 === 0 });
    out.push(root, call, api);
  }
  return out;
}

test('duckdb rollups: folded in passes over the same minutes, compacted, plus an unfolded tail, answer as the spans do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-rollups-'));
  const reference = await DuckDBStore.open({ dataDir: null });
  let store = await DuckDBStore.open({ dataDir: dir });
  try {
    const batches = [traces(60, 1), traces(60, 2), traces(60, 3), traces(60, 4)];
    // Two passes fold the first three batches (each pass touches every minute); the last stays unfolded.
    await store.write(batches[0]!, []);
    await store.write(batches[1]!, []);
    assert.ok((await store.foldRollups(0, Infinity)) > 0);
    await store.write(batches[2]!, []);
    assert.ok((await store.foldRollups(0, Infinity)) > 0);
    await store.write(batches[3]!, []);
    for (const b of batches) await reference.write(b, []);

    const end = T0 + 5n * MINUTE;
    assert.deepEqual(await store.dependencies(T0, end), await reference.dependencies(T0, end));
    const redQuery = { startNano: T0, endNano: end, stepNano: MINUTE };
    assert.deepEqual(await store.red(redQuery), await reference.red(redQuery));
    assert.deepEqual(await store.red({ ...redQuery, service: 'api' }), await reference.red({ ...redQuery, service: 'api' }));

    // Counting plans the rollups answer, against the same plan made to count spans (a condition every span meets).
    const byService: SpanCountQuery = { conditions: [], groupBy: ['service'], startNano: T0, endNano: end, firstStepNano: T0, stepNano: MINUTE };
    const plans: SpanCountQuery[] = [
      byService,
      { ...byService, groupBy: [] },
      { ...byService, conditions: [{ column: 'service', op: '=', value: 'api' }] },
      { ...byService, conditions: [{ column: 'service', op: '!=', value: 'web' }], stepNano: 2n * MINUTE },
      // Window ends inside minutes: whole minutes from the rollups, the partial ones from the spans.
      { ...byService, startNano: T0 + 17_000n * MS, endNano: end - 23_000n * MS },
      { ...byService, startNano: T0 + 61_000n * MS, endNano: T0 + 62_000n * MS },
    ];
    const sorted = (rows: Awaited<ReturnType<DuckDBStore['countSpans']>>) => rows.map((r) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v))).sort();
    for (const plan of plans) {
      assert.ok(rollupsCount(plan), JSON.stringify(plan.conditions));
      const brute: SpanCountQuery = { ...plan, conditions: [...plan.conditions, { column: 'duration', op: '>=', value: 0 }] };
      assert.ok(!rollupsCount(brute));
      const got = await store.countSpans(plan);
      assert.ok(got.length > 0);
      assert.deepEqual(sorted(got), sorted(await store.countSpans(brute)), JSON.stringify(plan.conditions));
    }
    assert.equal((await store.countSpans({ ...byService, stepNano: 90_000n * MS })).length > 0, true);
    assert.ok(!rollupsCount({ ...byService, stepNano: 90_000n * MS }), 'steps that are not whole minutes count spans');
    const counted = (await store.countSpans({ ...byService, groupBy: [], stepNano: 5n * MINUTE })).reduce((n, r) => n + r.count, 0);
    assert.equal(counted, batches.flat().length);
    await store.close();

    // Each minute holds one row per key, however many passes added to it (the close folded the last batch).
    const db = await DuckDBInstance.create(join(dir, 'sextant.duckdb'));
    const c = await db.connect();
    for (const [table, keys] of [['rollup_edges', 'minute, parent, child, parent_op, child_op, virtual, bucket'], ['rollup_red', 'minute, service, operation, bucket'], ['rollup_services', 'minute, service']]) {
      const [r] = (await c.runAndReadAll(`SELECT count(*) AS n, count(DISTINCT (${keys})) AS k FROM ${table}`)).getRowObjects();
      assert.ok(Number(r!.n) > 0, table);
      assert.equal(Number(r!.n), Number(r!.k), `${table}: one row per key`);
    }
    c.closeSync();
    db.closeSync();

    // After the restart everything is folded: still the spans' answers.
    store = await DuckDBStore.open({ dataDir: dir });
    assert.deepEqual(await store.dependencies(T0, end), await reference.dependencies(T0, end));
    assert.deepEqual(await store.red(redQuery), await reference.red(redQuery));
  } finally {
    await store.close();
    await reference.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
