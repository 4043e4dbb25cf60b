import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, decodeTraceFile } from '@sextant/core';
import { readFixtureText } from '../../../testing/fixtures.js';

test('each fixture format is recognised', () => {
  const cases: [string, string, number][] = [
    ['otlp/example-trace.json', 'otlp-json', 1],
    ['jaeger-ui/otlp2jaeger/otlp2jaeger-multi-in.json.txt', 'otlp-json', 4],
    ['jaeger-ui/otlp2jaeger/otlp2jaeger-out.json', 'jaeger-json', 2],
    ['jaeger-ui/trace-statistics/testTraceNormal.json', 'jaeger-json', 5],
    ['zipkin/yelp.json', 'zipkin-v2', 16],
    ['zipkin/skew.json', 'zipkin-v2', 4],
  ];
  for (const [name, format, count] of cases) {
    const out = decodeTraceFile(readFixtureText(name));
    assert.equal(out.format, format, name);
    assert.equal(out.result.rejected, 0, name);
    assert.equal(out.result.items.length, count, name);
  }
});

test('arrays of traces and arrays of arrays are recognised', () => {
  const jaeger = JSON.parse(readFixtureText('jaeger-ui/trace-statistics/testTraceNormal.json'));
  assert.equal(decodeTraceFile(JSON.stringify([jaeger, jaeger])).format, 'jaeger-json');
  const zipkin = JSON.parse(readFixtureText('zipkin/skew.json'));
  const nested = decodeTraceFile(JSON.stringify([zipkin, zipkin]));
  assert.equal(nested.format, 'zipkin-v2');
  assert.equal(nested.result.items.length, 8);
});

test('anything else is a DecodeError with one clear sentence', () => {
  const cases: [string, RegExp][] = [
    ['', /^The file is empty\.$/],
    ['   \n', /^The file is empty\.$/],
    ['not json', /^The file is not valid JSON: /],
    ['[]', /^The file holds an empty array: there are no spans to read\.$/],
    ['{"hello": 1}', /^The file is not OTLP JSON .* or Zipkin v2 JSON \(an array of spans\)\.$/],
    ['[1, 2]', /^The file is not OTLP JSON/],
    ['{"resourceSpans":[]}\n{"broken', /^Line 2 is not valid JSON: /],
    ['{"resourceSpans":[]}\n[1]', /^Line 2 of the JSON-lines file is not an OTLP JSON document/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => decodeTraceFile(text), (e) => e instanceof DecodeError && message.test(e.message), JSON.stringify(text));
  }
});
