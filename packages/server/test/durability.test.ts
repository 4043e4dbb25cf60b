// A server killed with SIGKILL in the middle of ingestion loses no acknowledged span, and a restart keeps all data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeTraceRequest, type Span } from '@sextant/core';
import { DuckDBStore } from '../src/storage/duckdb/duckdb-store.js';
import { startChildServer } from './support/child.js';
import { hexId, makeSpan, resourceFor } from './support/spans.js';

function batch(service: string, traces: number): Span[] {
  const resource = resourceFor(service);
  const spans: Span[] = [];
  for (let t = 0; t < traces; t++) {
    const traceId = hexId(16);
    const root = makeSpan({ traceId, resource, name: 'root' });
    spans.push(root);
    for (let i = 0; i < 9; i++) {
      spans.push(makeSpan({ traceId, resource, parentSpanId: root.spanId, name: `child-${i}`, attributes: [{ key: 'i', value: BigInt(i) }] }));
    }
  }
  return spans;
}

test('SIGKILL during ingestion loses no acknowledged span; restart keeps everything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-durability-'));
  try {
    const server = await startChildServer(['--data', dir]);
    const acked = new Map<string, number>(); // traceId -> span count
    let inFlight = 0;
    let stop = false;
    const sender = async (n: number) => {
      while (!stop) {
        const spans = batch(`sender-${n}`, 20);
        inFlight++;
        try {
          const res = await fetch(`${server.otlpHttp}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf' },
            body: encodeTraceRequest(spans),
          });
          if (res.status === 200) {
            await res.arrayBuffer();
            for (const s of spans) acked.set(s.traceId, (acked.get(s.traceId) ?? 0) + 1);
          }
        } catch {
          return; // connection refused or reset: the server is gone
        } finally {
          inFlight--;
        }
      }
    };
    const senders = [0, 1, 2, 3].map(sender);
    // Let ingestion run, then kill without warning while requests are in flight.
    while (acked.size < 2000) await new Promise((r) => setTimeout(r, 20));
    const inFlightAtKill = inFlight;
    server.proc.kill('SIGKILL');
    await new Promise((r) => server.proc.once('exit', r));
    stop = true;
    await Promise.all(senders);
    assert.ok(inFlightAtKill > 0, 'the kill should land while requests are in flight');

    // Restart the server on the same data: it comes up and serves what was stored.
    const again = await startChildServer(['--data', dir]);
    const health = await fetch(`${again.api}/api/health`);
    assert.equal(health.status, 200);
    const someId = [...acked.keys()][0]!;
    const res = await fetch(`${again.api}/api/v1/traces/${someId}`);
    assert.equal(res.status, 200);
    again.proc.kill('SIGTERM');
    await new Promise((r) => again.proc.once('exit', r));

    const store = await DuckDBStore.open({ dataDir: dir });
    try {
      const found = await store.getTraces([...acked.keys()]);
      const missing = [...acked].filter(([id, n]) => (found.get(id)?.length ?? 0) < n);
      assert.equal(missing.length, 0, `${missing.length} of ${acked.size} acknowledged traces lost spans`);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
