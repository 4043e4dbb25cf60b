// docs/guide.md's commands, run where they can be: the plain OpenTelemetry set-up runs against a real Sextant
// and its trace is read back; the Collector configurations parse and are consistent (every pipeline names
// defined components), and Sextant started with the guide's flags accepts what the `otlphttp` exporter sends
// where it sends it. No Collector binary runs here (none is packaged for this machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { startSextant } from '../src/index.js';
import { REPO_ROOT } from '../../../testing/fixtures.js';

const GUIDE = readFileSync(resolve(REPO_ROOT, 'docs/guide.md'), 'utf8');

/** Fenced blocks of a language, with their text. */
function blocks(lang: string): string[] {
  return [...GUIDE.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

test('the guide’s plain OpenTelemetry set-up exports a trace that Sextant stores, with the printed traceparent', { timeout: 60_000 }, async () => {
  const source = blocks('js').find((b) => b.startsWith('// guide-test: plain-otel.mjs'));
  assert.ok(source, 'the guide holds the plain-otel.mjs example');
  // Inside the repository, so that the OpenTelemetry packages resolve as they would in an app that installed them.
  const dir = resolve(REPO_ROOT, 'test-output/guide');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'plain-otel.mjs');
  writeFileSync(file, source);
  const sextant = await startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpGrpcPort: 0, otlpHttpPort: 0, zipkinPort: 0, uiDir: null });
  try {
    // Asynchronously: the server answering the export runs in this process.
    const child = spawn(process.execPath, [file], { env: { ...process.env, SEXTANT_OTLP: sextant.urls.otlpHttp! }, stdio: ['ignore', 'pipe', 'pipe'] });
    const r = { stdout: '', stderr: '' };
    child.stdout.on('data', (d) => (r.stdout += d));
    child.stderr.on('data', (d) => (r.stderr += d));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, r.stderr);
    const m = /traceparent 00-([0-9a-f]{32})-([0-9a-f]{16})-01/.exec(r.stdout);
    assert.ok(m, `printed a sampled traceparent: ${r.stdout}`);
    let res: Response | undefined;
    for (let i = 0; i < 25 && res?.status !== 200; i++) {
      if (i > 0) await sleep(200);
      res = await fetch(`${sextant.urls.api}/api/v1/traces/${m[1]}`);
    }
    assert.equal(res!.status, 200, 'the trace reached Sextant');
    const doc = (await res!.json()) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { scope: { name: string; version: string }; spans: { spanId: string; name: string }[] }[] }[] };
    const rs = doc.resourceSpans[0]!;
    assert.equal(rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue, 'plain-otel-shop');
    assert.deepEqual(rs.scopeSpans[0]!.scope, { name: 'plain-otel-shop', version: '1.0.0' });
    assert.equal(rs.scopeSpans[0]!.spans[0]!.name, 'checkout');
    assert.equal(rs.scopeSpans[0]!.spans[0]!.spanId, m[2], 'the injected parent is the active span');
  } finally {
    await sextant.close();
  }
});

test('the guide’s Collector configurations parse, and each pipeline uses only components it defines', () => {
  const configs = blocks('yaml').map((b) => parse(b) as Record<string, Record<string, unknown>>);
  assert.ok(configs.length >= 2);
  const full = configs.find((c) => c.receivers && c.exporters && c.service);
  assert.ok(full, 'one complete Collector configuration');
  const pipelines = (full.service as { pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> }).pipelines;
  assert.deepEqual(Object.keys(pipelines).sort(), ['logs', 'traces']);
  for (const [name, p] of Object.entries(pipelines)) {
    for (const r of p.receivers) assert.ok(r in full.receivers!, `${name}: receiver ${r} is defined`);
    for (const x of p.processors ?? []) assert.ok(x in full.processors!, `${name}: processor ${x} is defined`);
    for (const e of p.exporters) assert.ok(e in full.exporters!, `${name}: exporter ${e} is defined`);
  }
  const clickhouse = configs.find((c) => c.exporters && 'clickhouse' in c.exporters);
  assert.ok(clickhouse, 'the Collector → ClickHouse configuration');
  assert.equal((clickhouse.exporters!.clickhouse as { traces_table_name: string }).traces_table_name, 'otel_traces', 'the table Sextant reads');
});

test('Sextant on the guide’s ports takes OTLP/HTTP where the otlphttp exporter sends it', async () => {
  const full = blocks('yaml').map((b) => parse(b) as Record<string, Record<string, unknown>>).find((c) => c.service)!;
  const endpoint = (full.exporters!['otlphttp/sextant'] as { endpoint: string }).endpoint;
  const serve = GUIDE.match(/sextant serve --otlp-grpc-port (\d+) --otlp-http-port (\d+)/);
  assert.ok(serve, 'the guide says how to move Sextant off the Collector’s ports');
  assert.equal(new URL(endpoint).port, serve[2], 'the exporter points at Sextant’s OTLP/HTTP port');
  // Port 0 here (the guide's port may be taken on a test machine); the path is the exporter's: endpoint + /v1/traces.
  const sextant = await startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpGrpcPort: 0, otlpHttpPort: 0, zipkinPort: 0, uiDir: null });
  try {
    const body = {
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'via-collector' } }] }, scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'GET /', kind: 2, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000' }] }] }],
    };
    const res = await fetch(`${sextant.urls.otlpHttp}${new URL(endpoint).pathname.replace(/\/$/, '')}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    assert.equal((await fetch(`${sextant.urls.api}/api/v1/traces/5b8efff798038103d269b633813fc60c`)).status, 200);
  } finally {
    await sextant.close();
  }
});
