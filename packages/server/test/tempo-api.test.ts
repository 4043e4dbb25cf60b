// The Tempo HTTP API, called as Grafana's Tempo data source calls it: epoch-second windows, q / spss / limit,
// double-encoded tag paths, Accept: application/protobuf for traces, and query_range with a Go duration step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsAccumulator, decodeTraceRequest, parseTraceQL, serviceName, decodeZipkinV2 } from '@sextant/core';
import { readFixtureText } from '../../../testing/fixtures.js';
import type { RunningSextant } from '../src/server.js';
import { getJson, postZipkin, startTestServer } from './support/server.js';
import { scalarToAnyValue } from '../src/api/tempo.js';

let s: RunningSextant;
let api: string;
const SMARTTHINGS = '000000000000000014b60fd9ae504820';
// Grafana sends its time range as epoch seconds.
const WINDOW = 'start=1543549000&end=1543551000';
const stSpans = decodeZipkinV2(JSON.parse(readFixtureText('zipkin/smartthings-mobile-web-install.json'))).items;

before(async () => {
  s = await startTestServer();
  api = s.urls.api;
  for (const file of ['smartthings-mobile-web-install.json', 'yelp.json']) await postZipkin(s, readFixtureText(`zipkin/${file}`));
});
after(async () => {
  await s.close();
});

function countBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}
const alice = stSpans.find((x) => serviceName(x) === 'alice')!;

const statusOf = async (url: string) => (await fetch(url)).status;
const search = async (q: string, extra = '') => getJson(`${api}/api/search?q=${encodeURIComponent(q)}&limit=20&spss=3&${WINDOW}${extra}`);

test('echo, ready and build info answer as Tempo does', async () => {
  assert.equal(await (await fetch(`${api}/api/echo`)).text(), 'echo');
  assert.equal(await (await fetch(`${api}/ready`)).text(), 'ready');
  const info = (await getJson(`${api}/api/status/buildinfo`)).body;
  assert.match(info.version, /^2\.\d+\.\d+$/);
});

test('TraceQL search returns spansets with matched counts, spss spans each, and inspection metrics', async () => {
  const r = await search('{ resource.service.name = "alice" }');
  assert.equal(r.status, 200);
  assert.equal(r.body.traces.length, 1);
  const t = r.body.traces[0];
  assert.equal(t.traceID, SMARTTHINGS);
  assert.equal(t.rootServiceName, 'coreSrv');
  assert.equal(t.spanSets[0].matched, 1);
  assert.equal(t.spanSets[0].spans[0].spanID, '71687cb74971c332');
  assert.deepEqual(t.spanSets[0].spans[0].attributes, [{ key: 'service.name', value: { stringValue: 'alice' } }]);
  assert.match(t.spanSets[0].spans[0].durationNanos, /^\d+$/);
  assert.deepEqual(t.spanSet, t.spanSets[0]);
  assert.equal(t.serviceStats.alice.spanCount, 1);
  assert.equal(r.body.metrics.inspectedTraces, 1, 'the service filter was pushed down to storage');
  assert.equal(r.body.metrics.inspectedSpans, '957');

  const structural = await search('{ name = "post /app-execute" } >> { status = error }');
  assert.equal(structural.body.traces[0].spanSets[0].matched, 2);
  const kinds = await search('{ kind = server } | select(span.http.path)', '&spss=2');
  assert.equal(kinds.body.traces.find((x: any) => x.traceID === SMARTTHINGS).spanSets[0].matched, 326);
  assert.equal(kinds.body.traces.find((x: any) => x.traceID === SMARTTHINGS).spanSets[0].spans.length, 2);
  const grouped = await search('{ } | by(resource.service.name) | count() > 100');
  const groups = grouped.body.traces[0].spanSets.map((x: any) => [x.attributes[0].value.stringValue, x.matched]);
  const expected = [...countBy(stSpans, serviceName)].filter(([, n]) => n > 100);
  assert.deepEqual(groups.sort(), expected.sort());
  assert.equal((await search('{ resource.service.name = "nobody" }')).body.traces.length, 0);
  // Older clients' tags= form.
  const legacy = await getJson(`${api}/api/search?tags=${encodeURIComponent('service.name=alice')}&${WINDOW}`);
  assert.deepEqual(legacy.body.traces.map((x: any) => x.traceID), [SMARTTHINGS]);
  assert.equal((await getJson(`${api}/api/search?q=${encodeURIComponent('{ }')}&start=1600000000&end=1600000100`)).body.traces.length, 0);
});

