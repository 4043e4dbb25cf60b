// The MCP server through the official SDK's own client: over Streamable HTTP at /api/mcp and over stdio by
// spawning the real `sextant mcp`, against a real Sextant holding the demo shop's traces (slow-db scenario),
// fixture traces and a 50,000-span trace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { analyzeTrace, decodeTraceFile, getAttr, SpanKind, type Span } from '@sextant/core';
import { runLoad, startDemo } from '@sextant/demo';
import { readFixtureText } from '../../../testing/fixtures.js';
import type { RunningSextant } from '../src/server.js';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { estimateTokens } from '../src/mcp/budget.js';
import { startTestServer } from './support/server.js';
import { hexId, makeSpan, resourceFor } from './support/spans.js';

const CLI_ENTRY = fileURLToPath(new URL('./support/cli-entry.ts', import.meta.url));
const TOOLS = [
  'list_services',
  'search_traces',
  'get_trace_overview',
  'get_trace_spans',
  'get_span',
  'get_trace_errors',
  'get_trace_logs',
  'get_genai_steps',
  'get_dependencies',
  'get_red',
  'compare_traces',
  'compare_cohorts',
];

let sextant: RunningSextant;
let http: Client;
const BIG = hexId(16);
let bigRoot = '';
let bigWorker = '';
const FIXTURE_TRACE = '4a1b2c3d4e5f60718293a4b5c6d7e8f9';

/** 1 root, 200 workers each running 249 database calls one after another (an N+1 loop), some failing. */
function bigTrace(): Span[] {
  const now = BigInt(Date.now() - 30_000) * 1_000_000n;
  const api = resourceFor('api');
  const db = resourceFor('orders-db');
  const root = makeSpan({ traceId: BIG, name: 'GET /report', resource: api, kind: SpanKind.SERVER, startNano: now, durationNano: 20_000_000_000n });
  bigRoot = root.spanId;
  const spans: Span[] = [root];
  for (let w = 0; w < 200; w++) {
    const start = now + BigInt(w) * 100_000_000n;
    const worker = makeSpan({ traceId: BIG, parentSpanId: root.spanId, name: 'build section', resource: api, startNano: start, durationNano: 99_000_000n });
    if (w === 0) bigWorker = worker.spanId;
    spans.push(worker);
    for (let q = 0; q < 249; q++) {
      spans.push(
        makeSpan({
          traceId: BIG,
          parentSpanId: worker.spanId,
          name: 'SELECT orders',
          resource: db,
          kind: SpanKind.CLIENT,
          startNano: start + BigInt(q) * 390_000n,
          durationNano: 380_000n,
          attributes: [
            { key: 'db.system', value: 'postgresql' },
            { key: 'db.statement', value: `SELECT * FROM orders WHERE id = ${q} ${'-- padding '.repeat(q === 0 ? 2000 : 1)}` },
          ],
          error: w === 7 && q === 3,
        }),
      );
    }
  }
  return spans;
}

function text(result: unknown): string {
  const r = result as { content: { type: string; text: string }[]; isError?: boolean };
  assert.equal(r.content[0]!.type, 'text');
  return r.content.map((c) => c.text).join('\n');
}

/** Every successful answer of this file, for the check of the token estimate against real tokenizers. */
const answers: { name: string; text: string }[] = [];

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const r = await client.callTool({ name, arguments: args });
  assert.notEqual(r.isError, true, `${name} failed: ${text(r)}`);
  answers.push({ name, text: text(r) });
  return text(r);
}

