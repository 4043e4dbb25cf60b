// Authentication with real clients: the OpenTelemetry JS exporters configured only by OTEL_EXPORTER_OTLP_HEADERS,
// Zipkin and gRPC with and without the ingest key, login through the printed URL and through a real OpenID
// Connect provider (oidc-provider) in Chromium, Grafana-style bearer tokens on the Jaeger API, and the refusal to
// listen beyond loopback without authentication.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Client, Metadata, status as grpcStatus } from '@grpc/grpc-js';
import type { BrowserContext } from 'playwright-core';
import Provider from 'oidc-provider';
import { encodeTraceRequest } from '@sextant/core';
import { DEFAULT_UI_DIR, type RunningSextant } from '../src/server.js';
import { startTestServer } from './support/server.js';
import { runCli, startChildServer } from './support/child.js';
import { hexId, makeSpan } from './support/spans.js';
import { launchChromium, type TestBrowser } from '../../../testing/chromium.js';

const INGEST_KEY = 'ingest-key-0123456789abcdef';
const API_TOKEN = 'grafana-token-fedcba9876543210';
const BROWSER_TOKEN = 'browser-token-5555aaaa5555aaaa';
const EXPORTER = fileURLToPath(new URL('./support/otel-env-exporter.ts', import.meta.url));
const UI_BUILT = existsSync(join(DEFAULT_UI_DIR, 'index.html'));

const servers: RunningSextant[] = [];
async function start(opts: Parameters<typeof startTestServer>[0]): Promise<RunningSextant> {
  const s = await startTestServer(opts);
  servers.push(s);
  return s;
}

let browser: BrowserContext;
let chromium: TestBrowser;
before(async () => {
  chromium = await launchChromium({ name: 'auth' });
  browser = chromium.context;
});
after(async () => {
  await chromium?.close();
  for (const s of servers) await s.close();
});

