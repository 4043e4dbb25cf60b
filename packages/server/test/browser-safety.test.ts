// Browser safety of a default start, proved with real Chromium: pages from other origins can neither read the
// query API nor send spans, names other than ours are refused (DNS rebinding), and the UI runs under its CSP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { launchChromium, type TestBrowser } from '../../../testing/chromium.js';
import { DEFAULT_UI_DIR, type RunningSextant } from '../src/server.js';
import { startTestServer } from './support/server.js';
import { hexId } from './support/spans.js';

const UI_BUILT = existsSync(join(DEFAULT_UI_DIR, 'index.html'));

function otlpJsonTrace(traceId: string) {
  const t0 = BigInt(Date.now() - 1000) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'web' } }] },
        scopeSpans: [{ spans: [{ traceId, spanId: hexId(8), name: 'GET /', kind: 2, startTimeUnixNano: `${t0}`, endTimeUnixNano: `${t0 + 5_000_000n}` }] }],
      },
    ],
  };
}

function zipkinTrace(traceId: string) {
  return [{ traceId, id: hexId(8), name: 'get', timestamp: Date.now() * 1000 - 1000, duration: 500, localEndpoint: { serviceName: 'zk' } }];
}

/** A raw HTTP request with a chosen Host header (fetch does not let us set one). */
function withHost(url: string, host: string, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { host, ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The page an attacker serves from its own origin: it tries to read the API and to write spans. */
function attackerPage(): Server {
  return createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>elsewhere</title><p>nothing to see</p>');
  });
}

async function listenOn(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return `http://127.0.0.1:${addr.port}`;
}

interface Attempt {
  read: string;
  readNoCors: string;
  otlp: string;
  zipkin: string;
  otlpSimple: string;
}

let browser: BrowserContext;
let chromium: TestBrowser;
let attacker: Server;
let attackerOrigin: string;
const servers: RunningSextant[] = [];

async function start(opts: Parameters<typeof startTestServer>[0] = {}): Promise<RunningSextant> {
  const s = await startTestServer(opts);
  servers.push(s);
  return s;
}

/** From the attacker's page, tries everything against `s`; ids name the traces it tries to write. */
async function attack(s: RunningSextant, otlpId: string, zipkinId: string, simpleId: string): Promise<Attempt> {
  const page = await browser.newPage();
  await page.goto(`${attackerOrigin}/`);
  const cfg = {
    api: s.urls.api,
    otlp: s.urls.otlpHttp!,
    zipkin: s.urls.zipkin!,
    otlpBody: JSON.stringify(otlpJsonTrace(otlpId)),
    zipkinBody: JSON.stringify(zipkinTrace(zipkinId)),
    simpleBody: JSON.stringify(otlpJsonTrace(simpleId)),
  };
  // Plain page script (a string, so that nothing of the test's own transpiled code leaks into the page).
  const result = (await page.evaluate(`(async (c) => {
    async function outcome(p) {
      try {
        const res = await p;
        return res.type === 'opaque' ? 'opaque' : 'status ' + res.status + ' ' + (await res.text()).slice(0, 40);
      } catch (err) {
        return 'blocked: ' + err.name;
      }
    }
    return {
      read: await outcome(fetch(c.api + '/api/v1/services')),
      readNoCors: await outcome(fetch(c.api + '/api/v1/services', { mode: 'no-cors' })),
      otlp: await outcome(fetch(c.otlp + '/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: c.otlpBody })),
      zipkin: await outcome(fetch(c.zipkin + '/api/v2/spans', { method: 'POST', mode: 'no-cors', body: new Blob([c.zipkinBody]) })),
      // A "simple" request needs no preflight: without a check of Origin it would reach the receiver.
      otlpSimple: await outcome(fetch(c.otlp + '/v1/traces', { method: 'POST', mode: 'no-cors', body: new Blob([c.simpleBody]) })),
    };
  })(${JSON.stringify(cfg)})`)) as Attempt;
  await page.close();
  return result;
}

async function stored(s: RunningSextant, traceId: string): Promise<boolean> {
  const res = await fetch(`${s.urls.api}/api/v1/traces/${traceId}`);
  return res.status === 200;
}

before(async () => {
  attacker = attackerPage();
  attackerOrigin = await listenOn(attacker);
  chromium = await launchChromium({
    name: 'browser-safety',
    // A rebinding attacker's name resolving to loopback, as its DNS server would answer.
    args: ['--host-resolver-rules=MAP rebind.attacker.test 127.0.0.1'],
  });
  browser = chromium.context;
});

after(async () => {
  await chromium?.close();
  for (const s of servers) await s.close();
  attacker?.close();
});