before(async () => {
  sextant = await startTestServer();
  for (const file of ['jaeger-ui/misc/genaiTestTrace.json', 'otlp/example-trace.json', 'zipkin/yelp.json', 'jaeger-ui/misc/testTrace.json']) {
    await sextant.store.write(decodeTraceFile(readFixtureText(file)).result.items, []);
  }
  await sextant.store.write(bigTrace(), []);
  // The launcher picks free ports and then binds them; on a busy machine another process can take one in between.
  const launch = () => startDemo({ otlpEndpoint: sextant.urls.otlpHttp!, scenario: 'slow-db', env: { OTEL_BSP_SCHEDULE_DELAY: '200' } });
  const demo = await launch().catch((err: Error) => {
    if (!/EADDRINUSE/.test(err.message)) throw err;
    return launch();
  });
  try {
    await runLoad({ gatewayUrl: demo.gatewayUrl, durationMs: 4000, concurrency: 2 });
  } finally {
    await demo.stop();
  }
  http = new Client({ name: 'sextant-test', version: '1.0.0' });
  await http.connect(new StreamableHTTPClientTransport(new URL(`${sextant.urls.api}/api/mcp`)));
});

after(async () => {
  await http?.close();
  await sextant?.close();
});

test('over HTTP the SDK client lists every tool, each with a JSON schema taking maxTokens', async () => {
  const { tools } = await http.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), [...TOOLS].sort());
  for (const t of tools) {
    assert.equal(t.inputSchema.type, 'object');
    assert.ok(t.inputSchema.properties && 'maxTokens' in t.inputSchema.properties, `${t.name} takes maxTokens`);
    assert.ok((t.description ?? '').length > 40, `${t.name} is described`);
  }
  const { prompts } = await http.listPrompts();
  assert.deepEqual(prompts.map((p) => p.name).sort(), ['explain_trace_errors', 'investigate_slow_endpoint']);
  const { resourceTemplates } = await http.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((r) => r.uriTemplate), ['sextant://traces/{traceId}/analysis']);
});

