// End-to-end tests of the web UI: a real Sextant server (in-process, in-memory store) fed with recorded traces
// over its real receivers, and real Chromium driving the built UI. Screenshots land in test-output/screenshots.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { decodeOtlpJsonTraces, formatDuration } from '@sextant/core';
import { startSextant } from '@sextant/server';
import { REPO_ROOT, fixturePath, readFixtureJson, readFixtureText } from '../../../testing/fixtures.js';
import { builtUiDir, launchChromium, type TestBrowser } from '../../../testing/chromium.js';

const SHOTS = resolve(REPO_ROOT, 'test-output/screenshots');
const XSS = '<img src=x onerror=alert(1)>';
const XSS_TRACE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const FAIL_TRACE = 'fa11fa11fa11fa11fa11fa11fa11fa11';
const FAILURES = 3;
const BIG_TRACE = 'b16b16b16b16b16b16b16b16b16b16b1';
const BIG_SPANS = 50_000;

type ZipkinSpan = { traceId: string; id: string; localEndpoint?: { serviceName?: string } };

let server: Awaited<ReturnType<typeof startSextant>>;
let browser: BrowserContext;
let chromium: TestBrowser;

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

/** A checkout whose three stock lookups all fail the same way: one root cause, three times, with its exception type. */
function failingTrace() {
  const t0 = BigInt(Date.now() - 90_000) * 1_000_000n;
  const ms = 1_000_000n;
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const spans = [
    { traceId: FAIL_TRACE, spanId: 'f000000000000001', name: 'POST /checkout', kind: 2, startTimeUnixNano: `${t0}`, endTimeUnixNano: `${t0 + 80n * ms}`, attributes: [], status: { code: 2 } },
  ];
  for (let i = 0; i < FAILURES; i++)
    spans.push({
      traceId: FAIL_TRACE,
      spanId: `f00000000000001${i}`,
      parentSpanId: 'f000000000000001',
      name: 'GET /stock',
      kind: 3,
      startTimeUnixNano: `${t0 + BigInt(5 + i * 20) * ms}`,
      endTimeUnixNano: `${t0 + BigInt(20 + i * 20) * ms}`,
      attributes: [],
      status: { code: 2, message: 'stock service timed out' },
      events: [{ name: 'exception', timeUnixNano: `${t0 + BigInt(19 + i * 20) * ms}`, attributes: [str('exception.type', 'TimeoutError'), str('exception.message', 'stock service timed out')] }],
    } as (typeof spans)[number]);
  return { resourceSpans: [{ resource: { attributes: [str('service.name', 'shop')] }, scopeSpans: [{ scope: { name: 'ui-test' }, spans }] }] };
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

const newPage = (theme?: 'light' | 'dark') => chromium.newPage(theme);

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
  mkdirSync(SHOTS, { recursive: true });
  server = await startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpHttpPort: 0, otlpGrpcPort: 0, zipkinPort: 0, uiDir: builtUiDir() });
  for (const f of ['zipkin/smartthings-mobile-web-install.json', 'zipkin/yelp.json']) {
    const res = await fetch(`${server.urls.zipkin}/api/v2/spans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: readFixtureText(f),
    });
    assert.ok(res.ok, `zipkin ${f}: ${res.status}`);
  }
  await post(`${server.urls.otlpHttp}/v1/traces`, xssTrace());
  await post(`${server.urls.otlpHttp}/v1/traces`, failingTrace());
  await post(`${server.urls.otlpHttp}/v1/traces`, cohortTraces().batch);
  for (const batch of bigTraceBatches(5_000)) await post(`${server.urls.otlpHttp}/v1/traces`, batch);
  chromium = await launchChromium({ name: 'ui' });
  browser = chromium.context;
});

after(async () => {
  await chromium?.close();
  await server?.close();
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
      operationEdges: [],
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
    const asked: string[] = [];
    page.on('request', (r) => r.url().includes('/api/') && asked.push(new URL(r.url()).pathname));
    await page.goto(`${server.urls.api}/trace/${BIG_TRACE}`);
    await page.getByTestId('span-row').first().waitFor({ timeout: 60_000 });
    assert.match(await page.locator('.trace-header').innerText(), /50,000/);
    // One read of the trace, in the compact answer; the analysis is computed in a worker, then shown.
    await page.locator('.trace-page[data-analysis="ready"]').waitFor({ timeout: 60_000 });
    assert.deepEqual(asked.filter((p) => p.startsWith(`/api/v1/traces/${BIG_TRACE}`)).sort(), [`/api/v1/traces/${BIG_TRACE}/columns`, `/api/v1/traces/${BIG_TRACE}/linked-from`, `/api/v1/traces/${BIG_TRACE}/logs`]);
    assert.equal(await page.getByTestId('analysis-pending').count(), 0);
    assert.ok(await page.getByRole('button', { name: 'Critical path' }).isEnabled(), 'the critical path can be shown');
    assert.ok((await page.locator('[data-testid="span-row"][data-critical="true"]').count()) > 0, 'rows on the critical path are marked');
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
    const { slowIds } = cohortTraces();
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

    // Without a baseline the selection is compared with the same search minus its distinguishing condition.
    await page.goto(`${server.urls.api}/compare?${new URLSearchParams({ selection })}`);
    await structure.first().waitFor();
    assert.match(await page.getByTestId('cohort-baseline').innerText(), /the same search without traceMinDuration \(service=orders, start=/);
    assert.equal(await structure.first().getAttribute('data-operation'), 'SELECT order_items');
    assert.match(await page.locator('.cmp-grid').innerText(), /Baseline \(6 traces\)/);

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

/** Every rendered timeline row's duration label: its text, its box and the box of the lane it must stay inside. */
async function labelBoxes(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid="span-row"]')].flatMap((row) => {
      const label = row.querySelector<HTMLElement>('.bar-label');
      const lane = row.querySelector<HTMLElement>('.bar-lane')!.getBoundingClientRect();
      const rows = document.querySelector<HTMLElement>('.rows')!.getBoundingClientRect();
      const r = row.getBoundingClientRect();
      // Only rows inside the scrolled viewport are on screen.
      if (r.bottom <= rows.top || r.top >= rows.bottom) return [];
      const b = label?.getBoundingClientRect();
      return [{ spanId: row.dataset.spanId!, text: label?.textContent ?? null, box: b ? { left: b.left, right: b.right } : null, lane: { left: lane.left, right: lane.right } }];
    }),
  );
}

async function assertLabelsExact(page: Page, traceId: string, what: string) {
  const stored = decodeOtlpJsonTraces(await (await fetch(`${server.urls.api}/api/v1/traces/${traceId}`)).json()).items;
  const durations = new Map<string, Set<string>>();
  for (const s of stored) {
    if (!durations.has(s.spanId)) durations.set(s.spanId, new Set());
    durations.get(s.spanId)!.add(formatDuration(s.endTimeUnixNano - s.startTimeUnixNano));
  }
  const rows = await labelBoxes(page);
  assert.ok(rows.length >= Math.min(stored.length, 10), `${what}: rows on screen`);
  for (const r of rows) {
    assert.ok(r.text !== null && r.box, `${what}: span ${r.spanId} has a duration label`);
    assert.ok(durations.get(r.spanId)!.has(r.text!), `${what}: span ${r.spanId} label '${r.text}' is its duration (${[...durations.get(r.spanId)!]})`);
    assert.ok(r.box!.left >= r.lane.left - 0.5 && r.box!.right <= r.lane.right + 0.5, `${what}: label '${r.text}' of ${r.spanId} is inside its lane (${JSON.stringify(r)})`);
  }
}

describe('web UI: what trips a new user', () => {
  test('every time form the API accepts works in URLs, and a broken view does not blank the app', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const start = new Date(Number(COHORT_T0 / 1_000_000n) - 1000).toISOString();
    const end = new Date(Number(COHORT_T0 / 1_000_000n) + 20_000).toISOString();
    await page.goto(`${server.urls.api}/search?service=orders&start=${start}&end=${end}`);
    await page.getByTestId('trace-row').first().waitFor();
    assert.equal(await page.getByTestId('trace-row').count(), 10, 'the ten cohort traces of that window');
    const from = await page.getByLabel('From').inputValue();
    assert.match(from, /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/, 'the custom range shows the time from the URL, to the second');
    const fromBox = await page.getByLabel('From').boundingBox();
    assert.ok(fromBox && fromBox.width >= 200, `the time field is wide enough to show the time (${fromBox?.width}px)`);

    // The cohort view builds its "traces →" links from the selection as given: RFC 3339 here.
    const selection = new URLSearchParams({ service: 'orders', traceMinDuration: '200ms', start, end }).toString();
    await page.goto(`${server.urls.api}/compare?${new URLSearchParams({ selection, baseline: 'rest' })}`);
    await page.getByTestId('cohort-structure-row').first().getByRole('link', { name: 'traces →' }).click();
    await page.waitForURL(/\/search\?/);
    await page.getByTestId('trace-row').first().waitFor();
    assert.equal(await page.getByTestId('trace-row').count(), 4, 'the slow traces');

    // A view that cannot render says so in place; the navigation stays. (An incoming link whose service is not
    // text cannot be rendered by the span detail.)
    const brokenLinks = '**/api/v1/traces/*/linked-from';
    await page.route(brokenLinks, (r) =>
      r.fulfill({ contentType: 'application/json', body: JSON.stringify({ links: [{ traceId: FAIL_TRACE, spanId: '1', service: { not: 'text' }, name: 'x', startUnixNano: '1', linkedSpanId: 'elsewhere' }] }) }),
    );
    await page.goto(`${server.urls.api}/trace/${XSS_TRACE}?span=1111111111111111`);
    await page.getByTestId('view-error').waitFor();
    assert.ok(await page.getByRole('link', { name: 'Search' }).isVisible(), 'the top bar still works');
    await page.unroute(brokenLinks);
    // A trace answer that does not decode is an error naming the part, in place.
    await page.route('**/api/v1/traces/*/columns', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify({ chunks: [{ strings: [] }] }) }));
    await page.goto(`${server.urls.api}/trace/${XSS_TRACE}`);
    await page.getByText('Could not load the trace').waitFor();
    assert.match(await page.locator('main').innerText(), /chunks\[0\]\.values: expected an array/);
    await page.unroute('**/api/v1/traces/*/columns');
    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByTestId('trace-row').first().waitFor();
    await page.close();
  });

  test('timeline duration labels read each span duration and are never clipped, also after resizing the name column', async () => {
    const smart = await storedTraceId('14b60fd9ae504820');
    const page = await newPage();
    for (const id of [smart, XSS_TRACE, FAIL_TRACE]) {
      await page.goto(`${server.urls.api}/trace/${id}`);
      await page.getByTestId('span-row').first().waitFor();
      await page.waitForTimeout(100);
      await assertLabelsExact(page, id, id);
    }
    // Drag the name column wider: every label is placed again and still fits.
    const handle = page.getByRole('separator', { name: 'Resize the name column' });
    const box = (await handle.boundingBox())!;
    const nameBefore = (await page.locator('.name-cell').first().boundingBox())!.width;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + 300, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const nameAfter = (await page.locator('.name-cell').first().boundingBox())!.width;
    assert.ok(nameAfter > nameBefore + 200, `the name column widened (${nameBefore} → ${nameAfter})`);
    await page.waitForTimeout(100);
    await assertLabelsExact(page, FAIL_TRACE, 'after resize');
    await page.reload();
    await page.getByTestId('span-row').first().waitFor();
    assert.ok(Math.abs((await page.locator('.name-cell').first().boundingBox())!.width - nameAfter) < 2, 'the width is remembered');
    await page.evaluate(() => localStorage.clear());
    await page.close();
  });

  test('repeated calls (N+1) show on the trace page, in their own view and in Quality', async () => {
    const slow = cohortTraces().slowIds[0];
    const page = await newPage();
    await page.goto(`${server.urls.api}/trace/${slow}`);
    const callout = page.getByTestId('repeated-calls-callout');
    await callout.waitFor();
    assert.match(await callout.innerText(), new RegExp(`${SLOW_QUERIES}× orders · SELECT order_items \\(one after another\\)`));
    await page.getByRole('tab', { name: /Repeated calls/ }).click();
    const row = page.getByTestId('repeated-calls').getByTestId('repeated-call-row');
    assert.equal(await row.count(), 1);
    assert.equal(await row.getAttribute('data-count'), String(SLOW_QUERIES));
    assert.equal(await row.getAttribute('data-pattern'), 'sequential');
    assert.match(await row.innerText(), /N\+1 \(sequential\)/);
    await shot(page, 'trace-repeated-calls');
    await row.click();
    assert.equal(new URL(page.url()).searchParams.get('tab'), null, 'clicking a finding goes back to the timeline');
    await page.getByTestId('highlight-chip').waitFor();
    const marked = await page.locator('[data-testid="span-row"].match').evaluateAll((els) => els.map((e) => e.textContent));
    assert.equal(marked.length, SLOW_QUERIES, 'every repeated call is marked');
    assert.ok(marked.every((t) => t!.includes('SELECT order_items')));
    await page.getByRole('tab', { name: /Quality/ }).click();
    assert.equal(await page.locator('[data-testid="quality-finding"][data-check="repeated-calls"]').count(), 1);
    assert.doesNotMatch(await page.locator('.tab-body').innerText(), /No problems found/);
    await page.close();
  });

  test('search cards show whole trace ids with a copy button', async () => {
    await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.urls.api });
    const page = await newPage();
    await page.goto(`${server.urls.api}/search?service=shop`);
    const row = page.getByTestId('trace-row');
    await row.first().waitFor();
    assert.equal(await row.getByTestId('trace-id').innerText(), FAIL_TRACE);
    await row.getByRole('button', { name: /Copy trace id/ }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), FAIL_TRACE);
    assert.match(new URL(page.url()).pathname, /^\/search/, 'copying does not open the trace');
    await page.close();
  });

  test('the id box finds a trace by a unique prefix; "Longest first" is the longest of the whole match', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/search`);
    await page.getByLabel('Go to trace id').fill(FAIL_TRACE.slice(0, 12).toUpperCase());
    await page.getByLabel('Go to trace id').press('Enter');
    await page.waitForURL(`**/trace/${FAIL_TRACE}`);
    await page.getByTestId('span-row').first().waitFor();

    const all = (await (await fetch(`${server.urls.api}/api/v1/traces?limit=1000`)).json()) as { traces: { traceId: string; durationNano: string }[] };
    const longest = all.traces.reduce((a, b) => (BigInt(b.durationNano) > BigInt(a.durationNano) ? b : a));
    assert.notEqual(all.traces.slice(0, 5).map((t) => t.traceId).includes(longest.traceId), true, 'the longest trace is not among the five most recent');
    await page.goto(`${server.urls.api}/search?limit=5&sort=longest`);
    await page.getByTestId('trace-row').first().waitFor();
    assert.equal(await page.getByTestId('trace-row').first().getAttribute('data-trace-id'), longest.traceId);
    await page.close();
  });

  test('every filter in the URL is visible and editable in the form', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/search?parentService=platformapi&service=gizmo&tag=http.method:GET&foo=bar`);
    await page.getByTestId('trace-row').first().waitFor().catch(() => undefined);
    assert.equal(await page.getByLabel('Parent service').inputValue(), 'platformapi');
    assert.equal(await page.getByLabel('Attribute key').first().inputValue(), 'http.method');
    assert.equal(await page.getByLabel('Value of foo').inputValue(), 'bar', 'an unknown parameter is shown');
    await page.getByTestId('other-filter').getByRole('button', { name: '✕' }).click();
    await page.getByLabel('Parent service').selectOption('');
    await page.getByRole('button', { name: 'Find traces' }).click();
    await page.waitForURL((u) => !u.search.includes('parentService'));
    const q = new URL(page.url()).searchParams;
    assert.equal(q.get('service'), 'gizmo');
    assert.equal(q.get('attr.http.method'), 'GET');
    assert.equal(q.get('foo'), null);
    await page.close();
  });

  test('the empty state names the ports this server listens on', async () => {
    const page = await newPage();
    await page.route('**/api/v1/services', (r) => r.fulfill({ contentType: 'application/json', body: '{"services":[]}' }));
    await page.route('**/api/v1/traces?*', (r) => r.fulfill({ contentType: 'application/json', body: '{"traces":[],"nextCursor":null}' }));
    await page.goto(`${server.urls.api}/search`);
    const env = page.getByTestId('otlp-env');
    await env.waitFor();
    assert.ok((await env.innerText()).includes(`:${new URL(server.urls.otlpHttp!).port}`));
    const ports = await page.getByTestId('receiver-ports').innerText();
    assert.ok(ports.includes(new URL(server.urls.otlpGrpc!).port) && ports.includes(new URL(server.urls.zipkin!).port), ports);
    assert.doesNotMatch(`${await env.innerText()} ${ports}`, /\b(4317|4318|9411)\b/);
    await page.close();
  });

  test('compare: pick two recent traces; headers in units; root causes counted with their exception type', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/compare`);
    await page.getByTestId('compare-candidate').first().waitFor();
    const [a, b] = [cohortTraces().slowIds[0], cohortTraces().slowIds[1]];
    await page.getByLabel(`Use ${a} as A`).check();
    await page.getByLabel(`Use ${b} as B`).check();
    await shot(page, 'compare-picker');
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.waitForURL(/a=.*b=/);
    await page.getByTestId('what-changed').waitFor();
    const text = await page.locator('.page').innerText();
    assert.doesNotMatch(text, /nano/i, 'no raw nanosecond headers');
    await shot(page, 'compare');

    await page.goto(`${server.urls.api}/trace/${FAIL_TRACE}`);
    const causes = page.getByTestId('root-cause');
    await causes.first().waitFor();
    assert.equal(await causes.count(), 1, 'the same failure three times is one line');
    assert.match(await causes.innerText(), new RegExp(`${FAILURES}×[\\s\\S]*shop · GET /stock[\\s\\S]*TimeoutError`));
    await causes.click();
    assert.equal(await page.locator('[data-testid="span-row"].match').count(), FAILURES);
    await page.close();
  });

  test('the URL holds the trace tab and the self-time grouping', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/trace/${XSS_TRACE}`);
    await page.getByTestId('span-row').first().waitFor();
    await page.getByRole('tab', { name: /Self time/ }).click();
    await page.getByRole('button', { name: 'Operation' }).click();
    const q = new URL(page.url()).searchParams;
    assert.equal(q.get('tab'), 'selftime');
    assert.equal(q.get('by'), 'operation');
    await page.reload();
    await page.locator('table.data tbody tr').first().waitFor();
    assert.equal(await page.getByRole('tab', { name: /Self time/ }).getAttribute('aria-selected'), 'true');
    assert.match(await page.locator('table.data thead').innerText(), /Service · operation/);
    await page.getByRole('tab', { name: /Critical path/ }).click();
    await page.getByTestId('critical-path-summary').waitFor();
    await page.goBack();
    await page.locator('table.data thead').filter({ hasText: 'Service · operation' }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('tab'), 'selftime', 'Back returns to the previous tab');
    await page.close();
  });
});

describe('web UI: services page and map read cleanly', () => {
  test('services: one rate unit per column, legends with values, impact beside its bar', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/services?lookback=24h`);
    await page.locator('table.data tbody tr').first().waitFor();
    const header = await page.locator('table.data thead th').nth(1).innerText();
    const unit = /Rate \((s|min|h)\)/.exec(header)?.[1];
    assert.ok(unit, `the rate header names its unit: ${header}`);
    const rates = await page.locator('table.data tbody tr td:nth-child(2)').allInnerTexts();
    for (const r of rates) assert.ok(r === '0' || r.endsWith(`/${unit}`), `rate '${r}' is in /${unit}`);
    await page.locator('.u-legend').first().waitFor();
    const legend = await page.locator('.u-legend .u-value').allInnerTexts();
    assert.ok(legend.length > 0 && legend.every((v) => v !== '--'), `legend values: ${legend}`);
    const overlaps = await page.locator('.share-bar').evaluateAll((els) =>
      els.filter((el) => {
        const bar = el.querySelector('.track')!.getBoundingClientRect();
        const pct = el.querySelector('.pct')!.getBoundingClientRect();
        return pct.left < bar.right;
      }).length,
    );
    assert.equal(overlaps, 0, 'no impact text lies on its bar');
    await shot(page, 'services-light');
    await page.close();
  });

  test('map: node text inside its node, edge labels clear of nodes, selecting a service is a history step', async () => {
    const page = await newPage();
    // The recorded Zipkin traces' part of the real dependency answer (the synthetic 50k-span trace's 20 services
    // would make the graph taller than the screen, where a cut-off label is no fault).
    const deps = (await (await fetch(`${server.urls.api}/api/v1/dependencies?start=0`)).json()) as { nodes: { service: string }[]; edges: { parent: string; child: string }[] };
    const synthetic = (s: string) => /^svc-\d+$/.test(s);
    const recorded = { ...deps, nodes: deps.nodes.filter((n) => !synthetic(n.service)), edges: deps.edges.filter((e) => !synthetic(e.parent) && !synthetic(e.child)) };
    await page.route('**/api/v1/dependencies*', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify(recorded) }));
    await page.goto(`${server.urls.api}/map`);
    await page.getByTestId('service-node').first().waitFor({ timeout: 30_000 });
    const geometry = await page.evaluate(() => {
      const nodes = [...document.querySelectorAll('[data-testid="service-node"]')].map((g) => ({
        service: g.getAttribute('data-service'),
        rect: g.querySelector('rect')!.getBoundingClientRect().toJSON() as DOMRect,
        texts: [...g.querySelectorAll('text')].map((t) => t.getBoundingClientRect().toJSON() as DOMRect),
      }));
      const labels = [...document.querySelectorAll('[data-testid="dependency-edge"] text')].map((t) => ({
        text: t.textContent,
        box: t.getBoundingClientRect().toJSON() as DOMRect,
      }));
      const svg = document.querySelector('.map-canvas svg')!.getBoundingClientRect().toJSON() as DOMRect;
      return { nodes, labels, svg };
    });
    const inside = (a: DOMRect, b: DOMRect) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
    const meets = (a: DOMRect, b: DOMRect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    for (const n of geometry.nodes) for (const t of n.texts) assert.ok(inside(t, n.rect), `text of ${n.service} stays in its node`);
    assert.ok(geometry.labels.length > 0, 'edge labels are shown');
    for (const l of geometry.labels) {
      for (const n of geometry.nodes) assert.ok(!meets(l.box, n.rect), `edge label '${l.text}' does not cover ${n.service}`);
      assert.ok(inside(l.box, geometry.svg), `edge label '${l.text}' is not cut off`);
    }
    await page.getByTestId('service-node').first().click();
    await page.waitForURL(/service=/);
    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/map' && !u.search.includes('service='));
    await page.close();
  });
});