test('malformed TraceQL is a 400 naming the position, never a 500', async () => {
  for (const q of ['{ span.a = ', '{ foo = 1 }', '{ .a =~ "(" }', '}{', '{ } | rate(', '{ } | rate()']) {
    const res = await fetch(`${api}/api/search?q=${encodeURIComponent(q)}&${WINDOW}`);
    assert.equal(res.status, 400, q);
    assert.ok((await res.text()).length > 0, q);
  }
  // Tempo answers errors in plain text, which Grafana shows as is.
  const res = await fetch(`${api}/api/search?q=${encodeURIComponent('{ span.a = ')}`);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  assert.match(await res.text(), /line 1, column 12: expected an attribute/);
});

test('tag names by scope (v2) and unscoped (v1), with q narrowing to matching spans', async () => {
  const v2 = (await getJson(`${api}/api/v2/search/tags?${WINDOW}`)).body;
  const scope = (name: string) => v2.scopes.find((x: any) => x.name === name).tags as string[];
  assert.ok(scope('resource').includes('service.name'));
  assert.ok(scope('span').includes('http.path'));
  assert.ok(scope('intrinsic').includes('duration') && scope('intrinsic').includes('status'));
  const spanOnly = (await getJson(`${api}/api/v2/search/tags?scope=span`)).body.scopes;
  assert.deepEqual(spanOnly.map((x: any) => x.name), ['span']);
  const filtered = (await getJson(`${api}/api/v2/search/tags?scope=span&q=${encodeURIComponent('{ resource.service.name = "alice" }')}`)).body.scopes[0].tags;
  assert.deepEqual(filtered.sort(), alice.attributes.map((kv) => kv.key).sort());
  const v1 = (await getJson(`${api}/api/search/tags`)).body.tagNames as string[];
  assert.ok(v1.includes('service.name') && v1.includes('http.path'));
  assert.equal(await statusOf(`${api}/api/v2/search/tags?scope=bogus`), 400);
});

test('tag values: typed (v2), plain (v1), double-encoded paths, q filters', async () => {
  // Grafana encodes the tag twice; its backend decodes once before calling Tempo.
  const tag = encodeURIComponent('resource.service.name');
  const v2 = (await getJson(`${api}/api/v2/search/tag/${tag}/values`)).body.tagValues;
  assert.ok(v2.some((v: any) => v.type === 'string' && v.value === 'alice'));
  const status = (await getJson(`${api}/api/v2/search/tag/status/values`)).body.tagValues;
  assert.deepEqual(status, [{ type: 'keyword', value: 'error' }, { type: 'keyword', value: 'ok' }, { type: 'keyword', value: 'unset' }]);
  const q = encodeURIComponent('{ resource.service.name = "alice" }');
  const paths = (await getJson(`${api}/api/v2/search/tag/span.http.status_code/values?q=${q}`)).body.tagValues;
  const code = alice.attributes.find((kv) => kv.key === 'http.status_code')!.value;
  assert.deepEqual(paths.map((v: any) => v.value), [String(code)]);
  const names = (await getJson(`${api}/api/v2/search/tag/name/values?q=${q}`)).body.tagValues;
  assert.deepEqual(names, [{ type: 'string', value: 'get circuitbreakers/_entitytype_/_entityid_' }]);
  const v1 = (await getJson(`${api}/api/search/tag/service.name/values`)).body.tagValues;
  assert.ok(v1.includes('alice') && v1.includes('coreSrv'));
  assert.equal(await statusOf(`${api}/api/v2/search/tag/${encodeURIComponent('{')}/values`), 400);
});

