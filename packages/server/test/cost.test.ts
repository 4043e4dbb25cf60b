// GET /api/v1/cost against brute-force sums over the stored rows: spans sent through the real OTLP/HTTP
// receiver into a DuckDB file, the cost report read through the API, then the file opened directly and every
// figure recomputed in JavaScript from the raw rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { CostFigures, Wire } from '@sextant/core';
import { startSextant } from '../src/index.js';

const SERVICES = ['checkout', 'catalog', 'ünïcode-svc'];
const NOW = BigInt(Date.now()) * 1_000_000n;

function otlpBatch(service: string, n: number, offset: number) {
  const spans = [];
  for (let i = 0; i < n; i++) {
    const k = offset + i;
    const attributes = [
      { key: 'http.route', value: { stringValue: `/items/:id` } },
      { key: 'user.id', value: { stringValue: `user-${k % 97}` } },
      { key: 'request.body', value: { stringValue: 'x'.repeat(200 + (k % 13)) } },
      { key: 'retry', value: { intValue: String(k % 3) } },
      { key: 'cache.hit', value: { boolValue: k % 2 === 0 } },
    ];
    if (k % 4 === 0) attributes.push({ key: 'note', value: { stringValue: `naïve ☃ ${k}` } });
    spans.push({
      traceId: (k + 1).toString(16).padStart(32, 'a'),
      spanId: (k + 1).toString(16).padStart(16, 'b'),
      name: k % 5 === 0 ? 'GET /items/:id' : 'load',
      kind: 2,
      startTimeUnixNano: String(NOW - BigInt(60_000 - k) * 1_000_000n),
      endTimeUnixNano: String(NOW - BigInt(60_000 - k) * 1_000_000n + 5_000_000n),
      attributes,
      events: k % 3 === 0 ? [{ timeUnixNano: String(NOW), name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: `boom ${k % 7}` } }] }] : [],
    });
  }
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'host.name', value: { stringValue: `host-${service}` } }] },
        scopeSpans: [{ scope: { name: 'test' }, spans }],
      },
    ],
  };
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

