// Tempo's StreamingQuerier on the query port, called the way Grafana's Tempo data source calls it with streaming
// on: a grpc-js client, plain-text HTTP/2 to the data source URL's host and port, messages from tempopb's field
// numbers (test/support/tempo-streaming.proto, decoded by protobufjs, not by Sextant's codec).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { credentials, loadPackageDefinition, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { decodeTraceFile, getAttr } from '@sextant/core';
import { readFixtureText } from '../../../testing/fixtures.js';
import type { RunningSextant } from '../src/server.js';
import { startTestServer } from './support/server.js';

const PROTO = fileURLToPath(new URL('./support/tempo-streaming.proto', import.meta.url));
const FIXTURE_TRACE = '4a1b2c3d4e5f60718293a4b5c6d7e8f9';
const TOKEN = 'grafana-test-token';

type Stream = NodeJS.ReadableStream & { cancel(): void };
interface StreamingQuerier {
  Search(req: object, md: Metadata): Stream;
  MetricsQueryRange(req: object, md: Metadata): Stream;
  MetricsQueryInstant(req: object, md: Metadata): Stream;
  close(): void;
}
type Ctor = new (address: string, creds: ReturnType<typeof credentials.createInsecure>, options?: object) => StreamingQuerier;
const pkg = loadPackageDefinition(loadSync(PROTO, { longs: String, defaults: false, oneofs: true })) as unknown as { tempopb: { StreamingQuerier: Ctor } };

let open: RunningSextant;
let locked: RunningSextant;

function address(s: RunningSextant): string {
  return new URL(s.urls.api).host;
}

/** Every message of one streaming call, or the call's error. */
function streamCall(method: 'Search' | 'MetricsQueryRange' | 'MetricsQueryInstant', s: RunningSextant, req: object, md = new Metadata(), options: object = {}): Promise<any[]> {
  const client = new pkg.tempopb.StreamingQuerier(address(s), credentials.createInsecure(), options);
  return new Promise<any[]>((resolve, reject) => {
    const messages: any[] = [];
    const call = client[method](req, md);
    call.on('data', (m: unknown) => messages.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(messages));
  }).finally(() => client.close());
}

const search = (s: RunningSextant, req: object, md?: Metadata, options?: object) => streamCall('Search', s, req, md, options);

async function rejection(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError;
  }
  assert.fail('the call succeeded');
}

const fixture = () => decodeTraceFile(readFixtureText('jaeger-ui/misc/genaiTestTrace.json')).result.items;

before(async () => {
  open = await startTestServer();
  locked = await startTestServer({ queryAuth: { mode: 'token', apiTokens: [TOKEN] } });
  for (const s of [open, locked]) {
    await s.store.write(fixture(), []);
    await s.store.write(decodeTraceFile(readFixtureText('otlp/example-trace.json')).result.items, []);
  }
});

after(async () => {
  await open?.close();
  await locked?.close();
});

