import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, decodeZipkinV2 } from '@sextant/core';
import { readFixtureJson } from '../../../testing/fixtures.js';
import { analyzeTrace, formatTraceReport } from '../src/analysis/trace-analysis.js';
import { span } from './analysis-builders.js';

const DESIGN_KEYS = ['traceId', 'spanCount', 'services', 'startUnixNano', 'durationNano', 'rootSpanIds', 'criticalPath', 'selfTime', 'errors', 'dependencies', 'clockSkew', 'quality'];

test('analysis JSON has the DESIGN.md shape and survives JSON.stringify', () => {
  const spans = decodeZipkinV2(readFixtureJson('zipkin/skew.json')).items;
  const a = analyzeTrace(spans);
  const json = JSON.parse(JSON.stringify(a));
  for (const k of DESIGN_KEYS) assert.ok(k in json, k);
  assert.equal(json.traceId, '00000000000000001e223ff1f80f1c69');
  assert.equal(json.spanCount, 4);
  assert.deepEqual(json.services, ['servicea', 'serviceb']);
  assert.equal(typeof json.startUnixNano, 'string');
  assert.deepEqual(Object.keys(json.criticalPath[0]).slice(0, 3), ['spanId', 'startUnixNano', 'endUnixNano']);
  assert.deepEqual(Object.keys(json.selfTime[0]).filter((k) => ['service', 'operation', 'count', 'totalNano', 'selfNano'].includes(k)).sort(), ['count', 'operation', 'selfNano', 'service', 'totalNano']);
  assert.deepEqual(json.errors, { errorSpanIds: [], rootCauseSpanIds: [] });
  assert.deepEqual(json.dependencies, [{ parent: 'servicea', child: 'serviceb', callCount: 1, errorCount: 0 }]);
  assert.deepEqual(json.clockSkew, [
    { spanId: '74280ae0c10d8062', adjustNano: '65922000' },
    { spanId: '43210ae0c10d1234', adjustNano: '65922000' },
  ]);
  assert.deepEqual(json.quality.map((q: { check: string }) => q.check), ['clock-skew']);
});

test('critical path is computed on skew-corrected times and tiles the root span', () => {
  const a = analyzeTrace(decodeZipkinV2(readFixtureJson('zipkin/skew.json')).items);
  const path = a.criticalPath;
  for (let i = 1; i < path.length; i++) assert.equal(path[i].startUnixNano, path[i - 1].endUnixNano);
  assert.equal(BigInt(path[path.length - 1].endUnixNano) - BigInt(path[0].startUnixNano), 99411000n);
  assert.ok(path.some((s) => s.service === 'serviceb'), 'the corrected server span is on the path');
});

test('report on the smartthings production trace names the path, self time, errors and edges', () => {
  const spans = decodeZipkinV2(readFixtureJson('zipkin/smartthings-mobile-web-install.json')).items;
  const a = analyzeTrace(spans);
  assert.equal(a.spanCount, 957, 'the decoder folds untimed fragments into their spans');
  assert.equal(a.services.length, 16);
  const report = formatTraceReport(a, spans);
  assert.match(report, /^Trace [0-9a-f]+\n {2}957 spans, 16 services/);
  assert.match(report, /Critical path: [\d.]+ (ms|s) in \d+ sections/);
  assert.match(report, /Self time/);
  assert.match(report, /root cause \w+: alice /);
  assert.match(report, /132 +0 +auth → auth/);
  assert.ok(report.split('\n').length < 120, 'stays readable');
});

test('report escapes terminal control characters from span data', () => {
  const spans = [
    span({ id: 'r', service: 'web', kind: SpanKind.SERVER, name: 'GET /\u001b[31mred', start: 1, end: 10, error: true }),
  ];
  const report = formatTraceReport(analyzeTrace(spans), spans);
  assert.ok(!report.includes('\u001b'));
  assert.match(report, /\\x1b\[31mred/);
});

test('an empty trace analyses without throwing', () => {
  const a = analyzeTrace([]);
  assert.equal(a.spanCount, 0);
  assert.deepEqual(a.criticalPath, []);
  formatTraceReport(a, []);
});