test('cost figures equal brute-force sums over the stored rows', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-cost-'));
  try {
    const sextant = await startSextant({ dataDir: dir, host: '127.0.0.1', port: 0, otlpGrpcPort: 0, otlpHttpPort: 0, zipkinPort: 0, uiDir: null, maxSizeBytes: 10_000_000 });
    let sent = 0;
    for (const [i, service] of SERVICES.entries()) {
      for (let b = 0; b < 3; b++) {
        const body = JSON.stringify(otlpBatch(service, 150, i * 1000 + b * 150));
        sent += utf8(body);
        const res = await fetch(`${sextant.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        assert.equal(res.status, 200, await res.text());
      }
    }
    // One search by user.id: it leaves the never-searched advice.
    assert.equal((await fetch(`${sextant.urls.api}/api/v1/traces?attr.user.id=user-1`)).status, 200);
    const res = await fetch(`${sextant.urls.api}/api/v1/cost?start=${NOW - 3_600_000_000_000n}&end=${NOW + 60_000_000_000n}`);
    assert.equal(res.status, 200, await res.clone().text());
    const cost = (await res.json()) as Wire<CostFigures>;
    await sextant.close();

    // Brute force: the raw rows, summed in JavaScript.
    const db = await DuckDBInstance.create(join(dir, 'sextant.duckdb'));
    const conn = await db.connect();
    const rows = (await conn.runAndReadAll(`SELECT service, name, status_message, trace_state, attributes, events, links, resource_id FROM spans`)).getRows();
    const resources = new Map((await conn.runAndReadAll(`SELECT id, attributes FROM resources`)).getRows().map((r) => [r[0] as bigint, r[1] as string]));
    conn.closeSync();
    db.closeSync();

    const member = (key: string, value: unknown) => utf8(JSON.stringify(key)) + utf8(JSON.stringify(value)) + 2;
    const byService = new Map<string, { spans: number; bytes: number }>();
    const keys = new Map<string, { bytes: number; spans: number; values: Set<string> }>();
    const addKey = (scope: string, key: string, value: unknown, spans = 1, bytes = member(key, value)) => {
      if (key === '\u0000') return;
      const k = keys.get(`${scope}:${key}`) ?? { bytes: 0, spans: 0, values: new Set<string>() };
      k.bytes += bytes;
      k.spans += spans;
      k.values.add(JSON.stringify(value));
      keys.set(`${scope}:${key}`, k);
    };
    const usedResources = new Map<bigint, number>();
    for (const r of rows) {
      const [service, name, message, state, attributes, events, links, resourceId] = r as [string, string, string | null, string | null, string, string | null, string | null, bigint];
      const bytes = 71 + utf8(name) + utf8(service) + utf8(message ?? '') + utf8(state ?? '') + utf8(attributes) + utf8(events ?? '') + utf8(links ?? '');
      const s = byService.get(service) ?? { spans: 0, bytes: 0 };
      s.spans++;
      s.bytes += bytes;
      byService.set(service, s);
      for (const [k, v] of Object.entries(JSON.parse(attributes) as Record<string, unknown>)) addKey('span', k, v);
      const evKeys = new Set<string>();
      for (const e of (events ? JSON.parse(events) : []) as [string, string, Record<string, unknown>][]) {
        for (const [k, v] of Object.entries(e[2])) {
          addKey('event', k, v, evKeys.has(k) ? 0 : 1);
          evKeys.add(k);
        }
      }
      usedResources.set(resourceId, (usedResources.get(resourceId) ?? 0) + 1);
    }
    let resourceBytes = 0;
    for (const [id, n] of usedResources) {
      const text = resources.get(id)!;
      resourceBytes += utf8(text);
      for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, unknown>)) addKey('resource', k, v, n);
    }
    const total = [...byService.values()].reduce((a, s) => a + s.bytes, 0) + resourceBytes;

    assert.equal(cost.spans, rows.length);
    assert.equal(cost.spans, SERVICES.length * 450);
    assert.equal(cost.storedBytes, total);
    assert.deepEqual(
      cost.services.map((s) => [s.service, s.spans, s.bytes]).sort(),
      [...byService].map(([service, s]) => [service, s.spans, s.bytes]).sort(),
    );
    assert.ok(Math.abs(cost.services.reduce((a, s) => a + s.share, 0) - (total - resourceBytes) / total) < 1e-9);
    assert.equal(cost.attributes.length, keys.size);
    for (const a of cost.attributes) {
      const want = keys.get(`${a.scope}:${a.key}`);
      assert.ok(want, `${a.scope}:${a.key} exists in the rows`);
      assert.equal(a.bytes, want.bytes, `${a.scope}:${a.key} bytes`);
      assert.equal(a.spans, want.spans, `${a.scope}:${a.key} spans`);
      assert.ok(Math.abs(a.share - want.bytes / total) < 1e-9);
      // A HyperLogLog estimate: DuckDB's sketch lands within about 10% of the exact count at these sizes.
      const exact = want.values.size;
      assert.ok(Math.abs(a.distinct - exact) <= Math.max(2, exact * 0.1), `${a.key}: ${a.distinct} estimated, ${exact} exact`);
    }
    const body = cost.attributes.find((a) => a.key === 'request.body')!;
    assert.equal(cost.attributes[0]!.key, 'request.body', 'the costliest key comes first');
    assert.equal(body.spanShare, 1);
    assert.equal(cost.attributes.find((a) => a.key === 'note')!.spanShare, keys.get('span:note')!.spans / rows.length);
    assert.equal(cost.attributes.find((a) => a.key === 'user.id')!.searches, 1);
    // Advice: the big never-searched key, and never the one that was searched.
    assert.equal(cost.advice.drop[0]!.key, 'request.body');
    assert.ok(!cost.advice.drop.some((d) => d.key === 'user.id'));
    assert.ok(cost.advice.bytesPerDay > 0 && cost.advice.diskBytesPerDay > 0);
    assert.ok(cost.advice.daysKeptAtMaxSize !== null && cost.advice.daysKeptAtMaxSize > 0);
    // Span names with the most attributes: the names carry 5 or 6 attributes; averages are exact.
    for (const n of cost.spanNames) {
      const own = rows.filter((r) => r[0] === n.service && r[1] === n.name);
      const avg = own.reduce((a, r) => a + Object.keys(JSON.parse(r[4] as string)).filter((k) => k !== '\u0000').length, 0) / own.length;
      assert.ok(Math.abs(n.attributesPerSpan - avg) < 1e-9, `${n.service} ${n.name}`);
      assert.equal(n.spans, own.length);
    }
    // Ingest side: every request body's bytes, shared among its services (here one service per request).
    assert.equal(Math.round(cost.ingest.reduce((a, r) => a + r.bytes, 0)), sent);
    assert.deepEqual([...new Set(cost.ingest.map((r) => r.service))].sort(), [...SERVICES].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