test('TraceQL search streams the same traces, spansets and attributes as GET /api/search answers', async () => {
  const q = '{ span.gen_ai.usage.input_tokens > 1000 }';
  const messages = await search(open, { Query: q, Limit: 20, SpansPerSpanSet: 2, start: 1_700_000_000, end: 1_900_000_000 });
  assert.equal(messages.length, 1);
  const [res] = messages;
  const http = (await (await fetch(`${open.urls.api}/api/search?${new URLSearchParams({ q, limit: '20', spss: '2', start: '1700000000', end: '1900000000' })}`)).json()) as any;
  const heavy = fixture().filter((s) => Number(getAttr(s.attributes, 'gen_ai.usage.input_tokens') ?? 0) > 1000);
  assert.equal(res.traces.length, 1);
  const t = res.traces[0];
  assert.equal(t.traceID, FIXTURE_TRACE);
  assert.equal(t.rootServiceName, http.traces[0].rootServiceName);
  assert.equal(t.rootTraceName, 'POST /api/graphql');
  assert.equal(t.startTimeUnixNano, http.traces[0].startTimeUnixNano);
  assert.equal(t.durationMs, 44_000);
  assert.equal(t.spanSets.length, 1);
  assert.equal(t.spanSets[0].matched, heavy.length);
  assert.deepEqual(t.spanSet, t.spanSets[0]);
  const spans = t.spanSets[0].spans;
  assert.equal(spans.length, 2);
  assert.deepEqual(
    spans.map((s: any) => [s.spanID, s.name, s.startTimeUnixNano, s.durationNanos]),
    http.traces[0].spanSets[0].spans.map((s: any) => [s.spanID, s.name, s.startTimeUnixNano, s.durationNanos]),
  );
  assert.ok(spans.every((s: any) => heavy.some((h) => h.spanId === s.spanID)));
  // Typed attribute values: the service name as a string, the compared tokens as an int64.
  const attrs = Object.fromEntries(spans[0].attributes.map((a: any) => [a.key, a.value]));
  assert.equal(attrs['service.name'].stringValue, 'coding-agent');
  assert.equal(attrs['gen_ai.usage.input_tokens'].intValue, '1840');
  assert.equal(t.serviceStats['coding-agent'].spanCount, http.traces[0].serviceStats['coding-agent'].spanCount);
  assert.equal(res.metrics.inspectedTraces, http.metrics.inspectedTraces);
  assert.equal(res.metrics.inspectedSpans, http.metrics.inspectedSpans);
  assert.equal(res.metrics.additionalMetrics.truncated, '0');
});

