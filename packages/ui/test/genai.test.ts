// The GenAI view of the trace page in real Chromium: the Jaeger UI GenAI fixture (an agent with tools and a
// sub-agent) and a GenAI trace whose messages carry markup, served by a real Sextant.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { decodeTraceFile, emptyScope, SpanKind, StatusCode, type Span } from '@sextant/core';
import { startSextant } from '@sextant/server';
import { REPO_ROOT, readFixtureText } from '../../../testing/fixtures.js';
import { builtUiDir, launchChromium, type TestBrowser } from '../../../testing/chromium.js';

const SHOTS = resolve(REPO_ROOT, 'test-output/screenshots');
const FIXTURE = '4a1b2c3d4e5f60718293a4b5c6d7e8f9';
const HOSTILE = '6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e';
const XSS = '<img src=x onerror="window.__pwned=1">';

let server: Awaited<ReturnType<typeof startSextant>>;
let browser: BrowserContext;
let chromium: TestBrowser;

function hostileTrace(): Span[] {
  const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
  const resource = { attributes: [{ key: 'service.name', value: 'bot' }], droppedAttributesCount: 0, schemaUrl: '' };
  const base = { traceId: HOSTILE, traceState: '', flags: 1, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, resource, scope: emptyScope() };
  return [
    { ...base, spanId: '00000000000000a1', parentSpanId: '', name: 'chat evil-model', kind: SpanKind.CLIENT, startTimeUnixNano: t0, endTimeUnixNano: t0 + 50_000_000n,
      status: { code: StatusCode.UNSET, message: '' },
      attributes: [
        { key: 'gen_ai.operation.name', value: 'chat' },
        { key: 'gen_ai.request.model', value: 'evil-model' },
        { key: 'gen_ai.input.messages', value: JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: XSS }] }]) },
        { key: 'gen_ai.output.messages', value: JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c', name: XSS, arguments: { q: XSS } }] }]) },
      ] },
  ];
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpHttpPort: 0, otlpGrpcPort: 0, zipkinPort: 0, uiDir: builtUiDir() });
  await server.store.write(decodeTraceFile(readFixtureText('jaeger-ui/misc/genaiTestTrace.json')).result.items, []);
  await server.store.write(decodeTraceFile(readFixtureText('otlp/example-trace.json')).result.items, []);
  await server.store.write(hostileTrace(), []);
  chromium = await launchChromium({ name: 'genai' });
  browser = chromium.context;
});

after(async () => {
  await chromium?.close();
  await server?.close();
});