test('an agent finds the slow endpoint of the demo, opens a trace and names the slow database call on its critical path', async () => {
  const red = await call(http, 'get_red', { service: 'catalog', lookback: '15m' });
  assert.match(red, /catalog GET \/search: \d+ calls/, red);
  // The shop's search endpoint (the assistant's tool calls reach the catalog's search too, inside agent runs).
  const found = await call(http, 'search_traces', { service: 'gateway', operation: 'GET /api/search', traceMinDuration: '240ms', limit: 5 });
  const traceId = /^([0-9a-f]{32}) /m.exec(found)?.[1];
  assert.ok(traceId, `a slow search trace: ${found}`);
  const overview = await call(http, 'get_trace_overview', { traceId });
  assert.match(overview, /Critical path: [\d.]+ (ms|s) in \d+ sections/);
  assert.match(overview, /catalog\s+SELECT/, overview);
  const path = await call(http, 'get_trace_spans', { traceId, mode: 'critical_path' });
  // The biggest share of the critical path is the catalog's slow query, and its row carries the span id to ask about next.
  const rows = [...path.matchAll(/^\d+\. ([0-9a-f]{16}) (\S+) (.+?): ([\d.]+ (?:ms|µs|s)) on the path \(([\d.]+)%\)/gm)];
  assert.ok(rows.length >= 3, path);
  const top = rows.reduce((a, r) => (Number(r[5]) > Number(a[5]) ? r : a));
  assert.equal(top[2], 'catalog');
  assert.match(top[3]!, /SELECT/);
  assert.ok(Number(top[5]) > 30, `the query holds the largest share of the path: ${top[0]}`);
  const span = await call(http, 'get_span', { traceId, spanId: top[1] });
  assert.match(span, /db\.(query\.text|statement) = "SELECT id, name, price FROM products/, span);
  assert.match(span, /duration [\d.]+ ms/);
  const deps = await call(http, 'get_dependencies', { lookback: '15m', service: 'catalog' });
  assert.match(deps, /gateway → catalog: \d+ calls, \d+ errors \([\d.]+%\), p50 [\d.]+ \S+, p95 .*example trace [0-9a-f]{32}/, deps);
  const cohort = await call(http, 'compare_cohorts', { selection: { service: 'gateway', operation: 'GET /api/search', traceMinDuration: '240ms', lookback: '15m' } });
  assert.match(cohort, /Selection \d+ traces vs baseline \d+ traces/);
  assert.match(cohort, /catalog SELECT[^\n]*\+[\d.]+ ms/, cohort);
});

test("the demo assistant's agent runs: conversation, tokens and where the run spent its time", async () => {
  const found = await sextant.store.searchTraces({ service: 'assistant', operation: 'invoke_agent shop-assistant', limit: 5 });
  assert.ok(found.traces.length > 0, 'the load asked the assistant');
  const spans = await sextant.store.getTrace(found.traces[0]!.traceId);
  const g = analyzeTrace(spans).genAi!;
  // search, look up the best match, answer: three model calls and two tools.
  assert.deepEqual(g.steps.map((s) => s.toolName ?? s.kind), ['agent', 'model', 'search_products', 'model', 'get_product', 'model']);
  const usage = (key: string) => spans.reduce((a, s) => a + Number(getAttr(s.attributes, key) ?? 0n), 0);
  assert.equal(g.inputTokens, usage('gen_ai.usage.input_tokens'));
  assert.equal(g.outputTokens, usage('gen_ai.usage.output_tokens'));
  assert.ok(g.inputTokens > 100 && g.outputTokens > 20);
  const answer = g.steps[5]!.output[0]!.parts[0]!.text;
  assert.match(answer, /^Yes: the .+ costs \$\d+\.\d\d and \d+ are in stock\.$/);
  // The run's critical path tiles its span; with slow-db on, the catalog search inside the tool dominates it.
  const run = g.runs[0]!;
  const split = [run.criticalPath.modelNano, run.criticalPath.toolNano, run.criticalPath.otherNano].map(Number);
  assert.ok(Math.abs(split[0]! + split[1]! + split[2]! - Number(run.durationNano)) <= 1, `${split} tile ${run.durationNano}`);
  const timing = () => JSON.stringify({ run, spans: spans.map((s) => [s.spanId, s.parentSpanId, s.name, String(s.startTimeUnixNano), String(s.endTimeUnixNano - s.startTimeUnixNano)]) });
  assert.ok(split[1]! > 250e6, `tool time ${split[1]} ns includes the slow search: ${timing()}`);
  assert.ok(split[0]! > 30e6, `three model calls of 10 ms and more: ${split[0]} ns`);
  const text = await call(http, 'get_genai_steps', { traceId: found.traces[0]!.traceId });
  assert.match(text, /tool_call → search_products\(\{"query":"[a-z]+"\}\)/);
  assert.match(text, /assistant: Yes: the /);
});

test('fixture traces: services, errors, spans under a span, logs, comparison and the analysis resource', async () => {
  const services = await call(http, 'list_services', {});
  assert.match(services, /catalog: .*GET \/search \[server\]/);
  const one = await call(http, 'list_services', { service: 'catalog' });
  assert.match(one, /^Operations of catalog:/);
  const overview = await call(http, 'get_trace_overview', { traceId: FIXTURE_TRACE });
  assert.match(overview, new RegExp(`Trace ${FIXTURE_TRACE}`));
  const errors = await call(http, 'get_trace_errors', { traceId: BIG });
  assert.match(errors, /1 error spans, 1 root causes/);
  assert.match(errors, /ROOT CAUSE [0-9a-f]{16} orders-db SELECT orders: boom\n    called via api:GET \/report > api:build section/);
  const children = await call(http, 'get_trace_spans', { traceId: BIG, mode: 'children', spanId: bigWorker, limit: 10 });
  assert.match(children, /children of [0-9a-f]{16}, rows 1–10 of 249/);
  assert.match(children, /\[truncated: 239 more rows not shown; call again with offset=10\]/);
  const next = await call(http, 'get_trace_spans', { traceId: BIG, mode: 'children', spanId: bigWorker, limit: 10, offset: 240 });
  assert.match(next, /rows 241–249 of 249/);
  assert.doesNotMatch(next, /truncated/);
  const logs = await call(http, 'get_trace_logs', { traceId: BIG });
  assert.match(logs, /^0 log records/);
  const found = await call(http, 'search_traces', { service: 'gateway', limit: 2 });
  const [a, b] = [...found.matchAll(/^([0-9a-f]{32}) /gm)].map((m) => m[1]);
  const cmp = await call(http, 'compare_traces', { a, b });
  assert.match(cmp, /^A [0-9a-f]{32}: [\d.]+ \S+; B [0-9a-f]{32}: /);
  assert.match(overview, /GenAI: 5 model calls, 10 tool calls, 8280 tokens in, 1180 tokens out/);
  assert.match(overview, /run 0000000000000004 invoke_agent triage-agent \(42\.00 s\): critical path in model 3\.50 s \(8\.3%\), tools 500 ms \(1\.2%\), other 38\.00 s/);
  const steps = await call(http, 'get_genai_steps', { traceId: FIXTURE_TRACE, limit: 3 });
  assert.match(steps, /^2\. 0000000000000005 model chat model-a \[model-a\]: 1840 → 260 tokens, 1\.80 s at \+4\.0 ms\n {5}system: You are a triage assistant/m);
  assert.match(steps, /tool_call → list_dashboards\(\{"window":"1h"\}\)\n {5}tool ← \{"status":"ok","rows":12\}/);
  assert.match(steps, /\[truncated: 14 more rows not shown; call again with offset=3\]/);
  assert.match(await call(http, 'get_genai_steps', { traceId: BIG }), /has no GenAI spans/);
  const res = await http.readResource({ uri: `sextant://traces/${FIXTURE_TRACE}/analysis` });
  const analysis = JSON.parse((res.contents[0] as { text: string }).text) as { traceId: string; criticalPath: unknown[] };
  assert.equal(analysis.traceId, FIXTURE_TRACE);
  assert.ok(analysis.criticalPath.length > 0);
  const prompt = await http.getPrompt({ name: 'investigate_slow_endpoint', arguments: { service: 'catalog', operation: 'GET /search' } });
  assert.match((prompt.messages[0]!.content as { text: string }).text, /get_red service="catalog" operation="GET \/search"/);
});

test('search_traces with TraceQL: token counts compared as numbers, structural queries, matching span ids per trace', async () => {
  // Worked out from the fixture file itself: its spans reporting more than 1000 input tokens.
  const fixture = decodeTraceFile(readFixtureText('jaeger-ui/misc/genaiTestTrace.json')).result.items;
  const heavy = fixture.filter((s) => Number(getAttr(s.attributes, 'gen_ai.usage.input_tokens') ?? 0) > 1000);
  assert.ok(heavy.length >= 2 && heavy.length < fixture.filter((s) => getAttr(s.attributes, 'gen_ai.usage.input_tokens') !== undefined).length);
  const found = await call(http, 'search_traces', { traceql: '{ span.gen_ai.usage.input_tokens > 1000 }', spansPerTrace: 50 });
  assert.match(found, new RegExp(`^${FIXTURE_TRACE} \\S+ .+: [\\d.]+ s, started \\S+, ${heavy.length} matching spans$`, 'm'), found);
  // Every trace it lists really has such spans, and every span it lists is one of them.
  for (const [, id] of found.matchAll(/^([0-9a-f]{32}) /gm)) {
    const spans = await sextant.store.getTrace(id!);
    assert.ok(spans.some((s) => Number(getAttr(s.attributes, 'gen_ai.usage.input_tokens') ?? 0) > 1000), id);
  }
  const listed = [...found.matchAll(/^ {2}span ([0-9a-f]{16}) .* gen_ai\.usage\.input_tokens=(\d+)/gm)];
  assert.ok(listed.length >= heavy.length && listed.every((m) => Number(m[2]) > 1000), found);
  const fixtureBlock = found.slice(found.indexOf(FIXTURE_TRACE)).split(/\n(?! )/)[0]!;
  assert.deepEqual([...fixtureBlock.matchAll(/span ([0-9a-f]{16})/g)].map((m) => m[1]).sort(), heavy.map((s) => s.spanId).sort());
  // Grouped by model, with the selected output tokens (unquoted numbers; strings quoted).
  const byModel = await call(http, 'search_traces', { traceql: '{ span.gen_ai.usage.input_tokens > 1000 } | by(span.gen_ai.request.model) | select(span.gen_ai.usage.output_tokens)', spansPerTrace: 1 });
  assert.match(byModel, /^ {2}spanset by\(span\.gen_ai\.request\.model\)="model-a": \d+ spans$/m, byModel);
  assert.match(byModel, /gen_ai\.usage\.output_tokens=\d+/);
  // Structural: catalog database calls under the gateway, in the demo's traces.
  const nested = await call(http, 'search_traces', { traceql: '{ resource.service.name = "gateway" } >> { resource.service.name = "catalog" && name =~ "SELECT.*" }', lookback: '15m', limit: 3 });
  const ids = [...nested.matchAll(/^([0-9a-f]{32}) gateway /gm)].map((m) => m[1]!);
  assert.equal(ids.length, 3, nested);
  assert.match(nested, /^ {2}span [0-9a-f]{16} catalog SELECT/m);
  const overview = await call(http, 'get_trace_overview', { traceId: ids[0] });
  assert.match(overview, new RegExp(`Trace ${ids[0]}`));
});

test('every answer stays within its budget on a 50,000-span trace, with explicit truncation markers', async () => {
  const calls: [string, Record<string, unknown>][] = [
    ['get_trace_overview', { traceId: BIG }],
    ['get_trace_spans', { traceId: BIG, mode: 'critical_path', limit: 500 }],
    ['get_trace_spans', { traceId: BIG, mode: 'subtree', maxDepth: 50, limit: 500 }],
    ['get_trace_spans', { traceId: BIG, mode: 'children', spanId: bigRoot, limit: 500 }],
    ['get_span', { traceId: BIG, spanId: bigWorker }],
    ['get_trace_errors', { traceId: BIG, limit: 500 }],
    ['get_genai_steps', { traceId: FIXTURE_TRACE, limit: 500, maxText: 4000 }],
    ['search_traces', { limit: 200 }],
    ['search_traces', { traceql: '{ }', limit: 200, spansPerTrace: 50 }],
    ['list_services', {}],
    ['get_dependencies', { lookback: '1h' }],
    ['get_red', { lookback: '1h' }],
    ['compare_traces', { a: BIG, b: FIXTURE_TRACE }],
    ['compare_cohorts', { selection: { service: 'catalog' }, maxTraces: 50 }],
  ];
  for (const maxTokens of [200, 2000]) {
    for (const [name, args] of calls) {
      const answer = await call(http, name, { ...args, maxTokens });
      assert.ok(estimateTokens(answer) <= maxTokens, `${name} at maxTokens=${maxTokens}: ${estimateTokens(answer)} tokens`);
    }
  }
  const small = await call(http, 'get_trace_spans', { traceId: BIG, mode: 'subtree', maxDepth: 50, limit: 500, maxTokens: 600 });
  assert.match(small, /\[truncated: \d+ more spans not shown; call again with offset=\d+\]$/);
  // A huge attribute value is clipped, not dumped.
  const dbSpan = /^([0-9a-f]{16}) orders-db SELECT orders/m.exec(await call(http, 'get_trace_spans', { traceId: BIG, mode: 'children', spanId: bigWorker, limit: 1 }))![1];
  const detail = await call(http, 'get_span', { traceId: BIG, spanId: dbSpan, maxTokens: 32000 });
  assert.match(detail, /db\.statement = "SELECT \* FROM orders WHERE id = 0 -- padding .*…\(\d+ chars\)/);
  assert.ok(detail.length < 2000);
});

test('bad arguments get MCP errors naming the problem, and the server keeps answering', async () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['get_trace_overview', { traceId: 'not-a-trace' }, /trace id is 32/],
    ['get_trace_overview', { traceId: '0'.repeat(32) }, /trace 0{32} not found/],
    ['get_span', { traceId: BIG, spanId: 'ffffffffffffffff' }, /span ffffffffffffffff is not in trace/],
    ['get_trace_spans', { traceId: BIG, limit: 0 }, /limit/],
    ['get_trace_spans', { traceId: BIG, mode: 'sideways' }, /mode/],
    ['search_traces', { traceMinDuration: 'slow' }, /traceMinDuration: 'slow' is not a duration/],
    ['search_traces', { start: 'yesterday-ish' }, /start: 'yesterday-ish' is neither/],
    ['get_red', { maxTokens: 5 }, /maxTokens/],
    ['search_traces', { traceql: '{ span.gen_ai.usage.input_tokens > }' }, /TraceQL parse error at line 1, column 36: expected .*found "\}"\n  \{ span\.gen_ai\.usage\.input_tokens > \}\n {37}\^/],
    ['search_traces', { traceql: '{ } | rate()' }, /metrics query/],
    ['search_traces', { traceql: '{ }', service: 'gateway', cursor: 'x' }, /traceql does not combine with service, cursor/],
    ['no_such_tool', {}, /no_such_tool not found/],
  ];
  for (const [name, args, message] of cases) {
    const r = await http.callTool({ name, arguments: args });
    assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} is an error`);
    assert.match(text(r), message);
  }
  await assert.rejects(http.readResource({ uri: 'sextant://traces/xyz/analysis' }), /not a trace id/);
  await assert.rejects(http.getPrompt({ name: 'explain_trace_errors', arguments: {} }), /traceId/);
  assert.match(await call(http, 'list_services', {}), /services/);
});

test('/api/mcp refuses other websites: a foreign Origin gets 403 and a rebound Host name 421', async () => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const foreign = await fetch(`${sextant.urls.api}/api/mcp`, { method: 'POST', body, headers: { ...headers, origin: 'https://evil.example' } });
  assert.equal(foreign.status, 403);
  // DNS rebinding: the page is same-origin with the attacker's name, which arrives as Host (fetch cannot set Host).
  const { hostname, port } = new URL(sextant.urls.api);
  const rebound = await new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path: '/api/mcp', method: 'POST', headers: { ...headers, host: `evil.example:${port}`, origin: `http://evil.example:${port}` } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(rebound, 421);
  const same = await fetch(`${sextant.urls.api}/api/mcp`, { method: 'POST', body, headers: { ...headers, origin: sextant.urls.api } });
  assert.equal(same.status, 200);
  assert.ok(((await same.json()) as { result: { tools: unknown[] } }).result.tools.length > 5);
  assert.equal((await fetch(`${sextant.urls.api}/api/mcp`)).status, 405);
});

