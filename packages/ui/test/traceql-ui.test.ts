// The TraceQL page in real Chromium against a real Sextant: editor completion from the Tempo tag API, inline
// parse errors, the query kept in the URL, matched spans per trace, the search form's TraceQL, and the metrics
// view (time series, duration heatmap, exemplars that open traces, a heatmap region opening the cohort view).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, type Page } from 'playwright-core';
import { startSextant } from '@sextant/server';
import { REPO_ROOT } from '../../../testing/fixtures.js';
import { builtUiDir, launchChromium, type TestBrowser } from '../../../testing/chromium.js';

const SHOTS = resolve(REPO_ROOT, 'test-output/screenshots');
const TRACES = 60;

let server: Awaited<ReturnType<typeof startSextant>>;
let browser: BrowserContext;
let chromium: TestBrowser;
let api: string;

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/**
 * 60 traces over the last 50 minutes: a `web` server span calling an `api` client span. Every third api call is
 * slow (800 ms) and an error; the others take 20 ms.
 */
function traces() {
  const now = Date.now();
  const web: unknown[] = [];
  const apiSpans: unknown[] = [];
  for (let i = 0; i < TRACES; i++) {
    const t0 = BigInt(now - 50 * 60_000 + i * 50_000) * 1_000_000n;
    const traceId = hex(i + 1, 32);
    const slow = i % 3 === 0;
    const d = slow ? 800_000_000n : 20_000_000n;
    web.push({ traceId, spanId: hex(i * 2 + 1, 16), name: 'GET /checkout', kind: 2, startTimeUnixNano: `${t0}`, endTimeUnixNano: `${t0 + d + 5_000_000n}`, attributes: [str('http.route', '/checkout')], status: {} });
    apiSpans.push({ traceId, spanId: hex(i * 2 + 2, 16), parentSpanId: hex(i * 2 + 1, 16), name: 'charge', kind: 3, startTimeUnixNano: `${t0 + 1_000_000n}`, endTimeUnixNano: `${t0 + 1_000_000n + d}`, attributes: [str('payment.provider', slow ? 'slowpay' : 'fastpay')], status: slow ? { code: 2 } : {} });
  }
  const rs = (service: string, spans: unknown[]) => ({ resource: { attributes: [str('service.name', service)] }, scopeSpans: [{ scope: { name: 'ui-test' }, spans }] });
  return { resourceSpans: [rs('web', web), rs('api', apiSpans)] };
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpHttpPort: 0, otlpGrpcPort: 0, zipkinPort: 0, uiDir: builtUiDir() });
  api = server.urls.api;
  const res = await fetch(`${server.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(traces()) });
  assert.ok(res.ok);
  chromium = await launchChromium({ name: 'traceql' });
  browser = chromium.context;
});

after(async () => {
  await chromium?.close();
  await server?.close();
});

async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => {
    throw e;
  });
  return page;
}

async function typeQuery(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('traceql-input');
  await input.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text, { delay: 5 });
}

describe('TraceQL page', () => {
  test('completion offers tag values from the server, Enter runs the query and keeps it in the URL', async () => {
    const page = await newPage();
    await page.goto(`${api}/traceql`);
    await typeQuery(page, '{ resource.service.name = ');
    const option = page.locator('.cm-tooltip-autocomplete li', { hasText: '"api"' });
    await option.waitFor();
    await option.click();
    await page.keyboard.type(' && status = error }');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=/);
    assert.equal(new URL(page.url()).searchParams.get('q'), '{ resource.service.name = "api" && status = error }');
    await page.getByTestId('traceql-trace').first().waitFor();
    // Every third trace has a slow, failing api call: one matched span each.
    assert.equal(await page.getByTestId('traceql-trace').count(), TRACES / 3);
    assert.equal(await page.getByTestId('traceql-span').count(), TRACES / 3);
    assert.match((await page.getByTestId('traceql-span').first().textContent()) ?? '', /800 ?ms/);
    await page.screenshot({ path: join(SHOTS, 'traceql-search.png') });
    // Reload: the URL alone restores query and results.
    await page.reload();
    await page.getByTestId('traceql-trace').first().waitFor();
    assert.match((await page.getByTestId('traceql-input').textContent()) ?? '', /status = error/);
    await page.close();
  });

  test('a malformed query shows the parser error inline and cannot be run', async () => {
    const page = await newPage();
    await page.goto(`${api}/traceql?q=${encodeURIComponent('{ }')}`);
    await typeQuery(page, '{ span.http.route = ');
    const err = page.getByTestId('traceql-error');
    await err.waitFor();
    assert.match((await err.textContent()) ?? '', /line 1, column 21: expected an attribute or an intrinsic or a value, found "}"/);
    assert.equal(await page.getByTestId('traceql-run').isDisabled(), true);
    await page.locator('.cm-lintRange-error').first().waitFor();
    await page.keyboard.press('Enter');
    assert.equal(new URL(page.url()).searchParams.get('q'), '{ }', 'the broken query did not replace the URL');
    await page.close();
  });

  test('the search form shows the TraceQL it stands for', async () => {
    const page = await newPage();
    await page.goto(`${api}/search?service=web&minDuration=100ms&status=error`);
    const text = (await page.getByTestId('form-traceql').textContent()) ?? '';
    assert.match(text, /\{ resource\.service\.name = "web" && duration >= 100ms && status = error \}/);
    await page.getByTestId('form-traceql').getByRole('link').click();
    await page.waitForURL(/\/traceql\?/);
    await page.getByTestId('traceql-results').waitFor();
    await page.close();
  });

  test('metrics: rate by service as time series, exemplars open their trace', async () => {
    const page = await newPage();
    await page.goto(`${api}/traceql?view=metrics&q=${encodeURIComponent('{ }')}&by=resource.service.name`);
    await page.locator('.u-legend').waitFor();
    const legend = (await page.locator('.u-legend').textContent()) ?? '';
    assert.ok(legend.includes('resource.service.name=web') && legend.includes('resource.service.name=api'), legend);
    assert.equal(await page.getByTestId('traceql-metrics-query').textContent(), '{ } | rate() by(resource.service.name)');
    await page.screenshot({ path: join(SHOTS, 'traceql-rate.png') });
    await page.getByTestId('traceql-exemplar').first().click();
    await page.waitForURL(/\/trace\/[0-9a-f]{32}\?span=/);
    await page.close();
  });

  test('metrics: duration heatmap with exemplars; a dragged region opens the cohort comparison', async () => {
    const page = await newPage();
    await page.goto(`${api}/traceql?view=metrics&fn=heatmap&q=${encodeURIComponent('{ resource.service.name = "api" }')}`);
    const heat = page.getByTestId('traceql-heatmap');
    await heat.waitFor();
    assert.ok(Number(await heat.getAttribute('data-cells')) > 0);
    assert.ok((await page.getByTestId('heatmap-exemplar').count()) > 0);
    await page.screenshot({ path: join(SHOTS, 'traceql-heatmap.png') });
    // Drag a box over the whole upper half: the slow (800 ms) bucket, not the 20 ms one.
    const box = (await heat.boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 4, { steps: 5 });
    await page.mouse.move(box.x + box.width - 2, box.y + box.height * 0.45, { steps: 5 });
    await page.mouse.up();
    const summary = page.getByTestId('heatmap-selection-summary');
    await summary.waitFor();
    const n = Number(/(\d+) spans selected/.exec((await summary.textContent()) ?? '')?.[1]);
    assert.ok(n > 0 && n <= TRACES / 3, `selected ${n}`);
    await page.getByTestId('heatmap-compare').click();
    await page.waitForURL(/\/compare\?/);
    const sel = new URLSearchParams(new URL(page.url()).searchParams.get('selection')!);
    assert.equal(sel.get('service'), 'api');
    assert.ok(Number(sel.get('minDuration')) > 20_000_000, `minDuration ${sel.get('minDuration')}`);
    await page.close();
  });
});
