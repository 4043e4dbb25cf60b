// Disk full, for real: the data directory is a small tmpfs (mounted by the test; skipped with the reason where
// this machine does not allow mounting). Filling it makes DuckDB's commits fail; the receivers then answer
// retryable 503s with Retry-After, /api/health says "degraded" and why (no file path), and once space is freed
// the same requests, sent again, are stored: every acknowledged span is there, each exactly once, none of the
// refused ones is stored before it is re-sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeTraceRequest, type Span } from '@sextant/core';
import type { RunningSextant } from '../src/server.js';
import { getJson, startTestServer } from './support/server.js';
import { hexId, makeSpan } from './support/spans.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'sextant-diskfull-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]).status === 0;
const skip = mounted ? false : 'mounting a tmpfs is not allowed here (needs root / CAP_SYS_ADMIN)';
const filler = join(mountPoint, 'filler');
let s: RunningSextant;

before(async () => {
  if (mounted) s = await startTestServer({ memory: false, dataDir: join(mountPoint, 'data') });
});
after(async () => {
  await s?.close();
  if (mounted) spawnSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

function batch(): Span[] {
  const traceId = hexId(16);
  return Array.from({ length: 2000 }, (_, i) => makeSpan({ traceId, service: 'disk', name: `op-${i}`, attributes: [{ key: 'pad', value: `${'x'.repeat(300)}${i}` }] }));
}

async function post(spans: Span[]): Promise<Response> {
  return fetch(`${s.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTraceRequest(spans) });
}

async function spansOf(traceId: string): Promise<number> {
  const r = await getJson(`${s.urls.api}/api/v1/traces/${traceId}`);
  return r.status === 404 ? 0 : r.body.resourceSpans.flatMap((x: any) => x.scopeSpans.flatMap((y: any) => y.spans)).length;
}

test('disk full: retryable 503s, health degraded with the reason, recovery once space frees, nothing acknowledged lost', { skip }, async () => {
  const first = batch();
  assert.equal((await post(first)).status, 200);
  assert.equal((await getJson(`${s.urls.api}/api/health`)).body.status, 'ok');
  // Take every free byte of the tmpfs.
  try {
    for (;;) appendFileSync(filler, Buffer.alloc(256 * 1024));
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  const refused: Span[][] = [];
  for (let i = 0; i < 3; i++) {
    const spans = batch();
    const r = await post(spans);
    assert.equal(r.status, 503, 'a store that cannot write answers retryably');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.doesNotMatch(Buffer.from(await r.arrayBuffer()).toString('latin1'), /sextant\.duckdb|\/tmp\//, 'no file path in the answer');
    refused.push(spans);
  }
  const health = await getJson(`${s.urls.api}/api/health`);
  assert.equal(health.status, 200, 'reads still work');
  assert.equal(health.body.status, 'degraded');
  assert.match(health.body.reason, /disk holding the data is full.*503/);
  assert.doesNotMatch(health.body.reason, /\/tmp\//);
  for (const spans of refused) assert.equal(await spansOf(spans[0]!.traceId), 0, 'nothing refused was stored');

  rmSync(filler);
  // The senders retry what was refused: now it is stored, and health recovers.
  for (const spans of refused) assert.equal((await post(spans)).status, 200);
  assert.equal((await getJson(`${s.urls.api}/api/health`)).body.status, 'ok');
  for (const spans of [first, ...refused]) assert.equal(await spansOf(spans[0]!.traceId), spans.length, 'every acknowledged span, once');
  assert.equal((await getJson(`${s.urls.api}/api/v1/stats`)).body.spans, 4 * 2000);
});