describe('web UI: flame graph and span table', () => {
  test('the flame graph draws a 50,000-span trace, shares selection and zoom with the timeline', async () => {
    const page = await newPage();
    await page.goto(`${server.urls.api}/trace/${BIG_TRACE}?tab=flame`);
    const flame = page.getByTestId('flamegraph');
    await flame.waitFor({ timeout: 60_000 });
    assert.equal(await flame.getAttribute('data-spans'), String(BIG_SPANS));
    const canvas = flame.locator('canvas');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + 40, box.y + 9);
    assert.match(await page.getByTestId('flame-tooltip').innerText(), /svc-0[\s\S]*op-0[\s\S]*total[\s\S]*self/);
    await shot(page, 'trace-flamegraph');
    // A frame one level down: selecting it puts it in the URL and zooms the shared window to it.
    await page.mouse.click(box.x + box.width / 2, box.y + 18 + 9);
    await page.waitForURL(/span=/);
    const picked = new URL(page.url()).searchParams.get('span');
    assert.notEqual(picked, hex(1, 16), 'a child of the root was picked');
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.getByRole('button', { name: /Reset zoom/ }).waitFor();
    assert.equal(await page.locator('[data-testid="span-row"].selected').getAttribute('data-span-id'), picked);
    await page.close();
  });

  test('the span table sorts 50,000 spans by duration, self time and service, and opens a span', async () => {
    const page = await newPage('dark');
    await page.goto(`${server.urls.api}/trace/${BIG_TRACE}?tab=spans`);
    const rows = page.getByTestId('span-table-row');
    await rows.first().waitFor({ timeout: 60_000 });
    assert.ok((await rows.count()) < 200, 'rows are virtualised');
    assert.equal(await rows.first().getAttribute('data-span-id'), hex(1, 16), 'longest first: the root');
    await page.getByRole('columnheader', { name: /Service/ }).click();
    assert.match(await rows.first().innerText(), /^svc-0\b/);
    await page.getByRole('columnheader', { name: /Self time/ }).click();
    const first = await rows.first().getAttribute('data-span-id');
    const selfs = await rows.evaluateAll((els) => els.slice(0, 5).map((e) => e.children[3].textContent));
    assert.ok(selfs.length === 5);
    await shot(page, 'trace-span-table-dark');
    await rows.first().click();
    await page.waitForURL((u) => u.searchParams.get('span') === first && !u.searchParams.has('tab'));
    await page.getByTestId('span-detail').waitFor();
    await page.close();
  });
});