test('by() spansets, the older tags search, and HTTP/1.1 on the same port', async () => {
  const [grouped] = await search(open, { Query: '{ span.gen_ai.usage.input_tokens > 0 } | by(span.gen_ai.request.model)', Limit: 5, SpansPerSpanSet: 1 });
  const sets = grouped.traces[0].spanSets;
  assert.deepEqual(sets.map((s: any) => s.attributes[0].value.stringValue).sort(), ['model-a', 'model-b']);
  assert.equal(sets.reduce((a: number, s: any) => a + s.matched, 0), fixture().filter((s) => getAttr(s.attributes, 'gen_ai.usage.input_tokens') !== undefined).length);
  const [tagged] = await search(open, { Tags: { 'service.name': 'summarizer-agent' }, MinDurationMs: 1000, Limit: 5 });
  assert.deepEqual(tagged.traces.map((t: any) => t.traceID), [FIXTURE_TRACE]);
  assert.ok(tagged.traces[0].spanSets[0].spans.every((s: any) => Number(s.durationNanos) >= 1e9));
  // A request split across packets, starting like the HTTP/2 preface does not, still reaches the HTTP server.
  const answer = await new Promise<string>((resolve, reject) => {
    const sock = connect(Number(new URL(open.urls.api).port), '127.0.0.1');
    let got = '';
    sock.on('data', (d) => (got += d));
    sock.on('end', () => resolve(got));
    sock.on('error', reject);
    sock.write('P');
    setTimeout(() => sock.write('OST /api/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 50);
  });
  assert.match(answer, /^HTTP\/1\.1 404/);
  assert.equal(await (await fetch(`${open.urls.api}/api/echo`)).text(), 'echo');
});

test('TraceQL metrics stream as QueryRangeResponse and QueryInstantResponse, equal to the HTTP answers', async () => {
  const spans = fixture();
  const t0 = spans.reduce((a, s) => (s.startTimeUnixNano < a ? s.startTimeUnixNano : a), spans[0]!.startTimeUnixNano);
  const start = t0 - (t0 % 60_000_000_000n);
  const end = start + 600_000_000_000n;
  const q = '{ span.gen_ai.operation.name = "chat" } | count_over_time() by(span.gen_ai.request.model)';
  const [range] = await streamCall('MetricsQueryRange', open, { query: q, start: String(start), end: String(end), step: '60000000000', exemplars: 5 });
  const http = (await (await fetch(`${open.urls.api}/api/metrics/query_range?${new URLSearchParams({ q, start: String(start), end: String(end), step: '60s', exemplars: '5' })}`)).json()) as any;
  const label = (s: any) => s.labels[0].value.stringValue;
  assert.deepEqual(range.series.map(label).sort(), ['model-a', 'model-b']);
  for (const s of range.series) {
    const h = http.series.find((x: any) => x.labels[0].value.stringValue === label(s));
    // proto3 leaves zeros off the wire: an absent value is 0.
    assert.deepEqual(s.samples.map((p: any) => [p.timestampMs, p.value ?? 0]), h.samples.map((p: any) => [p.timestampMs, p.value]));
    assert.ok(s.exemplars.length > 0 && s.exemplars.every((e: any) => e.labels.some((l: any) => l.key === 'trace:id' && l.value.stringValue === FIXTURE_TRACE)));
  }
  // Worked out from the file: the chat spans per model.
  const chats = spans.filter((s) => getAttr(s.attributes, 'gen_ai.operation.name') === 'chat');
  const total = (m: string) => range.series.find((s: any) => label(s) === m).samples.reduce((a: number, p: any) => a + (p.value ?? 0), 0);
  assert.equal(total('model-a'), chats.filter((s) => getAttr(s.attributes, 'gen_ai.request.model') === 'model-a').length);
  assert.equal(total('model-b'), 1);
  const [instant] = await streamCall('MetricsQueryInstant', open, { query: '{ span.gen_ai.operation.name = "chat" } | count_over_time()', start: String(start), end: String(end) });
  assert.equal(instant.series.length, 1);
  assert.equal(instant.series[0].value, chats.length);
  const notMetrics = await rejection(streamCall('MetricsQueryRange', open, { query: '{ }', start: String(start), end: String(end) }));
  assert.equal(notMetrics.code, status.INVALID_ARGUMENT);
  assert.match(notMetrics.details, /not a metrics query/);
});

test('malformed queries and messages are INVALID_ARGUMENT naming the problem; the server keeps answering', async () => {
  const bad = await rejection(search(open, { Query: '{ span.gen_ai.usage.input_tokens > }', Limit: 5 }));
  assert.equal(bad.code, status.INVALID_ARGUMENT);
  assert.match(bad.details, /TraceQL parse error at line 1, column 36/);
  const metrics = await rejection(search(open, { Query: '{ } | rate()' }));
  assert.equal(metrics.code, status.INVALID_ARGUMENT);
  assert.match(metrics.details, /metrics query/);
  // A truncated connection preface, then nothing: dropped without harm.
  await new Promise<void>((resolve, reject) => {
    const sock = connect(Number(new URL(open.urls.api).port), '127.0.0.1', () => sock.end('PRI * HTTP/2.0\r\n'));
    sock.on('close', () => resolve());
    sock.on('error', reject);
  });
  const [ok] = await search(open, { Query: '{ }', Limit: 1 });
  assert.equal(ok.traces.length, 1);
});

test('query authentication applies: no token UNAUTHENTICATED, the API token works; other sites and names are refused', async () => {
  const anonymous = await rejection(search(locked, { Query: '{ }' }));
  assert.equal(anonymous.code, status.UNAUTHENTICATED);
  assert.match(anonymous.details, /authentication required/);
  const wrong = new Metadata();
  wrong.set('authorization', 'Bearer not-the-token');
  assert.equal((await rejection(search(locked, { Query: '{ }' }, wrong))).code, status.UNAUTHENTICATED);
  const md = new Metadata();
  md.set('authorization', `Bearer ${TOKEN}`);
  const [res] = await search(locked, { Query: '{ }', Limit: 10 }, md);
  assert.equal(res.traces.length, 2);
  // The browser policy sees what a browser would send, and the authority as Host (DNS rebinding).
  const fromPage = new Metadata();
  fromPage.set('origin', 'https://evil.example');
  const foreign = await rejection(search(open, { Query: '{ }' }, fromPage));
  assert.equal(foreign.code, status.PERMISSION_DENIED);
  assert.match(foreign.details, /requests from pages on https:\/\/evil\.example are refused/);
  const rebound = await rejection(search(open, { Query: '{ }' }, new Metadata(), { 'grpc.default_authority': `evil.example:${new URL(open.urls.api).port}` }));
  assert.equal(rebound.code, status.PERMISSION_DENIED);
  assert.match(rebound.details, /does not answer to the name 'evil\.example'/);
});
