// A light and a dark screenshot of every page and every trace tab (test-output/screenshots/pages/NAME-THEME.png),
// against a real Sextant fed with the shared recorded traces (moved to the last minutes, so that every page's
// default time range holds them) and log lines beside them. Each page is shot once what it shows has arrived and
// the network is idle, never after a fixed wait, so a busy machine makes the test slower, not flaky; each shot
// checks that the theme really applied (the page background of dark is dark, of light is light).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { decodeZipkinV2, encodeOtlpJsonLogs, encodeTraceRequest, emptyScope, type LogRecord, type Span } from '@sextant/core';
import { startSextant } from '@sextant/server';
import { REPO_ROOT, readFixtureJson } from '../../../testing/fixtures.js';
import { builtUiDir, launchChromium, type TestBrowser } from '../../../testing/chromium.js';

const SHOTS = resolve(REPO_ROOT, 'test-output/screenshots/pages');
const MS = 1_000_000n;
/** Copies of the Yelp trace per speed: the slow ones run 3× longer, so that a cohort has something to find. */
const COPIES = 6;

let server: Awaited<ReturnType<typeof startSextant>>;
let chromium: TestBrowser;

/** `spans` moved so that the trace starts at `at`, stretched by `scale`, under a new trace id. */
function retimed(spans: readonly Span[], traceId: string, at: bigint, scale: bigint): Span[] {
  const t0 = spans.reduce((m, s) => (s.startTimeUnixNano < m ? s.startTimeUnixNano : m), spans[0]!.startTimeUnixNano);
  const move = (t: bigint) => at + (t - t0) * scale;
  return spans.map((s) => ({
    ...s,
    traceId,
    startTimeUnixNano: move(s.startTimeUnixNano),
    endTimeUnixNano: move(s.endTimeUnixNano),
    events: s.events.map((e) => ({ ...e, timeUnixNano: move(e.timeUnixNano) })),
  }));
}

const fixture = (name: string) => decodeZipkinV2(readFixtureJson(`zipkin/${name}`)).items;
const SMART = 'feed00000000000000000000000000a1';
const yelpId = (k: number) => `feed000000000000000000000000b${k.toString(16).padStart(3, '0')}`;

/** One log line per tenth span of the SmartThings trace, at its span's start, with a severity mix. */
function logsFor(spans: readonly Span[]): LogRecord[] {
  const levels: [number, string][] = [[9, 'INFO'], [9, 'INFO'], [13, 'WARN'], [17, 'ERROR'], [5, 'DEBUG']];
  return spans
    .filter((_, i) => i % 10 === 0)
    .map((s, i) => {
      const [severityNumber, severityText] = levels[i % levels.length]!;
      return {
        timeUnixNano: s.startTimeUnixNano,
        observedTimeUnixNano: s.startTimeUnixNano,
        severityNumber,
        severityText,
        body: `${s.name} ${severityText === 'ERROR' ? 'failed' : 'handled'} (${i})`,
        attributes: [{ key: 'request.n', value: BigInt(i) }],
        droppedAttributesCount: 0,
        flags: 1,
        traceId: s.traceId,
        spanId: s.spanId,
        eventName: '',
        resource: s.resource,
        scope: { ...emptyScope(), name: 'pino' },
      };
    });
}

async function post(url: string, body: BodyInit, type: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
  assert.ok(res.ok, `POST ${url}: ${res.status} ${await res.text()}`);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpHttpPort: 0, otlpGrpcPort: 0, zipkinPort: 0, uiDir: builtUiDir() });
  const now = BigInt(Date.now()) * MS;
  const smart = retimed(fixture('smartthings-mobile-web-install.json'), SMART, now - 10n * 60_000n * MS, 1n);
  const yelp = fixture('yelp.json');
  const spans = [...smart];
  for (let k = 0; k < COPIES; k++) spans.push(...retimed(yelp, yelpId(k), now - BigInt(9 - k) * 60_000n * MS, k < 2 ? 3n : 1n));
  ['messaging-kafka.json', 'skew.json', 'simple-db-p6.json'].forEach((name, i) => spans.push(...retimed(fixture(name), `feed00000000000000000000000000c${i}`, now - 3n * 60_000n * MS, 1n)));
  await post(`${server.urls.otlpHttp}/v1/traces`, encodeTraceRequest(spans), 'application/x-protobuf');
  await post(`${server.urls.otlpHttp}/v1/logs`, JSON.stringify(encodeOtlpJsonLogs(logsFor(smart)), (_k, v) => (typeof v === 'bigint' ? String(v) : v)), 'application/json');
  chromium = await launchChromium({ name: 'screenshots' });
});