describe('web UI: logs beside a trace', () => {
  test("the trace's Logs tab lists lines in time order with service and span, and a line opens its span", async () => {
    const t0 = BigInt(Date.now() - 90_000) * 1_000_000n;
    const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const line = (ms: bigint, spanId: string, body: string, severityText: string) => ({
      timeUnixNano: `${t0 + ms * 1_000_000n}`, severityText, severityNumber: severityText === 'ERROR' ? 17 : 9, body: { stringValue: body }, traceId: FAIL_TRACE, spanId, attributes: [],
    });
    // Sent out of order: the tab orders them by time.
    await post(`${server.urls.otlpHttp}/v1/logs`, {
      resourceLogs: [{ resource: { attributes: [str('service.name', 'shop')] }, scopeLogs: [{ scope: { name: 'pino' }, logRecords: [
        line(44n, 'f000000000000011', 'stock lookup 2 timed out', 'ERROR'),
        line(1n, 'f000000000000001', 'checkout started', 'INFO'),
        line(19n, 'f000000000000010', 'stock lookup 1 timed out', 'ERROR'),
      ] }] }],
    });
    const page = await newPage();
    await page.goto(`${server.urls.api}/trace/${FAIL_TRACE}?tab=logs`);
    const rows = page.getByTestId('trace-log-row');
    await rows.first().waitFor();
    const texts = await rows.allInnerTexts();
    assert.equal(texts.length, 3);
    assert.match(texts[0], /INFO[\s\S]*shop[\s\S]*POST \/checkout[\s\S]*checkout started/);
    assert.match(texts[1], /ERROR[\s\S]*shop[\s\S]*GET \/stock[\s\S]*stock lookup 1/);
    assert.match(texts[2], /stock lookup 2/);
    await shot(page, 'trace-logs');
    await rows.nth(2).click();
    await page.waitForURL((u) => u.searchParams.get('span') === 'f000000000000011' && !u.searchParams.has('tab'));
    await page.getByTestId('span-detail').waitFor();
    await page.close();
  });
});
