// Expensive reads run in a bounded lane with a time limit, on a real DuckDB file over real HTTP: a query past
// --query-timeout is stopped (DuckDB interrupts it) and answered 504 naming the flag; while the lane is busy,
// trace by id, services and health still answer at once; a query that cannot get a slot in time gets 503 with
// Retry-After; the server stays up through all of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SextantOptions } from '../src/server.js';
import { QueryTimeoutError } from '../src/storage/contract.js';
import { DuckDBStore } from '../src/storage/duckdb/duckdb-store.js';
import { guardedStore, underOneDeadline } from '../src/query/guarded-store.js';
import { QueryLane, queryLaneOptions } from '../src/query/query-lane.js';
import { getJson, startTestServer } from './support/server.js';
import { BASE_TIME, hexId, makeSpan } from './support/spans.js';

const SPANS = 200_000;
let dataDir: string;
const someTrace = hexId(16);
// Every span its own trace: sort=longest groups and orders 200k traces, hundreds of ms of DuckDB work.
const HEAVY = '/api/v1/traces?sort=longest&limit=1000';

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sextant-lane-'));
  const store = await DuckDBStore.open({ dataDir });
  for (let b = 0; b < SPANS / 5000; b++) {
    await store.write(
      Array.from({ length: 5000 }, (_, i) => makeSpan({ traceId: b === 0 && i < 3 ? someTrace : undefined, service: `svc${i % 5}`, name: `op${i % 20}`, startNano: BASE_TIME + BigInt(b * 5000 + i) * 1000n })),
      [],
    );
  }
  await store.close();
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function withServer(opts: SextantOptions, f: (api: string) => Promise<void>): Promise<void> {
  const s = await startTestServer({ memory: false, dataDir, ...opts });
  try {
    await f(s.urls.api!);
  } finally {
    await s.close();
  }
}

test('a query past --query-timeout: 504 naming the timeout and the flag in every API; cheap reads and the server carry on', async () => {
  await withServer({ queryTimeoutMs: 5 }, async (api) => {
    const native = await getJson(`${api}${HEAVY}`);
    assert.equal(native.status, 504);
    assert.match(native.body.error, /query timeout \(5 ms\).*--query-timeout/);
    const jaeger = await getJson(`${api}/api/v3/trace-summaries?query.searchDepth=1000&query.serviceName=svc1`);
    assert.equal(jaeger.status, 504, JSON.stringify(jaeger.body));
    assert.match(jaeger.body.error.message, /--query-timeout/);
    const trace = await getJson(`${api}/api/v1/traces/${someTrace}`);
    assert.equal(trace.status, 200);
    assert.equal(trace.body.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((x: any) => x.spans)).length, 3);
    assert.equal((await getJson(`${api}/api/health`)).body.status, 'ok');
    assert.equal((await getJson(`${api}/api/v1/services`)).body.services.length, 5);
  });
});

test('cheap reads never queue behind expensive ones; a query that waits too long for a slot gets 503 with Retry-After', async () => {
  await withServer({ queryConcurrency: 1, queryQueueWaitMs: 60_000 }, async (api) => {
    let heavyDone = 0;
    const heavy = Array.from({ length: 4 }, () => getJson(`${api}${HEAVY}`).then((r) => (heavyDone++, r)));
    // Until the lane had its own connections, these waited on the one read connection behind all four.
    const cheap = await Promise.all([getJson(`${api}/api/v1/traces/${someTrace}`), getJson(`${api}/api/health`), getJson(`${api}/api/services`)]);
    assert.ok(heavyDone < 4, 'the cheap reads answered before the lane had run its four queries');
    assert.deepEqual(cheap.map((r) => r.status), [200, 200, 200]);
    for (const r of await Promise.all(heavy)) assert.equal(r.body.traces.length, 1000);
  });
  await withServer({ queryConcurrency: 1, queryQueueWaitMs: 30 }, async (api) => {
    const answers = await Promise.all([fetch(`${api}${HEAVY}`), fetch(`${api}${HEAVY}`)]);
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 503]);
    const refused = answers.find((r) => r.status === 503)!;
    assert.match(refused.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    assert.match(((await refused.json()) as { error: string }).error, /waited 30 ms for one of 1 query slots \(--query-concurrency\)/);
    assert.equal((await getJson(`${api}${HEAVY}`)).status, 200, 'the lane is free again');
  });
});

test('DuckDB stops a read at its limit: it is interrupted while the same read without a limit is still running', async () => {
  const store = await DuckDBStore.open({ dataDir });
  try {
    const q = { sort: 'longest' as const, limit: 1000 };
    let unboundedDone = false;
    const unbounded = store.searchTraces(q).then((r) => ((unboundedDone = true), r));
    await assert.rejects(store.searchTraces(q, { timeoutMs: 5 }), QueryTimeoutError);
    assert.equal(unboundedDone, false, 'the bounded read was stopped, not run to its end');
    assert.equal((await unbounded).traces.length, 1000);
    assert.equal((await store.searchTraces(q, { timeoutMs: 60_000 })).traces.length, 1000, 'an interrupted connection serves the next read');
  } finally {
    await store.close();
  }
});

test('one deadline over a request of many expensive reads (TraceQL paging through candidates): they stop together at the query timeout', async () => {
  const store = await DuckDBStore.open({ dataDir });
  try {
    const lane = new QueryLane(queryLaneOptions({ timeoutMs: 2000 }));
    const q = { service: 'svc1', limit: 1 };
    // Each read is far shorter than the timeout; under one deadline they are refused once it has passed.
    const request = underOneDeadline(guardedStore(store, lane));
    let reads = 0;
    await assert.rejects(async () => {
      for (;;) {
        await request.searchTraces(q);
        reads++;
      }
    }, /query timeout \(2 s\)/);
    assert.ok(reads > 1, `several reads fit in one timeout (${reads})`);
    // Without one deadline, the same reads each get the whole timeout.
    const each = guardedStore(store, lane);
    for (let i = 0; i < reads + 2; i++) await each.searchTraces(q);
  } finally {
    await store.close();
  }
});