/** Runs the env-configured exporter in its own process, as a real service would. */
async function exportFromEnv(env: Record<string, string>): Promise<{ traceId: string; ok: boolean; error: string | null }> {
  const proc = spawn(process.execPath, ['--conditions=sextant-source', '--import', 'tsx', EXPORTER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  await new Promise((r) => proc.on('exit', r));
  const line = out.split('\n').find((l) => l.startsWith('{"traceId"'));
  assert.ok(line, `exporter printed no result: ${out}`);
  return JSON.parse(line);
}

async function spanCount(s: RunningSextant, traceId: string, headers: Record<string, string> = { authorization: `Bearer ${API_TOKEN}` }): Promise<number> {
  const res = await fetch(`${s.urls.api}/api/v1/traces/${traceId}`, { headers });
  if (res.status === 404) return 0;
  assert.equal(res.status, 200);
  const body = (await res.json()) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
  return body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((x) => x.spans)).length;
}

function grpcExport(url: string, metadata: Metadata): Promise<{ code: number; details: string }> {
  const client = new Client(url.replace(/^http:\/\//, ''), credentials.createInsecure());
  const body = Buffer.from(encodeTraceRequest([makeSpan({ traceId: hexId(16) })]));
  return new Promise((resolve) => {
    client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, metadata, (err) => {
      client.close();
      resolve({ code: err?.code ?? 0, details: err?.details ?? '' });
    });
  });
}

describe('ingest key', () => {
  let s: RunningSextant;
  before(async () => {
    s = await start({ ingestKeys: [INGEST_KEY], queryAuth: { mode: 'token', browserToken: BROWSER_TOKEN, apiTokens: [API_TOKEN] } });
  });

  for (const [protocol, endpoint] of [
    ['http/protobuf', () => s.urls.otlpHttp!],
    ['http/json', () => s.urls.otlpHttp!],
    ['grpc', () => s.urls.otlpGrpc!],
  ] as const) {
    test(`real OTel JS ${protocol} exporter: OTEL_EXPORTER_OTLP_HEADERS is all it needs`, async () => {
      const base = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint(), OTEL_EXPORTER_OTLP_PROTOCOL: protocol };
      const good = await exportFromEnv({ ...base, OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${INGEST_KEY}` });
      assert.ok(good.ok, `export with the key failed: ${good.error}`);
      assert.equal(await spanCount(s, good.traceId), 2);
      const viaApiKey = await exportFromEnv({ ...base, OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${INGEST_KEY}` });
      assert.ok(viaApiKey.ok, `export with x-api-key failed: ${viaApiKey.error}`);
      assert.equal(await spanCount(s, viaApiKey.traceId), 2);
      for (const headers of [undefined, `authorization=Bearer ${INGEST_KEY}x`]) {
        const bad = await exportFromEnv({ ...base, ...(headers ? { OTEL_EXPORTER_OTLP_HEADERS: headers } : {}) });
        assert.equal(bad.ok, false, `export with ${headers ?? 'no headers'} succeeded`);
        assert.equal(await spanCount(s, bad.traceId), 0);
      }
    });
  }

  test('Zipkin and raw OTLP/HTTP: 401 without the key, before the body is read', async () => {
    const traceId = hexId(16);
    const zipkin = JSON.stringify([{ traceId, id: hexId(8), name: 'x', timestamp: Date.now() * 1000, duration: 10, localEndpoint: { serviceName: 'z' } }]);
    let res = await fetch(`${s.urls.zipkin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: zipkin });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /ingest key/);
    res = await fetch(`${s.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { code: number }).code, 16, 'google.rpc.Status UNAUTHENTICATED');
    res = await fetch(`${s.urls.zipkin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': INGEST_KEY }, body: zipkin });
    assert.equal(res.status, 202);
    assert.equal(await spanCount(s, traceId), 1);
  });

  test('gRPC: UNAUTHENTICATED without the key in metadata', async () => {
    assert.equal((await grpcExport(s.urls.otlpGrpc!, new Metadata())).code, grpcStatus.UNAUTHENTICATED);
    const md = new Metadata();
    md.set('authorization', `Bearer ${INGEST_KEY}`);
    assert.equal((await grpcExport(s.urls.otlpGrpc!, md)).code, grpcStatus.OK);
  });
});

describe('query API and UI login', () => {
  let s: RunningSextant;
  before(async () => {
    s = await start({ uiDir: UI_BUILT ? DEFAULT_UI_DIR : null, queryAuth: { mode: 'token', browserToken: BROWSER_TOKEN, apiTokens: [API_TOKEN] } });
    const res = await fetch(`${s.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTraceRequest([makeSpan({ service: 'shop' })]) });
    assert.equal(res.status, 200);
  });

  test('Grafana-style bearer token on the Jaeger and native APIs; health stays open', async () => {
    for (const path of ['/api/services', '/api/v3/services', '/api/v1/services', '/api/anything-added-later']) {
      const anon = await fetch(`${s.urls.api}${path}`);
      assert.equal(anon.status, 401, path);
      assert.match(anon.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal((await fetch(`${s.urls.api}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}x` } })).status, 401, path);
      assert.equal((await fetch(`${s.urls.api}${path}`, { headers: { authorization: `Bearer ${BROWSER_TOKEN}` } })).status, 401, `${path}: the login token is not an API token`);
    }
    const ok = await fetch(`${s.urls.api}/api/services`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.ok(((await ok.json()) as { data: string[] }).data.includes('shop'));
    assert.equal((await fetch(`${s.urls.api}/api/health`)).status, 200);
  });

  test('the login URL gives an HttpOnly, SameSite=Strict session; the UI then works', { skip: UI_BUILT ? false : 'the web UI is not built' }, async () => {
    const page = await browser.newPage();
    await page.goto(`${s.urls.api}/search`);
    assert.match(page.url(), /\/login\?next=%2Fsearch$/);
    assert.ok(await page.locator('input[name=t]').isVisible());
    await page.goto(`${s.urls.api}/login?t=wrong&next=/search`);
    assert.match(await page.content(), /not valid/);
    await page.goto(`${s.urls.api}/login?t=${BROWSER_TOKEN}&next=/search`);
    await page.getByTestId('trace-row').first().waitFor();
    assert.match(page.url(), /\/search$/);
    const cookie = (await browser.cookies(s.urls.api)).find((c) => c.name === 'sextant_session');
    assert.ok(cookie, 'session cookie set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.notEqual(cookie.value, BROWSER_TOKEN);
    assert.equal(await page.evaluate(() => document.cookie.includes('sextant_session')), false);
    // The pasted-token form works too, and logging out ends the session on the server.
    await page.goto(`${s.urls.api}/logout`);
    const status = await page.evaluate(async () => (await fetch('/logout', { method: 'POST' })).status);
    assert.equal(status, 200);
    assert.equal(await page.evaluate(async () => (await fetch('/api/v1/services')).status), 401);
    await page.goto(`${s.urls.api}/login?next=/services`);
    await page.fill('input[name=t]', BROWSER_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/services$/);
    assert.equal(await page.evaluate(async () => (await fetch('/api/v1/services')).status), 200);
    await page.close();
    await browser.clearCookies();
  });

  test('an open redirect through ?next= is not possible', async () => {
    const res = await fetch(`${s.urls.api}/login?t=${BROWSER_TOKEN}&next=//evil.example/x`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /url=\/"/);
    assert.doesNotMatch(html, /evil/);
  });
});

describe('OpenID Connect', () => {
  let provider: Server;
  let s: RunningSextant;
  before(async () => {
    // Sextant's port must be known to register the redirect URI, so reserve one first.
    const reserve = createServer();
    await new Promise<void>((r) => reserve.listen(0, '127.0.0.1', r));
    const apiPort = (reserve.address() as { port: number }).port;
    await new Promise((r) => reserve.close(r));
    provider = createServer();
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    // `localhost` for the provider and 127.0.0.1 for Sextant: two sites, as in production.
    const issuer = `http://localhost:${(provider.address() as { port: number }).port}`;
    const oidc = new Provider(issuer, {
      clients: [{ client_id: 'sextant', client_secret: 'sextant-secret', redirect_uris: [`http://127.0.0.1:${apiPort}/auth/oidc/callback`], grant_types: ['authorization_code'], response_types: ['code'] }],
      findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id, email: `${id}@example.com` }) }),
      claims: { openid: ['sub'], email: ['email'] },
    });
    provider.on('request', oidc.callback());
    s = await start({
      port: apiPort,
      uiDir: UI_BUILT ? DEFAULT_UI_DIR : null,
      queryAuth: { mode: 'oidc', apiTokens: [], oidc: { issuer, clientId: 'sextant', clientSecret: 'sextant-secret', scopes: 'openid email' } },
    });
  });
  after(() => provider?.close());

  test('login through the provider: code flow with PKCE, then a session', { skip: UI_BUILT ? false : 'the web UI is not built' }, async () => {
    const page = await browser.newPage();
    await page.goto(`${s.urls.api}/services`);
    // oidc-provider's development login and consent pages.
    await page.waitForURL(/localhost:\d+\/interaction\//);
    await page.fill('input[name=login]', 'alice');
    await page.fill('input[name=password]', 'any');
    await page.click('button[type=submit]');
    await page.waitForURL(/localhost:\d+\/interaction\/|127\.0\.0\.1/);
    if (/\/interaction\//.test(page.url())) await page.click('button[type=submit]');
    await page.waitForURL(/127\.0\.0\.1:\d+\/services$/);
    assert.equal(await page.evaluate(async () => (await fetch('/api/v1/services')).status), 200);
    const cookie = (await browser.cookies(s.urls.api)).find((c) => c.name === 'sextant_session');
    assert.equal(cookie?.sameSite, 'Strict');
    await page.close();
    await browser.clearCookies();
  });

  test('a forged callback (unknown state) is refused', async () => {
    const res = await fetch(`${s.urls.api}/auth/oidc/callback?code=abc&state=forged`);
    assert.equal(res.status, 401);
    assert.equal((await fetch(`${s.urls.api}/api/v1/services`)).status, 401);
  });
});

describe('exposure', () => {
  test('binding beyond loopback without authentication refuses to start, naming the flags', async () => {
    const r = await runCli(['serve', '--memory', '--host', '0.0.0.0', '--port', '0', '--otlp-grpc-port', '0', '--otlp-http-port', '0', '--zipkin-port', '0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--ingest-key .*--auth token or --oidc-issuer.*--allow-anonymous/);
  });

  test('with keys and tokens it starts, prints the login URL, and never logs a secret', async () => {
    const child = await startChildServer(['--memory', '--host', '0.0.0.0', '--ingest-key', INGEST_KEY, '--auth', 'token', '--api-token', API_TOKEN]);
    try {
      const login = /Log in:\s+(\S+)/.exec(child.output())?.[1];
      assert.ok(login, child.output());
      const port = new URL(child.api).port;
      const token = new URL(login).searchParams.get('t')!;
      assert.ok(token.length >= 32, 'a generated browser token');
      // Failed and successful attempts with every secret, then look for them in everything the server wrote.
      await fetch(`http://127.0.0.1:${port}/api/v1/services`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      await fetch(`http://127.0.0.1:${port}/api/v1/services`, { headers: { authorization: 'Bearer guess-1' } });
      await fetch(`${child.otlpHttp.replace('0.0.0.0', '127.0.0.1')}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': INGEST_KEY }, body: '{"resourceSpans":[]}' });
      await fetch(`${child.otlpHttp.replace('0.0.0.0', '127.0.0.1')}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'guess-2' }, body: '{' });
      const out = child.output();
      for (const secret of [INGEST_KEY, API_TOKEN, 'guess-1', 'guess-2']) assert.ok(!out.includes(secret), `${secret} appears in the server output`);
      assert.equal(out.split(token).length - 1, 1, 'the browser token is printed once, in the login URL');
    } finally {
      child.proc.kill('SIGTERM');
      await new Promise((r) => child.proc.on('exit', r));
    }
  });

  test('--allow-anonymous is the explicit way to expose without authentication', async () => {
    const child = await startChildServer(['--memory', '--host', '0.0.0.0', '--allow-anonymous']);
    child.proc.kill('SIGTERM');
    await new Promise((r) => child.proc.on('exit', r));
    assert.match(child.output(), /without authentication/);
  });
});