test('an agent run reads as a conversation with tokens, latency and where its critical path went', async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.urls.api}/trace/${FIXTURE}`);
    await page.getByRole('tab', { name: /GenAI/ }).click();
    await page.getByTestId('genai-view').waitFor();
    assert.match(page.url(), /tab=genai/);
    assert.match(await page.getByTestId('genai-summary').innerText(), /5 model calls · 10 tool calls · 8,280 tokens in · 1,180 tokens out/);
    assert.match(await page.getByTestId('genai-time-split').first().innerText(), /Critical path of triage-agent \(42\.00 s\): model 3\.50 s \(8\.3%\) · tools 500 ms \(1\.2%\) · other 38\.00 s \(90\.5%\)/);
    const steps = page.getByTestId('genai-step');
    assert.equal(await steps.count(), 17);
    // In start order: the agent, then its first model call with the question and the answer.
    assert.equal(await steps.nth(0).getAttribute('data-kind'), 'agent');
    const chat = steps.nth(1);
    assert.equal(await chat.getAttribute('data-span-id'), '0000000000000005');
    assert.equal(await chat.getByTestId('genai-step-tokens').innerText(), '1840 → 260 tokens');
    assert.equal(await chat.getByTestId('genai-step-duration').innerText(), '1.80 s');
    assert.deepEqual(await chat.getByTestId('genai-message').evaluateAll((els) => els.map((e) => e.getAttribute('data-role'))), ['system', 'user', 'assistant']);
    assert.match(await chat.innerText(), /Why did the checkout latency regress this afternoon\?/);
    const tool = page.locator('[data-testid="genai-step"][data-span-id="0000000000000007"]');
    assert.equal(await tool.getByTestId('genai-tool-call').innerText(), '→ list_dashboards({"window":"1h"})');
    assert.equal(await tool.getByTestId('genai-tool-result').innerText(), '← {"status":"ok","rows":12}');
    // The summarizer sub-agent nests under the tool call that ran it.
    const nested = page.locator('[data-testid="genai-step"][data-span-id="0000000000000035"]');
    const indent = async (l: typeof nested) => Number.parseFloat(await l.evaluate((e) => getComputedStyle(e).marginLeft));
    assert.ok((await indent(nested)) > (await indent(steps.nth(1))), 'sub-agent indented below the tool call');
    assert.equal(await page.getByTestId('genai-model-row').count(), 2);
    await page.screenshot({ path: join(SHOTS, 'genai-view.png'), fullPage: true });
    // A step opens its span in the timeline.
    await tool.locator('.clickable').first().click();
    await page.waitForURL(/span=0000000000000007/);
    await page.getByTestId('span-detail').waitFor();
  } finally {
    await page.close();
  }
});

test("the agent run's flame graph: the run's spans only, coloured by model, tool and other time, click-through to the span", async () => {
  const spans = decodeTraceFile(readFixtureText('jaeger-ui/misc/genaiTestTrace.json')).result.items;
  const RUN = '0000000000000004';
  const under = new Set([RUN]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of spans) if (!under.has(s.spanId) && under.has(s.parentSpanId)) (under.add(s.spanId), (grew = true));
  }
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const run = byId.get(RUN)!;
  const page = await browser.newPage();
  try {
    await page.goto(`${server.urls.api}/trace/${FIXTURE}?tab=genai`);
    const flame = page.getByTestId('genai-flame').getByTestId('flamegraph');
    await flame.waitFor();
    // The run and what it called, not the GraphQL request around it.
    assert.equal(await flame.getAttribute('data-spans'), String(under.size));
    assert.ok(under.size < spans.length);
    const canvas = flame.locator('canvas');
    const box = (await canvas.boundingBox())!;
    // Frames are 18 px rows by depth under the run; x is time across the run. Sample low in the frame, below its label.
    const at = (spanId: string, depth: number, fraction = 0.5) => {
      const s = byId.get(spanId)!;
      const ms = Number(s.startTimeUnixNano - run.startTimeUnixNano) / 1e6 + (fraction * Number(s.endTimeUnixNano - s.startTimeUnixNano)) / 1e6;
      return { x: (ms / (Number(run.endTimeUnixNano - run.startTimeUnixNano) / 1e6)) * box.width, y: depth * 18 + 16 };
    };
    const pixel = (p: { x: number; y: number }) =>
      canvas.evaluate((c: HTMLCanvasElement, p) => {
        const k = c.width / c.clientWidth;
        return [...c.getContext('2d')!.getImageData(Math.round(p.x * k), Math.round(p.y * k), 1, 1).data.slice(0, 3)];
      }, p);
    // The fixture's steps overlap; these points lie in one frame of their row only.
    assert.deepEqual(await pixel(at('0000000000000032', 1, 0.8)), [224, 135, 58], 'tool call summarize_findings');
    assert.deepEqual(await pixel(at('0000000000000033', 2, 0.8)), [241, 193, 149], 'the MCP call the tool made, paler');
    assert.deepEqual(await pixel(at('0000000000000035', 3)), [241, 193, 149], 'the sub-agent it ran coordinates: still tool time');
    assert.deepEqual(await pixel(at('0000000000000036', 4)), [124, 92, 255], "the sub-agent's model call chat model-b");
    assert.deepEqual(await pixel(at('0000000000000037', 5)), [182, 166, 255], 'its HTTP call to the provider, paler');
    assert.deepEqual(await pixel(at(RUN, 0)), [138, 148, 166], 'the agent span itself: other');
    const chat = at('0000000000000036', 4);
    await canvas.hover({ position: chat });
    assert.match(await page.getByTestId('flame-tooltip').innerText(), /chat model-b[\s\S]*3\.50 s total/);
    await canvas.click({ position: chat });
    assert.match(await page.getByTestId('genai-flame-selected').innerText(), / · chat model-b · 3\.50 s/);
    await page.screenshot({ path: join(SHOTS, 'genai-flame.png'), fullPage: true });
    await page.getByTestId('genai-flame-selected').getByRole('button', { name: 'Show in timeline' }).click();
    await page.waitForURL(/span=0000000000000036/);
    await page.getByTestId('span-detail').waitFor();
  } finally {
    await page.close();
  }
});

test('message text from spans is shown as text, never run as markup; traces without GenAI spans have no GenAI tab', async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.urls.api}/trace/${HOSTILE}?tab=genai`);
    await page.getByTestId('genai-view').waitFor();
    const view = page.getByTestId('genai-view');
    assert.match(await view.innerText(), /<img src=x onerror="window.__pwned=1">/);
    assert.equal(await view.locator('img').count(), 0);
    assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
    await page.goto(`${server.urls.api}/trace/5b8efff798038103d269b633813fc60c`);
    await page.getByRole('tab', { name: /Timeline/ }).waitFor();
    assert.equal(await page.getByRole('tab', { name: /GenAI/ }).count(), 0);
  } finally {
    await page.close();
  }
});
