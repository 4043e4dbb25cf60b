// The log explorer, span links followed both ways, the truncated-trace notice and the login redirect after a
// session ends, in real Chromium against a real Sextant fed over its OTLP/HTTP receiver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startSextant } from '@sextant/server';
import { REPO_ROOT } from '../../../testing/fixtures.js';
import { builtUiDir, launchChromium, type TestBrowser } from '../../../testing/chromium.js';

const SHOTS = resolve(REPO_ROOT, 'test-output/screenshots');
const XSS = '<img src=x onerror="window.__pwned=1">';
const MAX_SPANS = 40;
const ORDER = 'cdd0cdd0cdd0cdd0cdd0cdd0cdd0cd01';
const BATCH = 'ba7c4ba7c4ba7c4ba7c4ba7c4ba7c4b1';
const HUGE = '4a9e4a9e4a9e4a9e4a9e4a9e4a9e4a91';
const ROOT = '00000000000000a1';
const CHARGE = '00000000000000a2';
const BATCH_SPAN = '00000000000000b1';
const LOST_LINK_SPAN = '00000000000000b2';
const MS = 1_000_000n;
const T0 = BigInt(Date.now() - 5 * 60_000) * MS;
const BROWSER_TOKEN = 'logs-ui-token-7777bbbb7777bbbb';

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

/** An order (api → payments) and a batch job whose span links back to the order's root span. */
function traces() {
  const span = (traceId: string, spanId: string, parent: string, name: string, from: bigint, ms: bigint, extra: Record<string, unknown> = {}) => ({
    traceId, spanId, parentSpanId: parent, name, kind: 2, startTimeUnixNano: `${from}`, endTimeUnixNano: `${from + ms * MS}`, attributes: [], status: {}, ...extra,
  });
  const rs = (service: string, spans: unknown[]) => ({ resource: { attributes: [str('service.name', service)] }, scopeSpans: [{ scope: { name: 'logs-ui-test' }, spans }] });
  const huge = Array.from({ length: MAX_SPANS + 20 }, (_, i) => span(HUGE, hex(i + 1, 16), i === 0 ? '' : hex(1, 16), `step ${i}`, T0 + BigInt(i) * MS, 1n));
  return {
    resourceSpans: [
      rs('api', [span(ORDER, ROOT, '', 'POST /orders', T0, 40n)]),
      rs('payments', [span(ORDER, CHARGE, ROOT, 'charge card', T0 + 5n * MS, 30n, { status: { code: 2, message: 'declined' } })]),
      rs('batch', [
        span(BATCH, BATCH_SPAN, '', 'settle orders', T0 + 60_000n * MS, 10n, { links: [{ traceId: ORDER, spanId: ROOT, attributes: [str('reason', 'settles')] }] }),
        // Names a span of the order that was never stored: shown on the order's root span.
        span(BATCH, LOST_LINK_SPAN, BATCH_SPAN, 'audit', T0 + 60_001n * MS, 1n, { links: [{ traceId: ORDER, spanId: 'ffffffffffffffff', attributes: [] }] }),
      ]),
      rs('bulk', huge),
    ],
  };
}

/** Lines of the order's two services at known times, one with markup in its body and an attribute. */
function logs() {
  const line = (ms: bigint, severityNumber: number, severityText: string, body: string, spanId: string, attributes: unknown[]) => ({
    timeUnixNano: `${T0 + ms * MS}`, observedTimeUnixNano: `${T0 + ms * MS}`, severityNumber, severityText, body: { stringValue: body },
    attributes, traceId: spanId ? ORDER : '', spanId,
  });
  const rl = (service: string, logRecords: unknown[]) => ({ resource: { attributes: [str('service.name', service)] }, scopeLogs: [{ scope: { name: 'pino' }, logRecords }] });
  return {
    resourceLogs: [
      rl('api', [
        line(1n, 9, 'INFO', 'order received', ROOT, [str('order.id', 'o-17')]),
        line(38n, 17, 'ERROR', 'order failed: payment declined', ROOT, [str('order.id', 'o-17')]),
      ]),
      rl('payments', [
        line(6n, 13, 'WARN', `card check slow ${XSS}`, CHARGE, [str('card.brand', XSS)]),
        line(30n, 17, 'ERROR', 'charge declined by issuer', CHARGE, [str('order.id', 'o-17'), str('issuer', 'acme')]),
      ]),
      rl('cron', [line(50n, 9, 'INFO', 'nightly cleanup ran', '', [])]),
    ],
  };
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(res.ok, `POST ${url}: ${res.status} ${await res.text()}`);
}

