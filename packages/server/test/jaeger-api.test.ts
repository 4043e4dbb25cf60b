// The Jaeger APIs answer as Jaeger's query service does: shared Zipkin span halves get unique ids, clock skew is
// corrected (with a span warning) unless raw is asked for, array and map tags are JSON the way the Collector's
// Jaeger translator writes them, get-trace windows are honoured, and bad parameters get a 400 naming them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTraceRequest, SpanKind } from '@sextant/core';
import { readFixtureText } from '../../../testing/fixtures.js';
import type { RunningSextant } from '../src/server.js';
import { getJson, postZipkin, startTestServer } from './support/server.js';
import { BASE_TIME, hexId, makeSpan, resourceFor } from './support/spans.js';

let s: RunningSextant;
let api: string;
const SKEW = '00000000000000001e223ff1f80f1c69';
const SHARED = 'a'.repeat(16) + hexId(8);

async function postOtlp(spans: ReturnType<typeof makeSpan>[]): Promise<void> {
  const res = await fetch(`${s.urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTraceRequest(spans) });
  assert.equal(res.status, 200);
}

const t0 = Number(BASE_TIME / 1000n);

before(async () => {
  s = await startTestServer();
  api = s.urls.api;
  await postZipkin(s, readFixtureText('zipkin/skew.json'));
  // A Zipkin shared RPC span: the client and server halves carry one id; the server's own child names that id.
  const ep = (serviceName: string) => ({ serviceName });
  await postZipkin(s, [
    { traceId: SHARED, id: '00000000000000a1', name: 'root', timestamp: t0, duration: 1000, localEndpoint: ep('front') },
    { traceId: SHARED, parentId: '00000000000000a1', id: '00000000000000b2', kind: 'CLIENT', name: 'call', timestamp: t0 + 100, duration: 800, localEndpoint: ep('front') },
    { traceId: SHARED, parentId: '00000000000000a1', id: '00000000000000b2', kind: 'SERVER', name: 'serve', timestamp: t0 + 150, duration: 700, localEndpoint: ep('back'), shared: true },
    { traceId: SHARED, parentId: '00000000000000b2', id: '00000000000000c3', name: 'query', timestamp: t0 + 200, duration: 100, localEndpoint: ep('back') },
  ]);
});
after(async () => {
  await s.close();
});

test('a shared server half gets a new span id, child of the client half, as Jaeger deduplicates', async () => {
  const adjusted = (await getJson(`${api}/api/traces/${SHARED}`)).body.data[0];
  const ids = adjusted.spans.map((sp: any) => sp.spanID);
  assert.equal(new Set(ids).size, 4, 'span ids are unique');
  const byName = new Map<string, any>(adjusted.spans.map((sp: any) => [sp.operationName, sp]));
  const parentOf = (name: string) => byName.get(name).references.find((r: any) => r.refType === 'CHILD_OF')?.spanID;
  assert.equal(byName.get('serve').spanID, '0000000000000001', "Jaeger's first free id above 0");
  assert.equal(parentOf('serve'), '00000000000000b2', 'the server half is a child of the client half');
  assert.equal(parentOf('query'), '0000000000000001', "the server's child follows the new id");
  assert.equal(parentOf('call'), '00000000000000a1');

  const raw = (await getJson(`${api}/api/traces/${SHARED}?raw=true`)).body.data[0];
  assert.deepEqual(raw.spans.filter((sp: any) => sp.spanID === '00000000000000b2').length, 2, 'raw=true keeps what was stored');

  // The OTLP-shaped v3 answer is adjusted the same way.
  const v3 = (await getJson(`${api}/api/v3/traces/${SHARED}`)).body.result;
  const v3Ids = v3.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans.map((sp: any) => sp.spanId)));
  assert.equal(new Set(v3Ids).size, 4);
});

test('clock skew is corrected unless raw=true, with the warning Jaeger gives', async () => {
  const adjusted = (await getJson(`${api}/api/traces/${SKEW}`)).body.data[0];
  const raw = (await getJson(`${api}/api/traces/${SKEW}?raw=true`)).body.data[0];
  const start = (t: any, name: string) => t.spans.find((sp: any) => sp.operationName === name).startTime;
  assert.notDeepEqual(adjusted.spans.map((sp: any) => sp.startTime), raw.spans.map((sp: any) => sp.startTime));
  const shifted = adjusted.spans.filter((sp: any) => sp.warnings !== null);
  assert.ok(shifted.length > 0);
  for (const sp of shifted) assert.match(sp.warnings[0], /^This span's timestamps were adjusted by -?[\d.]+(ns|µs|ms|s)$/);
  assert.ok(raw.spans.every((sp: any) => sp.warnings === null));
  // The server half 'get' (servicea) is the root; its child on another host now starts inside it.
  const root = adjusted.spans.find((sp: any) => sp.references.length === 0);
  for (const sp of adjusted.spans) assert.ok(sp.startTime >= root.startTime, sp.operationName);
  assert.ok(start(raw, 'post') < start(raw, 'get'), 'the fixture really is skewed');
  const rawParam = await getJson(`${api}/api/traces/${SKEW}?raw=maybe`);
  assert.equal(rawParam.status, 400);
  assert.match(rawParam.body.errors[0].msg, /raw/);
});

test('array and map attributes are JSON strings as the Collector translates them', async () => {
  const traceId = hexId(16);
  await postOtlp([
    makeSpan({
      traceId,
      resource: resourceFor('tags'),
      attributes: [
        { key: 'list', value: ['a', 'b'] },
        { key: 'numbers', value: [1n, 2.5, true] },
        { key: 'map', value: { kvlist: [{ key: 'z', value: 1n }, { key: 'a', value: '<b>&' }, { key: 'bytes', value: new Uint8Array([1, 2]) }] } },
      ],
    }),
  ]);
  const tags = new Map<string, any>((await getJson(`${api}/api/traces/${traceId}`)).body.data[0].spans[0].tags.map((t: any) => [t.key, t]));
  assert.deepEqual(tags.get('list'), { key: 'list', type: 'string', value: '["a","b"]' });
  assert.equal(tags.get('numbers').value, '[1,2.5,true]');
  assert.equal(tags.get('map').value, '{"a":"\\u003cb\\u003e\\u0026","bytes":"AQI=","z":1}');
});

test('get-trace windows: start/end (µs) on the classic API, startTime/endTime on v3', async () => {
  const startUs = t0 - 1_000_000;
  assert.equal((await getJson(`${api}/api/traces/${SHARED}?start=${startUs}&end=${t0 + 10_000_000}`)).body.data[0].spans.length, 4);
  assert.equal((await getJson(`${api}/api/traces/${SHARED}?start=${t0 + 160}&end=${t0 + 10_000_000}`)).body.data[0].spans.length, 1, 'only the span starting inside');
  assert.equal((await getJson(`${api}/api/traces/${SHARED}?end=${startUs}`)).status, 404);
  const iso = (us: number) => new Date(us / 1000).toISOString();
  assert.equal((await getJson(`${api}/api/v3/traces/${SHARED}?startTime=${iso(t0 + 1_000_000)}`)).status, 404);
  assert.equal((await getJson(`${api}/api/v3/traces/${SHARED}?startTime=${iso(startUs)}&endTime=${iso(t0 + 10_000_000)}`)).status, 200);
  const backwards = await getJson(`${api}/api/traces/${SHARED}?start=${t0 + 10}&end=${t0}`);
  assert.equal(backwards.status, 400);
  assert.match(backwards.body.errors[0].msg, /start must not be after end/);
});

test('v3 search without a depth returns up to Jaeger default of 100 traces, so a client limit applies', async () => {
  const spans = Array.from({ length: 30 }, (_, i) => makeSpan({ resource: resourceFor('many'), name: `op${i}`, kind: SpanKind.SERVER }));
  await postOtlp(spans);
  const window = `query.startTimeMin=${new Date(Date.now() - 3_600_000).toISOString()}&query.startTimeMax=${new Date(Date.now() + 60_000).toISOString()}`;
  const count = async (qs: string) => (await getJson(`${api}/api/v3/traces?query.serviceName=many&${window}${qs}`)).body.result.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)).length;
  assert.equal(await count(''), 30);
  assert.equal(await count('&query.searchDepth=7'), 7);
  assert.equal(await count('&query.num_traces=5'), 5);
});

test('RFC 3339 times with offsets are accepted, also when the + arrived as a space', async () => {
  const q = (min: string, max: string) => getJson(`${api}/api/v3/traces?query.serviceName=many&query.startTimeMin=${min}&query.startTimeMax=${max}`);
  const local = (d: Date) => new Date(d.getTime() + 3_600_000).toISOString().replace('Z', '+01:00');
  const min = new Date(Date.now() - 3_600_000);
  const max = new Date(Date.now() + 60_000);
  assert.equal((await q(encodeURIComponent(local(min)), encodeURIComponent(local(max)))).body.result.resourceSpans.length > 0, true);
  assert.equal((await q(local(min), local(max))).status, 200, 'an unencoded + decodes to a space');
  const bad = await q('yesterday', local(max));
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /query.startTimeMin.*RFC 3339/);
  const backwards = await q(encodeURIComponent(local(max)), encodeURIComponent(local(min)));
  assert.equal(backwards.status, 400);
  assert.match(backwards.body.error.message, /query.startTimeMin must not be after query.startTimeMax/);
});

test('small answers: short, long and non-hex trace ids, attr. without a key, start after end', async () => {
  const short = await getJson(`${api}/api/traces/deadbeef`);
  assert.equal(short.status, 400);
  assert.match(short.body.errors[0].msg, /'deadbeef' is too short \(8 hex digits\)/);
  assert.match((await getJson(`${api}/api/traces/${'a'.repeat(33)}`)).body.errors[0].msg, /too long/);
  assert.match((await getJson(`${api}/api/traces/nothex`)).body.errors[0].msg, /not hexadecimal/);
  assert.match((await getJson(`${api}/api/v3/traces/deadbeef`)).body.error.message, /too short/);
  assert.match((await getJson(`${api}/api/v1/traces/deadbeef`)).body.error, /too short/);
  const attr = await getJson(`${api}/api/v1/traces?attr.=x`);
  assert.equal(attr.status, 400);
  assert.match(attr.body.error, /attr\./);
  const native = await getJson(`${api}/api/v1/traces?start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z`);
  assert.equal(native.status, 400);
  assert.match(native.body.error, /start must not be after end/);
  const classic = await getJson(`${api}/api/traces?service=many&start=2000&end=1000`);
  assert.equal(classic.status, 400);
});
