// `sextant check --url` against the demo shop exporting through the real OpenTelemetry SDK to a real Sextant:
// a staging-like healthy run passes, and each scenario that breaks instrumentation fails with its rule. A
// performance fault (n-plus-one) is not an instrumentation problem and passes.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad, startDemo, type RunningDemo, type ScenarioName } from '@sextant/demo';
import { startSextant, type RunningSextant } from '../src/index.js';
import { runCli } from './support/child.js';

interface JsonReport {
  ok: boolean;
  traces: number;
  rules: { rule: string; status: string; findings: { message: string; services: string[] }[] }[];
}

describe('sextant check against the demo', { timeout: 240_000 }, () => {
  let sextant: RunningSextant | undefined;
  let demo: RunningDemo | undefined;

  async function settle(): Promise<void> {
    let last = -1;
    for (let stable = 0; stable < 3; ) {
      await sleep(400);
      const { spans } = (await (await fetch(`${sextant!.urls.api}/api/v1/stats`)).json()) as { spans: number | string };
      stable = Number(spans) === last ? stable + 1 : 0;
      last = Number(spans);
    }
  }

  /** Runs the scenario's load, waits for the exporters, and checks the window it produced. */
  async function checkScenario(scenario: ScenarioName, extra: string[] = []): Promise<{ code: number; report: JsonReport; stderr: string }> {
    await demo!.setScenario(scenario);
    const started = new Date().toISOString();
    // Until at least one shopper checked out: payments and the worker only appear then.
    let checkouts = 0;
    for (let slice = 0; checkouts === 0 && slice < 10; slice++) {
      const stats = await runLoad({ gatewayUrl: demo!.gatewayUrl, durationMs: 3000, concurrency: 2 });
      assert.ok(stats.requests > 0);
      checkouts += stats.checkouts;
    }
    assert.ok(checkouts > 0, 'a shopper checked out (a busy machine makes sessions slow)');
    await demo!.setScenario('none');
    await settle();
    const r = await runCli(['check', '--url', sextant!.urls.api, '--start', started, '--end', new Date().toISOString(), '--format', 'json', ...extra]);
    return { code: r.code, report: JSON.parse(r.stdout || '{}') as JsonReport, stderr: r.stderr };
  }

  const failed = (r: JsonReport) => r.rules.filter((x) => x.status === 'fail').map((x) => x.rule);

  before(async () => {
    sextant = await startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpGrpcPort: 0, otlpHttpPort: 0, zipkinPort: 0, uiDir: null });
    demo = await startDemo({ otlpEndpoint: sextant.urls.otlpHttp!, env: { OTEL_BSP_SCHEDULE_DELAY: '200' } });
  });

  after(async () => {
    await demo?.stop();
    await sextant?.close();
  });

  test('a healthy run passes every rule, including the expected services and operations', async () => {
    const { code, report, stderr } = await checkScenario('none', ['--expect', 'gateway,checkout,payments,worker,gateway:POST /api/checkout']);
    assert.ok(report.traces > 5, `checked ${report.traces} traces`);
    assert.deepEqual(failed(report), [], JSON.stringify(report.rules.filter((x) => x.status === "fail").map((x) => x.findings.slice(0, 3)), null, 1));
    assert.equal(code, 0, stderr);
    assert.equal(report.ok, true);
  });

  test('lost-traceparent fails fragment-root: payments answers in traces that start at a checkout CLIENT span', async () => {
    const { code, report } = await checkScenario('lost-traceparent');
    assert.equal(code, 1);
    assert.deepEqual(failed(report), ['fragment-root']);
    const f = report.rules.find((x) => x.rule === 'fragment-root')!.findings[0]!;
    assert.deepEqual(f.services, ['checkout']);
    assert.match(f.message, /starts at a CLIENT span/);
  });

  test('leaked-secret fails sensitive-attribute, naming the key and never the card number', async () => {
    const { code, report, stderr } = await checkScenario('leaked-secret');
    assert.equal(code, 1, stderr + JSON.stringify(report).slice(0, 3000));
    assert.deepEqual(failed(report), ['sensitive-attribute']);
    const f = report.rules.find((x) => x.rule === 'sensitive-attribute')!.findings[0]!;
    assert.deepEqual(f.services, ['payments']);
    assert.match(f.message, /payment\.card: card number/);
    assert.doesNotMatch(JSON.stringify(report), /4242/);
  });

  test('raw-span-names fails id-in-span-name', async () => {
    const { code, report } = await checkScenario('raw-span-names');
    assert.equal(code, 1);
    assert.deepEqual(failed(report), ['id-in-span-name']);
    assert.match(report.rules.find((x) => x.rule === 'id-in-span-name')!.findings.map((f) => f.message).join('\n'), /GET \/(api\/)?(products|carts)\/\w+/);
  });

  test('a performance fault (n-plus-one) is not an instrumentation problem: the check passes', async () => {
    const { code, report } = await checkScenario('n-plus-one', ['--service', 'cart']);
    assert.ok(report.traces > 0);
    assert.deepEqual(failed(report), []);
    assert.equal(code, 0);
  });
});
