// End-to-end tests of the web UI: a real Sextant server (in-process, in-memory store) fed with recorded traces
// over its real receivers, and real Chromium driving the built UI. Screenshots land in test-output/screenshots.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { decodeOtlpJsonTraces } from '@sextant/core';
import { startSextant } from '@sextant/server';
import { REPO_ROOT, fixturePath, readFixtureJson, readFixtureText } from '../../../testing/fixtures.js';

const UI_DIR = resolve(REPO_ROOT, 'packages/ui/dist');
const SHOTS = resolve(REPO_ROOT, 'test-output/screenshots');
const XSS = '<img src=x onerror=alert(1)>';
const XSS_TRACE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const BIG_TRACE = 'b16b16b16b16b16b16b16b16b16b16b1';
const BIG_SPANS = 50_000;

type ZipkinSpan = { traceId: string; id: string; localEndpoint?: { serviceName?: string } };

let server: Awaited<ReturnType<typeof startSextant>>;
let browser: BrowserContext;
let userDataDir: string;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(res.ok, `POST ${url} answered ${res.status}: ${await res.text()}`);
}

/** A trace carrying hostile markup in a span attribute, a resource attribute and the span name, plus an error. */
function xssTrace() {
  const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'checkout'), str('host.name', XSS)] },
        scopeSpans: [
          {
            scope: { name: 'ui-test' },
            spans: [
              {
                traceId: XSS_TRACE,
                spanId: '1111111111111111',
                name: 'POST /checkout',
                kind: 2,
                startTimeUnixNano: `${t0}`,
                endTimeUnixNano: `${t0 + 120_000_000n}`,
                attributes: [str('comment', XSS), str('http.route', '/checkout')],
                status: {},
              },
              {
                traceId: XSS_TRACE,
                spanId: '2222222222222222',
                parentSpanId: '1111111111111111',
                name: XSS,
                kind: 3,
                startTimeUnixNano: `${t0 + 10_000_000n}`,
                endTimeUnixNano: `${t0 + 90_000_000n}`,
                attributes: [],
                status: { code: 2, message: 'card declined' },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** A synthetic 50,000-span trace: a root with 500 requests of 99 nested/sibling calls, across 20 services. */
function bigTraceBatches(batchSize: number) {
  const t0 = BigInt(Date.now() - 120_000) * 1_000_000n;
  const spans: { svc: number; span: Record<string, unknown> }[] = [];
  for (let i = 0; i < BIG_SPANS; i++) {
    // Span i has id i+1. Groups of 100: the head (i % 100 === 1) hangs under the root, the other 99 under it.
    const head = Math.floor((i - 1) / 100) * 100 + 1;
    const parent = i === 0 ? '' : i === head || head === 1 ? hex(1, 16) : hex(head + 1, 16);
    const start = t0 + BigInt(i) * 10_000n;
    spans.push({
      svc: i % 20,
      span: {
        traceId: BIG_TRACE,
        spanId: hex(i + 1, 16),
        parentSpanId: parent,
        name: `op-${i % 37}`,
        kind: i % 2 ? 3 : 2,
        startTimeUnixNano: `${start}`,
        // Group heads outlast their 99 children, so the trace is well nested (no clock-skew correction).
        endTimeUnixNano: `${i === 0 ? t0 + BigInt(BIG_SPANS) * 10_000n + 1_000_000n : start + (i % 100 === 1 ? 1_500_000n : 500_000n)}`,
        attributes: [{ key: 'i', value: { intValue: `${i}` } }],
        status: {},
      },
    });
  }
  const batches = [];
  for (let b = 0; b < spans.length; b += batchSize) {
    const bySvc = new Map<number, Record<string, unknown>[]>();
    for (const { svc, span } of spans.slice(b, b + batchSize)) {
      if (!bySvc.has(svc)) bySvc.set(svc, []);
      bySvc.get(svc)!.push(span);
    }
    batches.push({
      resourceSpans: [...bySvc].map(([svc, list]) => ({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${svc}` } }] },
        scopeSpans: [{ scope: { name: 'synthetic' }, spans: list }],
      })),
    });
  }
  return batches;
}

/** Start of the cohort traces: half an hour back, so that no other test's traces share their time window. */
const COHORT_T0 = BigInt(Date.now() - 30 * 60_000) * 1_000_000n;
const SLOW_QUERIES = 12;

/**
 * Ten `GET /orders` traces of one service: four slow ones run `SELECT order_items` 12 times in a row and carry
 * `customer.tier=enterprise`; six fast ones run it once and carry `customer.tier=free`. Both make one auth call.
 */
function cohortTraces(): { batch: unknown; slowIds: string[] } {
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const ms = 1_000_000n;
  const spans: Record<string, unknown>[] = [];
  const slowIds: string[] = [];
  for (let t = 0; t < 10; t++) {
    const slow = t < 4;
    const traceId = `c0ffee${hex(t, 26)}`;
    if (slow) slowIds.push(traceId);
    const start = COHORT_T0 + BigInt(t) * 1000n * ms;
    const queries = slow ? SLOW_QUERIES : 1;
    const rootId = hex(t * 100 + 1, 16);
    const child = (n: number, name: string, from: bigint, durMs: bigint, attributes: unknown[]) => ({
      traceId,
      spanId: hex(t * 100 + 2 + n, 16),
      parentSpanId: rootId,
      name,
      kind: 3,
      startTimeUnixNano: `${from}`,
      endTimeUnixNano: `${from + durMs * ms}`,
      attributes,
      status: {},
    });
    spans.push(child(0, 'auth check', start + ms, 5n, []));
    for (let q = 0; q < queries; q++)
      spans.push(child(1 + q, 'SELECT order_items', start + 10n * ms + BigInt(q) * 25n * ms, 20n, [str('db.system', 'postgresql')]));
    spans.push({
      traceId,
      spanId: rootId,
      name: 'GET /orders',
      kind: 2,
      startTimeUnixNano: `${start}`,
      endTimeUnixNano: `${start + (20n + BigInt(queries) * 25n) * ms}`,
      attributes: [str('customer.tier', slow ? 'enterprise' : 'free'), ...(slow ? [str('cohort.note', XSS)] : [])],
      status: {},
    });
  }
  const batch = {
    resourceSpans: [{ resource: { attributes: [str('service.name', 'orders')] }, scopeSpans: [{ scope: { name: 'ui-test' }, spans }] }],
  };
  return { batch, slowIds };
}

async function newPage(theme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await browser.newPage();
  await page.emulateMedia({ colorScheme: theme });
  page.on('dialog', (d) => {
    throw new Error(`unexpected dialog: ${d.message()}`);
  });
  return page;
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** Full trace id as stored for a Zipkin fixture (64-bit Zipkin ids are left-padded to 128 bits). */
async function storedTraceId(zipkinId: string): Promise<string> {
  const res = await fetch(`${server.urls.api}/api/v1/traces?limit=100`);
  const body = (await res.json()) as { traces: { traceId: string }[] };
  const hit = body.traces.find((t) => t.traceId.endsWith(zipkinId));
  assert.ok(hit, `trace ${zipkinId} is searchable`);
  return hit.traceId;
}

before(async () => {
  if (!existsSync(join(UI_DIR, 'index.html'))) {
    const r = spawnSync('npm', ['run', 'build', '-w', '@sextant/ui'], { cwd: REPO_ROOT, stdio: 'inherit' });
    assert.equal(r.status, 0, 'UI build');
  }
  mkdirSync(SHOTS, { recursive: true });
  server = await startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpHttpPort: 0, otlpGrpcPort: 0, zipkinPort: 0, uiDir: UI_DIR });
  for (const f of ['zipkin/smartthings-mobile-web-install.json', 'zipkin/yelp.json']) {
    const res = await fetch(`${server.urls.zipkin}/api/v2/spans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: readFixtureText(f),
    });
    assert.ok(res.ok, `zipkin ${f}: ${res.status}`);
  }
  await post(`${server.urls.otlpHttp}/v1/traces`, xssTrace());
  for (const batch of bigTraceBatches(5_000)) await post(`${server.urls.otlpHttp}/v1/traces`, batch);
  userDataDir = mkdtempSync(join(tmpdir(), 'sextant-ui-chromium-'));
  // A fresh profile per run: nothing cached or remembered from an earlier run can make a test pass.
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe('web UI', () => {
  test('search lists the ingested traces, with span counts and services', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/search`);
    const rows = page.getByTestId('trace-row');
    await rows.first().waitFor();
    const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id') ?? ''));
    for (const z of ['14b60fd9ae504820', 'a03ee8fff1dcd9b9']) assert.ok(ids.some((id) => id.endsWith(z)), `${z} in ${ids}`);
    assert.ok(ids.includes(XSS_TRACE));
    const summaries = (await (await fetch(`${server.urls.api}/api/v1/traces?limit=100`)).json()) as {
      traces: { traceId: string; spanCount: number }[];
    };
    const smart = summaries.traces.find((t) => t.traceId.endsWith('14b60fd9ae504820'))!;
    const smartRow = page.locator(`[data-testid="trace-row"][data-trace-id="${smart.traceId}"]`);
    assert.match(await smartRow.innerText(), new RegExp(`${smart.spanCount} spans`), 'the row shows the span count');
    await shot(page, 'search');

    await page.goto(`${server.urls.api}/search?service=yelp-main`);
    await page.getByTestId('trace-row').first().waitFor();
    const filtered = await page.getByTestId('trace-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id')));
    assert.equal(filtered.length, 1);
    assert.ok(filtered[0]!.endsWith('a03ee8fff1dcd9b9'));
    await page.close();
  });

  test('the trace page shows every span, marks the critical path and opens span details', async () => {
    const traceId = await storedTraceId('14b60fd9ae504820');
    const page = await newPage();
    await page.goto(`${server.urls.api}/trace/${traceId}`);
    await page.getByTestId('span-row').first().waitFor();
    await shot(page, 'trace');

    // Rows are virtualised: scroll through the list and collect every row that was rendered.
    const seen = await page.evaluate(async () => {
      const box = document.querySelector('.rows') as HTMLElement;
      const ids: string[] = [];
      const keys = new Set<string>();
      let critical = 0;
      for (let top = 0; ; top += box.clientHeight / 2) {
        box.scrollTop = top;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        for (const el of document.querySelectorAll<HTMLElement>('[data-testid="span-row"]')) {
          const key = `${el.dataset.spanId}@${el.style.top}`;
          if (keys.has(key)) continue;
          keys.add(key);
          ids.push(el.dataset.spanId!);
          if (el.dataset.critical === 'true') critical++;
        }
        if (top > box.scrollHeight) break;
      }
      return { ids, critical };
    });
    // The Zipkin decoder merges fragments of one span, so the stored trace is the reference for the row count;
    // every span id of the recorded file must still have a row.
    const fixture = readFixtureJson<ZipkinSpan[]>('zipkin/smartthings-mobile-web-install.json');
    const stored = decodeOtlpJsonTraces(await (await fetch(`${server.urls.api}/api/v1/traces/${traceId}`)).json()).items;
    assert.equal(seen.ids.length, stored.length, 'one row per stored span');
    assert.deepEqual(new Set(seen.ids), new Set(fixture.map((s) => s.id)));
    assert.ok(seen.critical > 0, 'critical-path spans are marked');
    const analysis = (await (await fetch(`${server.urls.api}/api/v1/traces/${traceId}/analysis`)).json()) as {
      criticalPath: { spanId: string }[];
    };
    const first = page.getByTestId('span-row').first();
    await page.evaluate(() => ((document.querySelector('.rows') as HTMLElement).scrollTop = 0));
    assert.equal(await first.getAttribute('data-critical'), 'true', 'the root span is on the critical path');
    assert.ok(analysis.criticalPath.some((c) => c.spanId === (fixture.find((s) => !('parentId' in s)) as ZipkinSpan).id));

    await first.click();
    const detail = page.getByTestId('span-detail');
    await detail.waitFor();
    assert.match(await detail.innerText(), /span id/);
    assert.match(new URL(page.url()).search, /span=/, 'the open span is in the URL');
    await shot(page, 'trace-detail');

    // Keyboard: Down moves the selection, Enter opens it.
    await page.locator('.timeline').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const second = await page.getByTestId('span-row').nth(1).getAttribute('data-span-id');
    assert.equal(new URL(page.url()).searchParams.get('span'), second);

    await page.getByRole('tab', { name: /Self time/ }).click();
    await page.locator('table.data tbody tr').first().waitFor();
    await shot(page, 'trace-selftime');
    await page.close();
  });

  test('error spans and the root cause are marked', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/trace/${XSS_TRACE}`);
    const err = page.locator('[data-testid="span-row"][data-error="true"]');
    await err.first().waitFor();
    assert.equal(await err.count(), 1);
    assert.equal(await err.getAttribute('data-span-id'), '2222222222222222');
    assert.match(await page.locator('.callout').first().innerText(), /Root cause/);
    await page.close();
  });

  test('attribute values and span names are shown as text, never as markup', async () => {
    const page = await newPage();
    let alerted = false;
    page.removeAllListeners('dialog');
    page.on('dialog', async (d) => {
      alerted = true;
      await d.dismiss();
    });
    await page.goto(`${server.urls.api}/trace/${XSS_TRACE}?span=1111111111111111`);
    const detail = page.getByTestId('span-detail');
    await detail.waitFor();
    const text = await detail.innerText();
    assert.ok(text.includes(XSS), 'the attribute value is visible as text');
    assert.ok((await page.getByTestId('span-row').nth(1).innerText()).includes(XSS), 'the span name is visible as text');
    assert.equal(await page.locator('img').count(), 0, 'no img element was created');
    await page.goto(`${server.urls.api}/search?attr.comment=${encodeURIComponent(XSS)}`);
    await page.getByTestId('trace-row').first().waitFor();
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(alerted, false);
    await shot(page, 'xss');
    await page.close();
  });

  test('the service map shows the services of the ingested traces', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/map`);
    await page.getByTestId('service-node').first().waitFor({ timeout: 30_000 });
    const names = await page.getByTestId('service-node').evaluateAll((els) => els.map((e) => (e.getAttribute('data-service') ?? '').toLowerCase()));
    const expected = readFixtureJson<Record<string, { parent: string; child: string }[]>>('zipkin/expected-dependency-links.json');
    for (const f of ['smartthings-mobile-web-install.json', 'yelp.json']) {
      for (const link of expected[f]) {
        assert.ok(names.includes(link.parent.toLowerCase()), `${link.parent} on the map`);
        assert.ok(names.includes(link.child.toLowerCase()), `${link.child} on the map`);
      }
    }
    assert.ok((await page.getByTestId('dependency-edge').count()) > 0);
    await shot(page, 'map');
    await page.getByTestId('service-node').filter({ has: page.locator('text=/^auth$/i') }).first().click();
    await page.locator('.map-side').waitFor();
    await shot(page, 'map-service');
    await page.close();
  });

  test('the service map stays usable with 4,271 links (recorded Jaeger sample)', async () => {
    const links = readFixtureJson<{ parent: string; child: string; callCount: number }[]>('jaeger-ui/dependency-graph/large.json');
    const services = [...new Set(links.flatMap((l) => [l.parent, l.child]))];
    const graph = {
      nodes: services.map((s) => ({ service: s, callCount: links.filter((l) => l.child === s).reduce((a, l) => a + l.callCount, 0), errorCount: 0, virtual: false })),
      edges: links.map((l, i) => ({
        ...l,
        errorCount: i % 50 === 0 ? Math.ceil(l.callCount / 10) : 0,
        errorRate: i % 50 === 0 ? 0.1 : 0,
        p50Nano: '2000000',
        p95Nano: '15000000',
        p99Nano: '40000000',
        exampleTraceId: '',
      })),
    };
    const page = await newPage('dark');
    // The dependency answer is replaced by the recorded graph; everything else is the real UI.
    await page.route('**/api/v1/dependencies*', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify(graph) }));
    await page.goto(`${server.urls.api}/map`);
    await page.getByTestId('service-node').first().waitFor({ timeout: 60_000 });
    // 1,238 services do not fit in one legible picture: the busiest 100 are laid out, with a way to show all.
    assert.equal(await page.getByTestId('service-node').count(), 100);
    assert.ok((await page.getByTestId('dependency-edge').count()) > 100);
    assert.match(await page.locator('.map-note').innerText(), new RegExp(`100 busiest of ${services.length.toLocaleString('en-US')} services`));
    await shot(page, 'map-large');
    await page.close();
  });

  test('a 50,000-span trace opens and scrolls to its last span', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/trace/${BIG_TRACE}`);
    await page.getByTestId('span-row').first().waitFor({ timeout: 60_000 });
    assert.match(await page.locator('.trace-header').innerText(), /50,000/);
    assert.ok((await page.getByTestId('span-row').count()) < 500, 'rows are virtualised');
    await page.evaluate(() => {
      const box = document.querySelector('.rows') as HTMLElement;
      box.scrollTop = box.scrollHeight;
    });
    await page.locator(`[data-testid="span-row"][data-span-id="${hex(BIG_SPANS, 16)}"]`).waitFor();
    await shot(page, 'trace-50k');
    await page.close();
  });

  test('the cohort view ranks the planted repeated call first and links to the slow traces', async () => {
    const { batch, slowIds } = cohortTraces();
    await post(`${server.urls.otlpHttp}/v1/traces`, batch);
    const ms = 1_000_000n;
    const selection = new URLSearchParams({
      service: 'orders',
      traceMinDuration: '200ms',
      start: `${COHORT_T0 - 1000n * ms}`,
      end: `${COHORT_T0 + 20_000n * ms}`,
    }).toString();
    const page = await newPage();
    let alerted = false;
    page.removeAllListeners('dialog');
    page.on('dialog', async (d) => {
      alerted = true;
      await d.dismiss();
    });
    await page.goto(`${server.urls.api}/compare?${new URLSearchParams({ selection, baseline: 'rest' })}`);
    const structure = page.getByTestId('cohort-structure-row');
    await structure.first().waitFor();
    const top = structure.first();
    assert.equal(await top.getAttribute('data-operation'), 'SELECT order_items');
    assert.equal(await top.getAttribute('data-top'), 'true');
    assert.match(await top.innerText(), new RegExp(`${SLOW_QUERIES}×[\\s\\S]*1×`), 'calls per trace in selection and baseline');
    assert.equal(await page.locator('[data-top="true"]').count(), 1, 'only the top difference is highlighted');
    assert.equal(await page.getByTestId('cohort-critical-row').first().getAttribute('data-operation'), 'SELECT order_items');
    const tier = page.locator('[data-testid="cohort-attribute-row"][data-key="customer.tier"]');
    assert.equal(await tier.getAttribute('data-value'), 'enterprise', 'only the value the slow traces carry is attributed');
    assert.match(await tier.innerText(), /100\.0%[\s\S]*0\.0%/);
    const note = page.locator('[data-testid="cohort-attribute-row"][data-key="cohort.note"]');
    assert.ok((await note.innerText()).includes(XSS), 'the attribute value is shown as text');
    assert.equal(await page.locator('img').count(), 0);
    await shot(page, 'cohort', true);

    // The row's link opens the search for the selected traces that make that call: exactly the slow ones.
    const example = await top.getByTestId('cohort-example').getAttribute('href');
    assert.match(example ?? '', /^\/trace\/[0-9a-f]{32}$/, 'the top row links straight to an example trace');
    await top.getByRole('link', { name: 'traces →' }).click();
    await page.waitForURL(/\/search\?/);
    await page.getByTestId('trace-row').first().waitFor();
    const found = await page.getByTestId('trace-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id')));
    assert.deepEqual(new Set(found), new Set(slowIds));

    // A baseline without traces and a query the server rejects each say what to do instead of showing tables.
    await page.goto(`${server.urls.api}/compare?${new URLSearchParams({ selection, baseline: 'service=no-such-service' })}`);
    await page.getByRole('heading', { name: 'The baseline holds no traces' }).waitFor();
    assert.ok(await page.getByRole('link', { name: 'the rest of the time window' }).isVisible());
    await page.goto(`${server.urls.api}/compare?${new URLSearchParams({ selection: 'traceMinDuration=soon' })}`);
    assert.match(await page.getByRole('alert').innerText(), /Could not compare[\s\S]*'soon' is not a duration[\s\S]*the search/);
    assert.equal(alerted, false);
    await page.close();
  });

  test('services, compare, upload and dark theme render', async () => {
    const page = await newPage('dark');
    await page.goto(`${server.urls.api}/services?service=checkout`);
    await page.locator('.chart').first().waitFor();
    await shot(page, 'services');
    await page.goto(`${server.urls.api}/search`);
    await page.getByTestId('trace-row').first().waitFor();
    await shot(page, 'search-dark');
    const smart = await storedTraceId('14b60fd9ae504820');
    await page.goto(`${server.urls.api}/trace/${smart}`);
    await page.getByTestId('span-row').first().waitFor();
    await shot(page, 'trace-dark');
    await page.goto(`${server.urls.api}/upload`);
    await page.locator('input[type=file]').setInputFiles(fixturePath('zipkin/yelp.json'));
    await page.getByTestId('span-row').first().waitFor();
    const yelpIds = new Set(readFixtureJson<ZipkinSpan[]>('zipkin/yelp.json').map((s) => s.id));
    const shownIds = await page.getByTestId('span-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-span-id')));
    assert.deepEqual(new Set(shownIds), yelpIds, 'the file opened in the browser shows every span');
    await shot(page, 'upload');
    await page.close();
  });
});
