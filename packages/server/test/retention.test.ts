// Retention: by age and by size, oldest first, in the background of a running server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeOtlpJsonTraces, encodeTraceRequest, type Span } from '@sextant/core';
import { readFixtureText } from '../../../testing/fixtures.js';
import { DuckDBStore } from '../src/storage/duckdb/duckdb-store.js';
import { getJson, startTestServer } from './support/server.js';
import { hexId, makeSpan } from './support/spans.js';

const HOUR = 3_600_000_000_000n;
const now = () => BigInt(Date.now()) * 1_000_000n;

function tracesAt(startNano: bigint, count: number, service = 'svc'): Span[] {
  const out: Span[] = [];
  for (let i = 0; i < count; i++) {
    const traceId = hexId(16);
    const root = makeSpan({ traceId, service, startNano: startNano + BigInt(i) * 1000n, attributes: [{ key: 'payload', value: 'x'.repeat(200) + i }] });
    out.push(root, makeSpan({ traceId, service, parentSpanId: root.spanId, startNano: startNano + BigInt(i) * 1000n + 10n }));
  }
  return out;
}

test('a running server deletes spans older than the retention age in the background', async () => {
  const s = await startTestServer({ retentionNano: 2n * HOUR, retentionIntervalMs: 200 });
  try {
    const old = tracesAt(now() - 3n * HOUR, 5, 'old');
    const fresh = tracesAt(now() - HOUR, 5, 'fresh');
    for (const batch of [old, fresh]) {
      const res = await fetch(`${s.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTraceRequest(batch) });
      assert.equal(res.status, 200);
    }
    const deadline = Date.now() + 10_000;
    while ((await s.store.stats()).spans > fresh.length) {
      assert.ok(Date.now() < deadline, 'old spans were not deleted within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await getJson(`${s.urls.api}/api/v1/traces/${old[0]!.traceId}`)).status, 404);
    assert.equal((await getJson(`${s.urls.api}/api/v1/traces/${fresh[0]!.traceId}`)).status, 200);
  } finally {
    await s.close();
  }
});

test('size retention deletes the oldest spans until the database fits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-retention-'));
  const store = await DuckDBStore.open({ dataDir: dir });
  try {
    // Three row groups' worth of spans over ten hours (DuckDB gives space back a row group at a time).
    const start = now() - 10n * HOUR;
    for (let hour = 0n; hour < 10n; hour++) await store.write(tracesAt(start + hour * HOUR, 13_000), []);
    await store.checkpoint();
    const before = await store.stats();
    const limit = Math.floor(before.bytes / 2);
    // The background task runs a pass a minute; at this small scale (space comes back a 122,880-row group at a
    // time) a few passes are needed.
    let deletedSpans = 0;
    for (let pass = 0; pass < 5 && (await store.stats()).bytes > limit; pass++) {
      deletedSpans += (await store.enforceRetention(null, limit)).deletedSpans;
    }
    const after = await store.stats();
    assert.ok(deletedSpans > 0, 'something was deleted');
    assert.ok(after.bytes <= limit, `database is ${after.bytes} bytes, limit ${limit}`);
    assert.equal(after.spans, before.spans - deletedSpans);
    // Oldest first: the newest hour is kept, the oldest went first.
    assert.ok((await store.searchTraces({ limit: 10, startNano: start + 9n * HOUR })).traces.length > 0);
    assert.equal((await store.searchTraces({ limit: 1, endNano: start + HOUR - 1n })).traces.length, 0);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('size retention never deletes what cannot give space back', async () => {
  const store = await DuckDBStore.open({ dataDir: mkdtempSync(join(tmpdir(), 'sextant-retention-small-')) });
  try {
    await store.write(tracesAt(now() - HOUR, 500), []);
    const { deletedSpans } = await store.enforceRetention(null, 1);
    assert.equal(deletedSpans, 0);
    assert.equal((await store.stats()).spans, 1000);
  } finally {
    await store.close();
  }
});

test('spans older than the retention age are accepted with a warning that says retention will delete them', async () => {
  const s = await startTestServer({ retentionNano: 2n * HOUR, retentionIntervalMs: 3_600_000 });
  try {
    const old = tracesAt(now() - 3n * HOUR, 2, 'old');
    const json = await fetch(`${s.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(encodeOtlpJsonTraces([...old, ...tracesAt(now(), 1)])) });
    assert.equal(json.status, 200);
    const answer = await json.json();
    assert.equal(answer.partialSuccess.rejectedSpans, '0', 'a warning, not a rejection');
    assert.match(answer.partialSuccess.errorMessage, /^4 of 6 spans ended before the retention window .* deleted by the next retention pass/);
    const zipkin = await fetch(`${s.urls.zipkin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFixtureText('zipkin/skew.json') });
    assert.equal(zipkin.status, 202);
    assert.match(zipkin.headers.get('x-sextant-warning') ?? '', /spans ended before the retention window/);
    const fresh = await fetch(`${s.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(encodeOtlpJsonTraces(tracesAt(now(), 1))) });
    assert.deepEqual(await fresh.json(), {}, 'no warning for recent spans');
  } finally {
    await s.close();
  }
});