describe('browser safety', () => {
  test('by default, a page on another origin can neither read the API nor write spans', async () => {
    const s = await start();
    const [otlpId, zipkinId, simpleId] = [hexId(16), hexId(16), hexId(16)];
    const got = await attack(s, otlpId, zipkinId, simpleId);
    assert.match(got.read, /^blocked/, 'cross-origin read of the API');
    assert.match(got.otlp, /^blocked/, 'cross-origin OTLP/HTTP POST');
    // Cross-Origin-Resource-Policy makes even an opaque no-cors load fail.
    assert.match(got.readNoCors, /^blocked/);
    // The answer to a no-cors POST is opaque to the page whatever happens; what matters is that nothing was stored.
    for (const id of [otlpId, zipkinId, simpleId]) assert.equal(await stored(s, id), false, `trace ${id} was stored`);
  });

  test('origins listed in --cors-origins and --ingest-cors-origins may read and send', async () => {
    const s = await start({ corsOrigins: [attackerOrigin], ingestCorsOrigins: [attackerOrigin] });
    const [otlpId, zipkinId, simpleId] = [hexId(16), hexId(16), hexId(16)];
    const got = await attack(s, otlpId, zipkinId, simpleId);
    assert.match(got.read, /^status 200 \{"services"/);
    assert.match(got.otlp, /^status 200/);
    for (const id of [otlpId, zipkinId, simpleId]) assert.equal(await stored(s, id), true, `trace ${id} was not stored`);
  });

  test('a foreign Host is refused with 421 on every HTTP listener; our names are answered', async () => {
    const s = await start({ allowedHosts: ['sextant.example.com', '.corp.example'] });
    const body = JSON.stringify(otlpJsonTrace(hexId(16)));
    for (const [url, method, b] of [
      [`${s.urls.api}/api/v1/services`, 'GET', undefined],
      [`${s.urls.otlpHttp}/v1/traces`, 'POST', body],
      [`${s.urls.zipkin}/api/v2/spans`, 'POST', '[]'],
    ] as const) {
      const port = new URL(url).port;
      const refused = await withHost(url, `rebind.attacker.test:${port}`, method, b);
      assert.equal(refused.status, 421, `${url}: ${refused.body}`);
      assert.match(refused.body, /--allowed-hosts rebind\.attacker\.test/);
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `sextant.example.com:${port}`, `a.corp.example:${port}`, 'corp.example']) {
        const ok = await withHost(url, host, method, b);
        assert.ok(ok.status < 300, `${url} with Host ${host}: ${ok.status} ${ok.body}`);
      }
    }
  });

  test('a rebound name in Chromium gets 421, not the UI or data', async () => {
    const s = await start();
    const port = new URL(s.urls.api).port;
    const page = await browser.newPage();
    const res = await page.goto(`http://rebind.attacker.test:${port}/api/v1/services`);
    assert.equal(res?.status(), 421);
    assert.doesNotMatch(await page.content(), /services/);
    await page.close();
  });

  test('security headers on UI pages, API answers and receivers', async () => {
    const s = await start({ uiDir: UI_BUILT ? DEFAULT_UI_DIR : null });
    for (const url of [`${s.urls.api}/`, `${s.urls.api}/search`, `${s.urls.api}/api/v1/services`, `${s.urls.api}/api/nothing`, `${s.urls.otlpHttp}/v1/traces`]) {
      const res = await fetch(url);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, url);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, url);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', url);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url);
      assert.equal(res.headers.get('referrer-policy'), 'same-origin', url);
      assert.equal(res.headers.get('access-control-allow-origin'), null, url);
    }
  });

  test('the built UI has no inline script and runs under its CSP without violations', { skip: UI_BUILT ? false : 'the web UI is not built (npm run build)' }, async () => {
    const s = await start({ uiDir: DEFAULT_UI_DIR });
    const html = await (await fetch(`${s.urls.api}/`)).text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'inline <script> in index.html');
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'inline event handler in index.html');
    const traceId = hexId(16);
    const res = await fetch(`${s.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(otlpJsonTrace(traceId)) });
    assert.equal(res.status, 200);
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${s.urls.api}/search`);
    await page.getByTestId('trace-row').first().waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.dataset.theme), 'theme set before paint by theme-init.js');
    await page.goto(`${s.urls.api}/trace/${traceId}`);
    await page.getByTestId('span-row').first().waitFor();
    await page.goto(`${s.urls.api}/map`);
    await page.getByTestId('service-node').first().waitFor();
    await page.close();
    assert.deepEqual(violations, []);
  });
});