test('with API tokens required, /api/mcp and `sextant mcp --token` work with the token and get 401 without', async () => {
  const locked = await startTestServer({ queryAuth: { mode: 'token', apiTokens: ['mcp-test-token'] } });
  try {
    await locked.store.write(decodeTraceFile(readFixtureText('jaeger-ui/misc/genaiTestTrace.json')).result.items, []);
    const url = new URL(`${locked.urls.api}/api/mcp`);
    const anonymous = new Client({ name: 'anonymous', version: '1.0.0' });
    await assert.rejects(anonymous.connect(new StreamableHTTPClientTransport(url)), /401|authentication required/);
    const authed = new Client({ name: 'authed', version: '1.0.0' });
    await authed.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: 'Bearer mcp-test-token' } } }));
    try {
      // The tools' in-process API calls carry the caller's token past the same check.
      assert.match(await call(authed, 'get_trace_overview', { traceId: FIXTURE_TRACE, maxTokens: 400 }), /57 spans, 10 services/);
    } finally {
      await authed.close();
    }
    const stdio = new Client({ name: 'stdio-token', version: '1.0.0' });
    const args = ['--conditions=sextant-source', '--import', 'tsx', CLI_ENTRY, 'mcp', '--url', locked.urls.api];
    await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [...args, '--token', 'mcp-test-token'], stderr: 'pipe' }));
    try {
      assert.match(await call(stdio, 'list_services', {}), /coding-agent: /);
    } finally {
      await stdio.close();
    }
    const refused = new Client({ name: 'stdio-no-token', version: '1.0.0' });
    await refused.connect(new StdioClientTransport({ command: process.execPath, args, stderr: 'pipe', env: { ...process.env, SEXTANT_API_TOKEN: '' } as Record<string, string> }));
    try {
      const r = await refused.callTool({ name: 'list_services', arguments: {} });
      assert.equal(r.isError, true);
      assert.match(text(r), /authentication required/);
    } finally {
      await refused.close();
    }
  } finally {
    await locked.close();
  }
});