after(async () => {
  await chromium?.close();
  await server?.close();
});

/** What to open and what shows that it has arrived. */
const PAGES: [name: string, path: () => string, ready: string][] = [
  ['search', () => '/search', '[data-testid=trace-row]'],
  ['traceql', () => `/traceql?${new URLSearchParams({ q: '{ resource.service.name = "coreSrv" }' })}`, '[data-testid=traceql-trace]'],
  ['logs', () => '/logs', '[data-testid=log-row]'],
  ['map', () => '/map', '[data-testid=service-node]'],
  ['services', () => '/services', 'table.data tbody tr'],
  ['compare-picker', () => '/compare', '[data-testid=compare-candidate]'],
  ['compare', () => `/compare?a=${yelpId(0)}&b=${yelpId(3)}`, '[data-testid=what-changed]'],
  ['cohort', () => `/compare?${new URLSearchParams({ selection: new URLSearchParams({ traceMinDuration: `${yelpSlowMs()}ms`, lookback: '1h' }).toString() })}`, '[data-testid=cohort-structure-row]'],
  ['health', () => '/health', '[data-testid=health-summary]'],
  ['cost', () => '/cost', '[data-testid=cost-summary]'],
  ['upload', () => '/upload', '.drop'],
  ['trace', () => `/trace/${SMART}`, '[data-testid=span-row]'],
  ['trace-span-detail', () => `/trace/${SMART}?span=${firstChild()}`, '[data-testid=span-detail]'],
  ['trace-flame', () => `/trace/${SMART}?tab=flame`, '[data-testid=flamegraph]'],
  ['trace-spans', () => `/trace/${SMART}?tab=spans`, '[data-testid=span-table-row]'],
  ['trace-critical', () => `/trace/${SMART}?tab=critical`, '[data-testid=critical-path-row]'],
  ['trace-repeated', () => `/trace/${SMART}?tab=repeated`, '[data-testid=repeated-calls]'],
  ['trace-selftime', () => `/trace/${SMART}?tab=selftime`, '.tab-body table'],
  ['trace-quality', () => `/trace/${SMART}?tab=quality`, '.tab-body .panel, .tab-body [data-testid=quality-finding]'],
  ['trace-logs', () => `/trace/${SMART}?tab=logs`, '[data-testid=trace-log-row]'],
];

let slowMs = 0;
let child = '';
const yelpSlowMs = () => slowMs;
const firstChild = () => child;

async function ready(page: Page, selector: string): Promise<void> {
  await page.locator(selector).first().waitFor({ timeout: 120_000 });
  await page.waitForLoadState('networkidle', { timeout: 120_000 });
  await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))));
}

/** Relative luminance of the page background, 0 (black) to 1 (white). */
function backgroundLuminance(page: Page): Promise<number> {
  return page.evaluate(() => {
    const m = /rgba?\((\d+), (\d+), (\d+)/.exec(getComputedStyle(document.body).backgroundColor);
    if (!m) return -1;
    const [r, g, b] = [m[1], m[2], m[3]].map((x) => Number(x) / 255);
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  });
}

describe('screenshots of every page, light and dark', () => {
  test('each page and trace tab renders its content in both themes', { timeout: 900_000 }, async () => {
    const yelp = (await (await fetch(`${server.urls.api}/api/v1/traces?lookback=1h&limit=50`)).json()) as { traces: { traceId: string; durationNano: string }[] };
    const durations = yelp.traces.filter((t) => t.traceId.startsWith('feed000000000000000000000000b')).map((t) => Number(BigInt(t.durationNano) / MS));
    assert.equal(durations.length, COPIES);
    slowMs = Math.max(...durations) - 1;
    const stored = await server.store.getTrace(SMART);
    child = stored.find((s) => s.parentSpanId !== '')!.spanId;

    for (const theme of ['light', 'dark'] as const) {
      const page = await chromium.newPage(theme);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      for (const [name, path, selector] of PAGES) {
        await page.goto(`${server.urls.api}${path()}`);
        await ready(page, selector);
        assert.equal(await page.locator('[data-testid=view-error]').count(), 0, `${name} (${theme}) shows no error`);
        assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme, `${name} is in the ${theme} theme`);
        const lum = await backgroundLuminance(page);
        assert.ok(theme === 'dark' ? lum >= 0 && lum < 0.3 : lum > 0.7, `${name} (${theme}): background luminance ${lum.toFixed(2)}`);
        await page.screenshot({ path: join(SHOTS, `${name}-${theme}.png`), animations: 'disabled', caret: 'hide' });
      }
      assert.deepEqual(errors, [], `no script errors in the ${theme} theme`);
      await page.close();
    }
  });
});