let server: Awaited<ReturnType<typeof startSextant>>;
let chromium: TestBrowser;

const newPage = (theme?: 'light' | 'dark') => chromium.newPage(theme);

const rowTexts = (page: Page) => page.getByTestId('log-body').allInnerTexts();

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpHttpPort: 0, otlpGrpcPort: 0, zipkinPort: 0, uiDir: builtUiDir(), maxTraceSpans: MAX_SPANS });
  await post(`${server.urls.otlpHttp}/v1/traces`, traces());
  await post(`${server.urls.otlpHttp}/v1/logs`, logs());
  chromium = await launchChromium({ name: 'logs-ui' });
});

after(async () => {
  await chromium?.close();
  await server?.close();
});

describe('log explorer', () => {
  test('lists lines newest first; text, severity, service and attribute filters live in the URL; values are escaped', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/logs`);
    await page.getByTestId('log-row').first().waitFor();
    assert.deepEqual(await rowTexts(page), ['nightly cleanup ran', 'order failed: payment declined', 'charge declined by issuer', `card check slow ${XSS}`, 'order received']);
    assert.equal(await page.getByTestId('log-row').first().getAttribute('data-trace-id'), null, 'an uncorrelated line has no trace');
    assert.equal(await page.getByTestId('log-row').nth(1).getAttribute('data-trace-id'), ORDER);
    // Markup in a body and an attribute is text, never elements.
    assert.equal(await page.locator('.trace-logs img').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.ok((await page.locator('.log-attr').allInnerTexts()).includes(`card.brand=${XSS}`));
    await page.screenshot({ path: join(SHOTS, 'logs.png') });

    await page.getByLabel('Text in the message').fill('DECLINED');
    await page.getByRole('button', { name: 'Search logs' }).click();
    await page.waitForURL(/[?&]q=DECLINED/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-row"]').length === 2);
    assert.deepEqual(await rowTexts(page), ['order failed: payment declined', 'charge declined by issuer']);

    await page.getByLabel('Service').selectOption('payments');
    await page.getByRole('button', { name: 'Search logs' }).click();
    await page.waitForURL(/service=payments/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-row"]').length === 1);
    assert.deepEqual(await rowTexts(page), ['charge declined by issuer']);

    // Severity is "at least": warn and above, of every service, with no text.
    await page.goto(`${server.urls.api}/logs?severity=warn`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-row"]').length === 3);
    assert.equal(await page.getByLabel('Severity').inputValue(), 'warn');
    assert.deepEqual(await rowTexts(page), ['order failed: payment declined', 'charge declined by issuer', `card check slow ${XSS}`]);

    // An attribute chip narrows to the lines that carry it, and the form shows the filter.
    await page.locator('.log-attr', { hasText: 'issuer=acme' }).click();
    await page.waitForURL(/attr\.issuer=acme/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-row"]').length === 1);
    assert.deepEqual(await page.getByLabel('Attribute key').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value)), ['issuer']);
    await page.close();
  });

  test('a line opens its trace at its span; a trace\'s lines are one link away', async () => {
    const page = await newPage('dark');
    await page.goto(`${server.urls.api}/logs?q=issuer`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-row"]').length === 1);
    await page.screenshot({ path: join(SHOTS, 'logs-dark.png') });
    await page.getByTestId('log-row').click();
    await page.waitForURL(new RegExp(`/trace/${ORDER}\\?span=${CHARGE}$`));
    const detail = page.getByTestId('span-detail');
    await detail.waitFor();
    assert.match(await detail.innerText(), /payments · charge card/);
    assert.match(await detail.innerText(), /charge declined by issuer/);

    await page.goto(`${server.urls.api}/logs?traceId=${ORDER}`);
    await page.getByTestId('logs-scope').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-row"]').length === 4);
    await page.close();
  });

  test('older lines load page by page, each once, and the live tail shows a line as it arrives', async () => {
    // 45 lines of one service, many sharing a millisecond, plus one of them sent twice.
    const pagerT0 = BigInt(Date.now() - 2 * 60_000) * MS;
    const line = (i: number) => ({
      timeUnixNano: `${pagerT0 + BigInt(Math.floor(i / 3)) * MS}`, observedTimeUnixNano: `${pagerT0}`, severityNumber: 9, severityText: 'INFO',
      body: { stringValue: `pager line ${String(i).padStart(2, '0')}` }, attributes: [],
    });
    const batch = (records: unknown[]) => ({ resourceLogs: [{ resource: { attributes: [str('service.name', 'pager')] }, scopeLogs: [{ scope: { name: 'pino' }, logRecords: records }] }] });
    await post(`${server.urls.otlpHttp}/v1/logs`, batch(Array.from({ length: 45 }, (_, i) => line(i))));
    await post(`${server.urls.otlpHttp}/v1/logs`, batch([line(20)]));
    const page = await newPage();
    await page.goto(`${server.urls.api}/logs?service=pager&limit=20`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-row"]').length === 20);
    for (let pages = 1; (await page.getByTestId('logs-end').count()) === 0; pages++) {
      assert.ok(pages < 5, 'three pages of 20 hold the 46 stored lines');
      const before = await page.getByTestId('log-row').count();
      await page.getByTestId('logs-older').click();
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="log-row"]').length > n, before);
      await page.locator('[data-testid="logs-older"]:enabled, [data-testid="logs-end"]').waitFor();
    }
    assert.equal(await page.getByTestId('log-row').count(), 45);
    const bodies = await rowTexts(page);
    const ms = bodies.map((b) => Math.floor(Number(b.slice(-2)) / 3));
    assert.deepEqual(ms, [...ms].sort((a, b) => b - a), 'newest first');
    assert.deepEqual([...new Set(bodies)].sort(), Array.from({ length: 45 }, (_, i) => `pager line ${String(i).padStart(2, '0')}`), 'every line once, the re-sent one too');

    await page.getByTestId('logs-live').check();
    await page.getByText('live: new lines appear at the top').waitFor();
    await post(`${server.urls.otlpHttp}/v1/logs`, batch([{ ...line(0), timeUnixNano: `${BigInt(Date.now()) * MS}`, body: { stringValue: 'pager line live' } }]));
    await page.waitForFunction(() => document.querySelector('[data-testid="log-body"]')?.textContent === 'pager line live', undefined, { timeout: 30_000 });
    assert.equal(await page.getByTestId('log-row').count(), 46);
    // A burst of more lines than the tail reads in one page (200) between two polls: none of them is skipped.
    const burstT0 = BigInt(Date.now()) * MS;
    await post(`${server.urls.otlpHttp}/v1/logs`, batch(Array.from({ length: 250 }, (_, i) => ({ ...line(0), timeUnixNano: `${burstT0 + BigInt(i) * 1000n}`, body: { stringValue: `burst ${i}` } }))));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-row"]').length >= 296, undefined, { timeout: 30_000 });
    assert.equal(await page.getByTestId('log-row').count(), 296, 'the single live line, the 45 before it and all 250 of the burst');
    await page.screenshot({ path: join(SHOTS, 'logs-live.png') });
    await page.close();
  });

  test('the API refuses bad filters with a clear message', async () => {
    const bad = await fetch(`${server.urls.api}/api/v1/logs?severity=loud`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /severity: 'loud' is not one of trace, debug, info, warn, error, fatal/);
    const many = new URLSearchParams(Array.from({ length: 40 }, (_, i) => [`attr.k${i}`, 'v']));
    assert.equal((await fetch(`${server.urls.api}/api/v1/logs?${many}`)).status, 400);
    const cursor = await fetch(`${server.urls.api}/api/v1/logs?cursor=yesterday`);
    assert.equal(cursor.status, 400);
    assert.match(((await cursor.json()) as { error: string }).error, /cursor: 'yesterday' is not a cursor from a log search answer's nextCursor/);
    const within = await fetch(`${server.urls.api}/api/v1/traces/${ORDER}/linked-from?within=40d`);
    assert.equal(within.status, 400);
    assert.match(((await within.json()) as { error: string }).error, /within: at most 31 days/);
  });
});

describe('one API client', () => {
  test('pages share the stored services list instead of each reading it again', async () => {
    const page = await newPage();
    const reads: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/services') reads.push(r.url());
    });
    await page.goto(`${server.urls.api}/search`);
    await page.getByRole('option', { name: 'payments' }).first().waitFor({ state: 'attached' });
    for (const name of ['Logs', 'Search', 'Logs']) {
      await page.getByRole('link', { name, exact: true }).click();
      await page.getByRole('option', { name: 'payments' }).first().waitFor({ state: 'attached' });
    }
    assert.equal(reads.length, 1, reads.join('\n'));
    await page.close();
  });
});

describe('span links', () => {
  test('are followed both ways: the linked-to span lists who links to it, and that span links back', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/trace/${ORDER}?span=${ROOT}`);
    const detail = page.getByTestId('span-detail');
    const incoming = detail.getByTestId('incoming-link');
    await incoming.first().waitFor();
    assert.deepEqual(await incoming.allInnerTexts(), [`batch · audit trace ${BATCH} · span ${LOST_LINK_SPAN}`, `batch · settle orders trace ${BATCH} · span ${BATCH_SPAN}`]);
    await page.screenshot({ path: join(SHOTS, 'span-links-incoming.png') });
    await incoming.nth(1).getByRole('link').click();
    await page.waitForURL(new RegExp(`/trace/${BATCH}\\?span=${BATCH_SPAN}$`));
    await detail.getByText(`trace ${ORDER} · span ${ROOT}`).click();
    await page.waitForURL(new RegExp(`/trace/${ORDER}\\?span=${ROOT}$`));
    await incoming.first().waitFor();
    // Only the span a link names lists it.
    await page.goto(`${server.urls.api}/trace/${ORDER}?span=${CHARGE}`);
    await detail.waitFor();
    assert.match(await detail.innerText(), /charge card/);
    assert.equal(await incoming.count(), 0);
    await page.close();
  });
});