test('over stdio, the real `sextant mcp` serves the same tools against the running server', async () => {
  const stdio = new Client({ name: 'sextant-test-stdio', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--conditions=sextant-source', '--import', 'tsx', CLI_ENTRY, 'mcp', '--url', sextant.urls.api],
    stderr: 'pipe',
  });
  await stdio.connect(transport);
  try {
    const { tools } = await stdio.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [...TOOLS].sort());
    const overview = await call(stdio, 'get_trace_overview', { traceId: BIG, maxTokens: 800 });
    assert.match(overview, /50001 spans, 2 services/);
    assert.ok(estimateTokens(overview) <= 800);
    assert.match(await call(stdio, 'search_traces', { service: 'catalog', limit: 3 }), /^3 traces/);
    const bad = await stdio.callTool({ name: 'get_trace_overview', arguments: { traceId: '1'.repeat(32) } });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /not found/);
  } finally {
    await stdio.close();
  }
});

test('`sextant mcp` against no server answers with a clear tool error', async () => {
  const stdio = new Client({ name: 'sextant-test-stdio', version: '1.0.0' });
  await stdio.connect(
    new StdioClientTransport({ command: process.execPath, args: ['--conditions=sextant-source', '--import', 'tsx', CLI_ENTRY, 'mcp', '--url', 'http://127.0.0.1:9'], stderr: 'pipe' }),
  );
  try {
    const r = await stdio.callTool({ name: 'list_services', arguments: {} });
    assert.equal(r.isError, true);
    assert.match(text(r), /cannot reach Sextant at http:\/\/127\.0\.0\.1:9/);
  } finally {
    await stdio.close();
  }
});

test("the token estimate is never below what real tokenizers (o200k, cl100k) count, on every answer above", (t) => {
  const tokenizers = [new Tiktoken(o200k), new Tiktoken(cl100k)];
  assert.ok(answers.length > 50, `${answers.length} answers`);
  let estimated = 0;
  let counted = 0;
  for (const a of answers) {
    const real = Math.max(...tokenizers.map((t) => t.encode(a.text).length));
    const est = estimateTokens(a.text);
    assert.ok(est >= real, `${a.name}: estimated ${est} < ${real} tokens for ${JSON.stringify(a.text.slice(0, 300))}`);
    estimated += est;
    counted += real;
  }
  // On the safe side, but not so far that budgets are wasted.
  t.diagnostic(`${answers.length} answers: estimated ${estimated} tokens, counted ${counted} (${(estimated / counted).toFixed(2)}×)`);
  assert.ok(estimated < counted * 1.6, `estimate ${estimated} vs ${counted} tokens`);
});
