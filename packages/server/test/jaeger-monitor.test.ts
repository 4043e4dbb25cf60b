// Jaeger UI's Monitor tab and upload, called as jaeger-ui's JaegerAPI.fetchMetrics / transformOTLP call them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, StatusCode, decodeZipkinV2, serviceName } from '@sextant/core';
import { readFixtureText } from '../../../testing/fixtures.js';
import type { RunningSextant } from '../src/server.js';
import { getJson, postZipkin, startTestServer } from './support/server.js';

let s: RunningSextant;
let api: string;
const stSpans = decodeZipkinV2(JSON.parse(readFixtureText('zipkin/smartthings-mobile-web-install.json'))).items;
// jaeger-ui sends endTs, lookback, step and ratePer in milliseconds, and spanKind=server.
const WINDOW = 'endTs=1543551000000&lookback=2000000&step=60000&ratePer=600000&spanKind=server';

before(async () => {
  s = await startTestServer();
  api = s.urls.api;
  await postZipkin(s, readFixtureText('zipkin/smartthings-mobile-web-install.json'));
});
after(async () => {
  await s.close();
});

const servers = (svc: string) => stSpans.filter((x) => serviceName(x) === svc && x.kind === SpanKind.SERVER);

test('latencies, calls and errors per service in MetricFamily JSON', async () => {
  const lat = (await getJson(`${api}/api/metrics/latencies?service=alice&${WINDOW}&quantile=0.95`)).body;
  assert.equal(lat.name, 'service_latencies');
  assert.deepEqual(lat.metrics[0].labels, [{ name: 'service_name', value: 'alice' }]);
  const alice = servers('alice')[0];
  const points = lat.metrics[0].metricPoints;
  assert.equal(points.length, 1);
  assert.equal(points[0].gaugeValue.doubleValue, Number(alice.endTimeUnixNano - alice.startTimeUnixNano) / 1e6);
  assert.equal(new Date(points[0].timestamp).getTime() % 60000, 0);

  const errors = (await getJson(`${api}/api/metrics/errors?service=alice&${WINDOW}`)).body;
  assert.equal(errors.name, 'service_error_rate');
  assert.equal(alice.status.code, StatusCode.ERROR);
  assert.deepEqual(errors.metrics[0].metricPoints.map((p: any) => p.gaugeValue.doubleValue), [1]);

  const calls = (await getJson(`${api}/api/metrics/calls?service=auth&${WINDOW}`)).body;
  assert.equal(calls.name, 'service_call_rate');
  const total = calls.metrics[0].metricPoints.reduce((a: number, p: any) => a + p.gaugeValue.doubleValue * 60, 0);
  assert.equal(Math.round(total), servers('auth').length);
});

test('groupByOperation gives one series per operation, labelled operation', async () => {
  const lat = (await getJson(`${api}/api/metrics/latencies?service=auth&${WINDOW}&quantile=0.5&groupByOperation=true`)).body;
  assert.equal(lat.name, 'service_operation_latencies');
  const ops = lat.metrics.map((m: any) => m.labels.find((l: any) => l.name === 'operation').value).sort();
  assert.deepEqual(ops, [...new Set(servers('auth').map((x) => x.name))].sort());
  const calls = (await getJson(`${api}/api/metrics/calls?service=auth&${WINDOW}&groupByOperation=true`)).body;
  assert.equal(calls.name, 'service_operation_call_rate');
  assert.equal((await getJson(`${api}/api/metrics/minstep`)).body.data, 1);
});

test('bad Monitor parameters are 400s', async () => {
  assert.equal((await getJson(`${api}/api/metrics/latencies?${WINDOW}`)).status, 400);
  assert.equal((await getJson(`${api}/api/metrics/calls?service=a&spanKind=sideways`)).status, 400);
  assert.equal((await getJson(`${api}/api/metrics/calls?service=a&endTs=yesterday`)).status, 400);
  assert.equal((await getJson(`${api}/api/metrics/latencies?service=a&quantile=2`)).status, 400);
});

test('POST /api/transform turns an OTLP JSON upload into Jaeger traces', async () => {
  const post = (body: string) => fetch(`${api}/api/transform`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const res = await post(readFixtureText('jaeger-ui/otlp2jaeger/otlp2jaeger-in.json'));
  assert.equal(res.status, 200);
  const got = (await res.json()) as any;
  const expected = JSON.parse(readFixtureText('jaeger-ui/otlp2jaeger/otlp2jaeger-out.json'));
  assert.deepEqual(got.data.map((t: any) => t.traceID), expected.data.map((t: any) => t.traceID));
  assert.deepEqual(got.data[0].spans.map((x: any) => [x.spanID, x.operationName, x.startTime, x.duration]), expected.data[0].spans.map((x: any) => [x.spanID, x.operationName, x.startTime, x.duration]));
  const bad = await post(readFixtureText('jaeger-ui/otlp2jaeger/otlp2jaeger-in-error.json'));
  assert.equal(bad.status, 400);
  assert.equal((await post('{"resourceSpans": "nope"}')).status, 400);
});