describe('big traces', () => {
  test('a trace capped by --max-trace-spans says so and how to see the rest', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/trace/${HUGE}`);
    const notice = page.getByTestId('trace-truncated');
    await notice.waitFor();
    assert.match(await notice.innerText(), new RegExp(`only its first ${MAX_SPANS} spans by start time are shown`));
    assert.match(await notice.innerText(), /--max-trace-spans/);
    await page.getByTestId('span-row').first().waitFor();
    assert.ok((await page.getByTestId('span-row').count()) <= MAX_SPANS);
    await page.goto(`${server.urls.api}/trace/${ORDER}`);
    await page.getByTestId('span-row').first().waitFor();
    assert.equal(await notice.count(), 0, 'a whole trace has no notice');
    await page.close();
  });
});

describe('sessions', () => {
  test('when the session ends, the next API answer (401) opens the login page, which leads back', async () => {
    const secured = await startSextant({
      memory: true, host: '127.0.0.1', port: 0, otlpHttpPort: 0, otlpGrpcPort: 0, zipkinPort: 0, uiDir: builtUiDir(),
      queryAuth: { mode: 'token', browserToken: BROWSER_TOKEN, sessionTtlMs: 3_000 },
    });
    const page = await newPage();
    try {
      await post(`${secured.urls.otlpHttp}/v1/traces`, traces());
      await post(`${secured.urls.otlpHttp}/v1/logs`, logs());
      await page.goto(`${secured.urls.api}/login?t=${BROWSER_TOKEN}&next=/search`);
      await page.getByTestId('trace-row').first().waitFor();
      // The session (and its cookie) lapse while the page stays open; the user then moves on inside the app.
      await page.waitForTimeout(3_500);
      await page.getByRole('link', { name: 'Logs', exact: true }).click();
      await page.waitForURL(/\/login\?next=%2Flogs/);
      await page.fill('input[name=t]', BROWSER_TOKEN);
      await page.click('button[type=submit]');
      await page.waitForURL(/\/logs$/);
      await page.getByTestId('log-row').first().waitFor();
    } finally {
      await page.close();
      await secured.close();
    }
  });
});
