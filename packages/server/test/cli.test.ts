// The `sextant` command: offline analysis of every supported file format, and exit codes 0 / 2 with one-sentence
// errors on stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '../../../testing/fixtures.js';
import { runCli } from './support/child.js';

test('analyze --json on Zipkin, Jaeger and OTLP files prints the analysis JSON', async () => {
  const r = await runCli(['analyze', '--json', fixturePath('zipkin/skew.json'), fixturePath('jaeger-ui/trace-statistics/testTraceNormal.json'), fixturePath('otlp/example-trace.json')]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.traces.length, 3);
  for (const t of out.traces) {
    assert.ok(Array.isArray(t.criticalPath) && Array.isArray(t.selfTime) && Array.isArray(t.quality));
    assert.match(t.durationNano, /^\d+$/);
  }
  const skew = out.traces.find((t: any) => t.clockSkew.length > 0);
  assert.ok(skew, 'the skewed Zipkin trace reports its adjustment');
});

test('analyze prints a readable report for the SmartThings production trace', async () => {
  const r = await runCli(['analyze', fixturePath('zipkin/smartthings-mobile-web-install.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Critical path/);
  assert.match(r.stdout, /root cause/);
  assert.match(r.stdout, /Dependencies/);
});

test('bad input and bad usage exit 2 with one sentence on stderr', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-cli-'));
  try {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"neither": "otlp nor jaeger nor zipkin"}');
    for (const args of [['analyze', bad], ['analyze', join(dir, 'missing.json')], ['serve', '--port', 'eighty'], ['serve', '--retention', 'soon'], ['frobnicate']]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.trim().length > 0 && r.stderr.trim().split('\n').length <= 2, `${args.join(' ')}: ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sextant demo starts Sextant and the shop, drives load, and stops cleanly', async () => {
  const r = await runCli(['demo', '--memory', '--duration', '4s', '--port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--zipkin-port', '0', '--jaeger-http-port', '0', '--jaeger-grpc-port', '0', '--demo-port', '0']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Started Sextant at http:\/\/127\.0\.0\.1:\d+/);
  const m = /Load finished: (\d+) requests, (\d+) errors/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) > 10, `only ${m[1]} requests`);
  assert.ok(Number(m[2]) < Number(m[1]) / 10, `${m[2]} of ${m[1]} requests failed`);
});
