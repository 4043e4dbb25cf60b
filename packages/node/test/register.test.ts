// `node --import @sextant/node/register` on real apps in child processes (ESM and CommonJS express), exporting
// through the real OTLP/HTTP JSON exporters to a real receiver on loopback.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FIXTURES, FROM_SOURCE, OtlpJsonReceiver, REGISTER, otlpEnv, send, spawnNode, stdoutIncludes, stop, type Child } from './support.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const LOG_TRACE = '5b8efff798038103d269b633813fc60c';
const SERVER = 2;
const TRACERESPONSE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[0-3]$/;

function stdoutJsonLines(child: Child): Record<string, unknown>[] {
  return child
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('ESM express app', () => {
  const receiver = new OtlpJsonReceiver();
  let app: Child;
  let port: number;
  before(async () => {
    app = spawnNode([...FROM_SOURCE, ...REGISTER, `${FIXTURES}express-app.mjs`], otlpEnv(await receiver.listen(), 'esm-shop'));
    port = await app.port;
  });
  after(async () => {
    await stop(app);
    await receiver.close();
  });

  test('a request without traceparent starts a trace that spans both hops, and says so in traceresponse', async () => {
    const answer = await send(port, 'GET', '/hello');
    assert.equal(answer.status, 200);
    const { traceId } = JSON.parse(answer.body) as { traceId: string };
    const m = TRACERESPONSE.exec(String(answer.headers.traceresponse));
    assert.ok(m, `traceresponse: ${answer.headers.traceresponse}`);
    assert.equal(m[1], traceId);
    await receiver.until(() => receiver.spans.filter((s) => s.traceId === traceId && s.kind === SERVER).length === 2);
    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    const root = spans.find((s) => s.name === 'GET /hello')!;
    assert.equal(root.parentSpanId, '', 'a new trace has a root span');
    assert.equal(root.spanId, m[2], 'traceresponse names the server span');
    assert.equal(root.service, 'esm-shop');
    const custom = spans.find((s) => s.name === 'call-inner')!;
    assert.equal(custom.scope, '@sextant/node');
    assert.equal(Number(custom.attributes['demo.attr']), 7);
    // Without the ESM loader hook only the `router` package (required by express) would be patched: no express
    // spans, and the server span would be plain `GET` without the route.
    assert.ok(spans.some((s) => s.attributes['express.type'] === 'request_handler'), 'express (ESM import) is instrumented');
    const inner = spans.find((s) => s.name === 'GET /inner')!;
    const client = spans.find((s) => s.spanId === inner.parentSpanId)!;
    assert.equal(client.parentSpanId, custom.spanId, 'fetch inside withSpan is a child of it, and the inner server span of the fetch');
  });

  test('a request with traceparent continues that trace', async () => {
    const answer = await send(port, 'GET', '/hello', [['traceparent', `00-${TRACE}-${PARENT}-01`]]);
    assert.equal(JSON.parse(answer.body).traceId, TRACE);
    assert.match(String(answer.headers.traceresponse), new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    await receiver.until(() => receiver.spans.some((s) => s.traceId === TRACE && s.name === 'GET /hello'));
    assert.equal(receiver.spans.find((s) => s.traceId === TRACE && s.name === 'GET /hello')!.parentSpanId, PARENT);
  });

  test('an invalid traceparent is ignored: new trace', async () => {
    const answer = await send(port, 'GET', '/hello', [['traceparent', `00-${TRACE.toUpperCase()}-${PARENT}-01`]]);
    const { traceId } = JSON.parse(answer.body) as { traceId: string };
    assert.notEqual(traceId.toLowerCase(), TRACE);
    assert.match(traceId, /^[0-9a-f]{32}$/);
  });

  test('pino lines inside a span carry trace_id, span_id, trace_flags and are exported as OTLP logs', async () => {
    const answer = await send(port, 'GET', '/hello', [['traceparent', `00-${LOG_TRACE}-${PARENT}-01`]]);
    assert.equal(answer.status, 200);
    await stdoutIncludes(app, LOG_TRACE);
    const line = stdoutJsonLines(app).find((l) => l.msg === 'saying hello' && l.trace_id === LOG_TRACE);
    assert.ok(line, app.stdout());
    assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
    assert.equal(line.trace_flags, '01');
    await receiver.until(() => receiver.logs.some((l) => l.traceId === LOG_TRACE && l.body === 'saying hello'));
    assert.equal(receiver.logs.find((l) => l.traceId === LOG_TRACE)!.service, 'esm-shop');
  });

  test('an error inside withSpan is recorded on the span with ERROR status', async () => {
    const answer = await send(port, 'GET', '/fail');
    assert.equal(answer.status, 500);
    await receiver.until(() => receiver.spans.some((s) => s.name === 'failing-work'));
    const span = receiver.spans.find((s) => s.name === 'failing-work')!;
    assert.equal(span.statusCode, 2);
    assert.equal(span.events[0].name, 'exception');
    assert.equal(span.events[0].attributes['exception.message'], 'boom');
  });
});

describe('CommonJS express app with winston and the explicit middleware', () => {
  const receiver = new OtlpJsonReceiver();
  let app: Child;
  let port: number;
  before(async () => {
    const env = { ...otlpEnv(await receiver.listen(), 'cjs-shop'), SEXTANT_TRACE_RESPONSE: 'false' };
    app = spawnNode([...FROM_SOURCE, ...REGISTER, `${FIXTURES}express-app.cjs`], env);
    port = await app.port;
  });
  after(async () => {
    await stop(app);
    await receiver.close();
  });

  test('continues the trace, returns traceresponse and x-request-id, correlates winston', async () => {
    const answer = await send(port, 'GET', '/hello', [['traceparent', `00-${TRACE}-${PARENT}-01`]]);
    assert.equal(JSON.parse(answer.body).traceId, TRACE);
    assert.match(String(answer.headers.traceresponse), new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    assert.equal(answer.headers['x-request-id'], TRACE);
    await stdoutIncludes(app, 'hello from winston');
    const line = stdoutJsonLines(app).find((l) => l.message === 'hello from winston');
    assert.equal(line?.trace_id, TRACE);
    await receiver.until(() => receiver.logs.some((l) => l.traceId === TRACE && l.body === 'hello from winston'));
    await receiver.until(() => receiver.spans.some((s) => s.traceId === TRACE && s.name === 'GET /hello'));
  });

  test('without traceparent the middleware still returns the new trace id', async () => {
    const answer = await send(port, 'GET', '/hello');
    const { traceId } = JSON.parse(answer.body) as { traceId: string };
    assert.equal(answer.headers['x-request-id'], traceId);
    assert.notEqual(traceId, TRACE);
  });
});

describe('Fastify plugin and plain http helper', () => {
  const receiver = new OtlpJsonReceiver();
  let app: Child;
  before(async () => {
    // Automatic headers off: what the caller gets comes from the explicit helpers.
    const env = { ...otlpEnv(await receiver.listen(), 'fastify-app'), SEXTANT_TRACE_RESPONSE: 'false' };
    app = spawnNode([...FROM_SOURCE, ...REGISTER, `${FIXTURES}fastify-and-http.mjs`], env);
    await app.port;
  });
  after(async () => {
    await stop(app);
    await receiver.close();
  });

  test('fastifyTraceResponse returns traceresponse and the configured id header', async () => {
    const answer = await send(await app.port, 'GET', '/hello', [['traceparent', `00-${TRACE}-${PARENT}-01`]]);
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers.traceresponse), new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    assert.equal(answer.headers['x-trace-id'], TRACE);
    const spanId = TRACERESPONSE.exec(String(answer.headers.traceresponse))![2];
    await receiver.until(() => receiver.spans.some((s) => s.spanId === spanId));
    assert.equal(receiver.spans.find((s) => s.spanId === spanId)!.kind, SERVER);
  });

  test('withTraceResponse does the same for node:http', async () => {
    const plainPort = Number(/PLAIN (\d+)/.exec(app.stdout())![1]);
    const answer = await send(plainPort, 'GET', '/', [['traceparent', `00-${TRACE}-${PARENT}-03`]]);
    assert.equal(answer.body, 'plain');
    assert.match(String(answer.headers.traceresponse), new RegExp(`^00-${TRACE}-[0-9a-f]{16}-03$`));
    assert.equal(answer.headers['x-request-id'], TRACE);
    const fresh = await send(plainPort, 'GET', '/');
    const m = TRACERESPONSE.exec(String(fresh.headers.traceresponse))!;
    assert.notEqual(m[1], TRACE);
    assert.equal(fresh.headers['x-request-id'], m[1]);
  });
});

describe('exit and collector outages', () => {
  test('SIGTERM flushes pending spans, then the process still dies of SIGTERM', async () => {
    const receiver = new OtlpJsonReceiver();
    // A batch delay far beyond the test: only the flush at exit can deliver the spans.
    const env = { ...otlpEnv(await receiver.listen(), 'sigterm-app'), OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_BLRP_SCHEDULE_DELAY: '600000' };
    const app = spawnNode([...FROM_SOURCE, ...REGISTER, `${FIXTURES}express-app.mjs`], env);
    try {
      const answer = await send(await app.port, 'GET', '/hello', [['traceparent', `00-${TRACE}-${PARENT}-01`]]);
      assert.equal(answer.status, 200);
      assert.equal(receiver.spans.length, 0);
      app.process.kill('SIGTERM');
      const exit = await app.exited;
      assert.equal(exit.signal, 'SIGTERM');
      assert.ok(receiver.spans.some((s) => s.traceId === TRACE && s.name === 'GET /hello'), 'spans flushed before exit');
      assert.ok(receiver.logs.some((l) => l.traceId === TRACE), 'logs flushed before exit');
    } finally {
      await stop(app);
      await receiver.close();
    }
  });

  test('an unreachable collector gives one warning line on stderr, never a crash', async () => {
    // A short export timeout only makes the exporter give up (and the warning appear) sooner.
    const env = { ...otlpEnv(`http://127.0.0.1:${await closedPort()}`, 'lonely-app'), OTEL_EXPORTER_OTLP_TIMEOUT: '1000' };
    const app = spawnNode([...FROM_SOURCE, ...REGISTER, `${FIXTURES}express-app.mjs`], env);
    try {
      const port = await app.port;
      const warned = new Promise<void>((resolve) => {
        const check = () => (app.stderr().includes('[sextant]') ? resolve() : app.process.stderr!.once('data', check));
        check();
      });
      assert.equal((await send(port, 'GET', '/hello')).status, 200);
      await warned;
      for (let i = 0; i < 5; i++) assert.equal((await send(port, 'GET', '/hello')).status, 200);
      app.process.kill('SIGTERM');
      const exit = await app.exited;
      assert.equal(exit.signal, 'SIGTERM', app.stderr());
      const lines = app.stderr().split('\n').filter((l) => l.trim() !== '');
      assert.equal(lines.length, 1, app.stderr());
      assert.match(lines[0], /^\[sextant\] could not export (spans|logs) to the OpenTelemetry collector.*ECONNREFUSED/);
    } finally {
      await stop(app);
    }
  });
});
