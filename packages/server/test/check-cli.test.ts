// `sextant check` over trace files: exit codes, the three report formats, a rules file, and JUnit XML read back
// by a real XML parser (Chromium's DOMParser), as a CI system would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '../../../testing/fixtures.js';
import { runCli } from './support/child.js';
import { launchChromium } from '../../../testing/chromium.js';


test('check exits 0 on a clean trace file and 1 naming the failed rule otherwise', async () => {
  const clean = await runCli(['check', fixturePath('jaeger-ui/trace-statistics/spansAmongEachOther.json')]);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /^OK: no rule failed/m);

  const kafka = await runCli(['check', fixturePath('zipkin/messaging-kafka.json')]);
  assert.equal(kafka.code, 1, kafka.stderr);
  assert.match(kafka.stdout, /^FAIL {2}fragment-root: 1 finding in 1 trace/m);
  assert.match(kafka.stdout, /^WARN {2}error-without-detail/m);
  assert.match(kafka.stdout, /^FAILED: 1 rule failed, 1 warned\./m);

  const json = await runCli(['check', '--format', 'json', fixturePath('jaeger-ui/trace-statistics/testTraceNormal.json'), fixturePath('zipkin/skew.json')]);
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.equal(report.ok, false);
  assert.equal(report.traces, 2);
  const failed = report.rules.filter((r: { status: string }) => r.status === 'fail').map((r: { rule: string }) => r.rule);
  assert.deepEqual(failed, ['id-in-span-name']);
});

test('a rules file and --expect change the verdict; bad usage exits 2 with one sentence', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-check-'));
  try {
    const rules = join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify({ rules: { 'fragment-root': 'warn' }, expect: ['servicea'] }));
    const relaxed = await runCli(['check', '--rules', rules, fixturePath('zipkin/messaging-kafka.json')]);
    assert.equal(relaxed.code, 0, relaxed.stdout);
    assert.match(relaxed.stdout, /^WARN {2}fragment-root/m);
    const missing = await runCli(['check', '--rules', rules, '--expect', 'servicea,checkout:POST /pay', fixturePath('zipkin/messaging-kafka.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /no span named POST \/pay in service checkout \(the service sent no spans at all\)/);

    const badRules = join(dir, 'bad.json');
    writeFileSync(badRules, JSON.stringify({ rules: { 'fragment-roots': 'off' } }));
    // A few representative cases (each is a process start); parseRulesConfig's own test covers the rest.
    for (const [args, message] of [
      [['check', '--rules', badRules, fixturePath('zipkin/skew.json')], /unknown rule 'fragment-roots'/],
      [['check', '--url', 'http://127.0.0.1:1', fixturePath('zipkin/skew.json')], /files or --url, not both/],
      [['check', '--since', 'soon'], /--since/],
    ] as [string[], RegExp][]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.ok(r.stderr.trim().split('\n').length <= 2, r.stderr);
    }
    const down = await runCli(['check', '--url', 'http://127.0.0.1:1']);
    assert.equal(down.code, 1, 'an unreachable server is a runtime failure');
    assert.match(down.stderr, /cannot reach Sextant at http:\/\/127\.0\.0\.1:1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--format junit is well-formed JUnit XML: one test case per rule, failures for failed rules', async () => {
  const r = await runCli(['check', '--format', 'junit', fixturePath('zipkin/messaging-kafka.json'), fixturePath('jaeger-ui/trace-statistics/testTraceNormal.json')]);
  assert.equal(r.code, 1);
  const browser = await launchChromium({ name: 'junit' });
  try {
    const page = await browser.context.newPage();
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const error = doc.querySelector('parsererror');
      if (error) return { error: error.textContent };
      const suite = doc.querySelector('testsuites > testsuite')!;
      return {
        error: null,
        tests: Number(suite.getAttribute('tests')),
        failures: Number(suite.getAttribute('failures')),
        cases: [...doc.querySelectorAll('testcase')].map((c) => ({
          name: c.getAttribute('name'),
          classname: c.getAttribute('classname'),
          failure: c.querySelector('failure')?.getAttribute('message') ?? null,
          detail: c.querySelector('failure')?.textContent ?? null,
          out: c.querySelector('system-out')?.textContent ?? null,
        })),
      };
    }, r.stdout);
    assert.equal(parsed.error, null, `parse error: ${parsed.error}`);
    assert.equal(parsed.tests, parsed.cases!.length);
    assert.ok(parsed.tests! >= 19);
    const failed = parsed.cases!.filter((c) => c.failure !== null);
    assert.equal(parsed.failures, failed.length);
    assert.deepEqual(failed.map((c) => c.name).sort(), ['fragment-root', 'id-in-span-name']);
    const fragment = failed.find((c) => c.name === 'fragment-root')!;
    assert.equal(fragment.classname, 'sextant.propagation');
    assert.match(fragment.detail!, /trace 00000000000000000562809467078eab \[servicea\]: the trace starts at a CONSUMER span \(poll\)/);
    assert.match(parsed.cases!.find((c) => c.name === 'error-without-detail')!.out!, /^warning: /);
  } finally {
    await browser.close();
  }
});