test('traces by id: v2 JSON and protobuf (TraceByIDResponse), v1 protobuf by Accept; Jaeger JSON otherwise', async () => {
  const json = (await getJson(`${api}/api/v2/traces/${SMARTTHINGS}`)).body;
  const spanCount = json.trace.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((x: any) => x.spans)).length;
  assert.equal(spanCount, 957);
  const pb = await fetch(`${api}/api/v2/traces/${SMARTTHINGS}`, { headers: { accept: 'application/protobuf' } });
  assert.equal(pb.headers.get('content-type'), 'application/protobuf');
  const wrapped = new Uint8Array(await pb.arrayBuffer());
  assert.equal(wrapped[0], 0x0a, 'field 1, length-delimited: the Trace');
  let i = 1;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    const b = wrapped[i++];
    len |= (b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  assert.equal(i + len, wrapped.length);
  assert.equal(decodeTraceRequest(wrapped.subarray(i)).items.length, 957);
  const v1 = await fetch(`${api}/api/traces/${SMARTTHINGS}`, { headers: { accept: 'application/protobuf' } });
  assert.equal(decodeTraceRequest(new Uint8Array(await v1.arrayBuffer())).items.length, 957);
  const jaeger = (await getJson(`${api}/api/traces/${SMARTTHINGS}`)).body;
  assert.equal(jaeger.data[0].spans.length, 957);
  assert.equal((await fetch(`${api}/api/v2/traces/${'ab'.repeat(16)}`)).status, 404);
  assert.equal((await fetch(`${api}/api/v2/traces/xyz`)).status, 400);
});

test('metrics query_range and instant query match counts over the stored spans', async () => {
  const q = encodeURIComponent('{ } | count_over_time() by(resource.service.name)');
  const r = await getJson(`${api}/api/metrics/query_range?q=${q}&${WINDOW}&step=1m0s&exemplars=2`);
  assert.equal(r.status, 200);
  const totals = new Map<string, number>(r.body.series.map((x: any) => [x.labels[0].value.stringValue, x.samples.reduce((a: number, p: any) => a + p.value, 0)]));
  const startNs = 1543549000n * 1_000_000_000n;
  const endNs = 1543551000n * 1_000_000_000n;
  const inWindow = stSpans.filter((x) => x.startTimeUnixNano >= startNs && x.startTimeUnixNano < endNs);
  const expected = countBy(inWindow, serviceName);
  assert.deepEqual(new Map([...totals].sort()), new Map([...expected].sort()));
  const first = r.body.series[0];
  assert.match(first.samples[0].timestampMs, /^\d+$/);
  assert.ok(first.exemplars.length >= 1 && first.exemplars.length <= 2);
  assert.equal(first.exemplars[0].labels[0].key, 'trace:id');
  assert.match(first.promLabels, /resource\.service\.name=/);

  const inst = await getJson(`${api}/api/metrics/query?q=${encodeURIComponent('{ resource.service.name = "alice" } | count_over_time()')}&${WINDOW}`);
  assert.deepEqual(inst.body.series.map((x: any) => x.value), [1]);
  const quant = await getJson(`${api}/api/metrics/query_range?q=${encodeURIComponent('{ kind = server } | quantile_over_time(duration, .5, .99)')}&${WINDOW}&step=60`);
  assert.deepEqual(quant.body.series.map((x: any) => x.labels.at(-1)), [{ key: 'p', value: { doubleValue: 0.5 } }, { key: 'p', value: { doubleValue: 0.99 } }]);

  for (const bad of ['q=' + encodeURIComponent('{ }'), `q=${q}&step=0s`, `q=${q}&start=10&end=5`, `q=${q}&step=1ms&${WINDOW}`, 'step=1m']) {
    assert.equal(await statusOf(`${api}/api/metrics/query_range?${bad}`), 400, bad);
  }
});

test('counting plans run in the engine and agree with the in-memory evaluator', async () => {
  for (const text of ['{ kind = server && duration > 1ms } | histogram_over_time(duration) by(resource.service.name)', '{ status = error } | rate() by(name, kind)']) {
    const r = await getJson(`${api}/api/metrics/query_range?q=${encodeURIComponent(text)}&${WINDOW}&step=10s`);
    assert.equal(r.body.metrics.inspectedTraces, 0, 'no traces were loaded');
    const acc = new MetricsAccumulator(parseTraceQL(text), { startNano: 1543549000n * 1_000_000_000n, endNano: 1543551000n * 1_000_000_000n, stepNano: 10_000_000_000n });
    acc.addTrace(stSpans);
    const expected = acc.result().map((x) => [x.labels.map((l) => [l.key, Object.values(scalarToAnyValue(l.value))[0]]), x.samples.map((p) => [p.timestampMs, p.value])]);
    const got = r.body.series.map((x: any) => [x.labels.map((l: any) => [l.key, Object.values(l.value)[0]]), x.samples.map((p: any) => [Number(p.timestampMs), p.value])]);
    const norm = (xs: any[]) => JSON.stringify(xs.map(([ls, ss]) => [ls.map(([k, v]: any) => [k, String(v)]), ss]).sort());
    assert.equal(norm(got), norm(expected), text);
  }
});
