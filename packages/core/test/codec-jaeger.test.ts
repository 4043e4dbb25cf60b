import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import {
  DecodeError,
  decodeJaegerJson,
  decodeOtlpJsonTraces,
  decodeTraceFile,
  encodeJaegerTrace,
  getAttr,
  JAEGER_REF_TYPE_ATTR,
  serviceName,
  transformOtlpToJaeger,
  type JaegerTrace,
} from '@sextant/core';
import { fixturePath, readFixtureJson, readFixtureText } from '../../../testing/fixtures.js';
import { richSpans } from './support-codec.js';

const DIR = 'jaeger-ui/otlp2jaeger';

/** What the Jaeger API answers for these traces: the envelope the expected files were recorded in. */
function envelope(traces: JaegerTrace[]) {
  return { data: traces, total: 0, limit: 0, offset: 0, errors: null };
}

/**
 * The multi-trace expectation was recorded after Jaeger UI's transformTraceData, which adds derived fields (tree
 * depth, resolved parent span, inline process…) and turns `warnings: null` into []. Removing exactly those gives
 * the API's answer.
 */
function withoutUiDerivedFields(doc: any) {
  for (const trace of doc.data) {
    for (const span of trace.spans) {
      for (const key of ['process', 'relativeStartTime', 'depth', 'hasChildren', 'childSpanIds']) delete span[key];
      for (const ref of span.references) delete ref.span;
      if (Array.isArray(span.warnings) && span.warnings.length === 0) span.warnings = null;
    }
  }
  return doc;
}

test('otlp2jaeger-in.json converts to exactly otlp2jaeger-out.json', () => {
  const { items, rejected } = decodeOtlpJsonTraces(readFixtureJson(`${DIR}/otlp2jaeger-in.json`));
  assert.equal(rejected, 0);
  assert.deepEqual(envelope(transformOtlpToJaeger(items)), readFixtureJson(`${DIR}/otlp2jaeger-out.json`));
});

test('the multi-document inputs (JSON lines and combined) convert to the multi expected output', () => {
  const expected = withoutUiDerivedFields(readFixtureJson(`${DIR}/oltp2jaeger-multi-out.json`));
  for (const name of ['otlp2jaeger-multi-in.json.txt', 'otlp2jaeger-multi-in-combined.json']) {
    const { format, result } = decodeTraceFile(readFixtureText(`${DIR}/${name}`));
    assert.equal(format, 'otlp-json');
    assert.equal(result.rejected, 0);
    assert.deepEqual(envelope(transformOtlpToJaeger(result.items)), expected, name);
  }
});

test('the deliberately bad input (a resource without service.name) is refused with DecodeError', () => {
  const { items } = decodeOtlpJsonTraces(readFixtureJson(`${DIR}/otlp2jaeger-in-error.json`));
  assert.throws(() => transformOtlpToJaeger(items), (e) => e instanceof DecodeError && /e127af99e3b3e074 \('okey-dokey-0'\) has a resource without a service\.name/.test(e.message));
  // The API path still renders such stored spans, under OpenTelemetry's default service name.
  assert.equal(encodeJaegerTrace(items).processes.p1.serviceName, 'unknown_service');
});

const JAEGER_FIXTURES = ['critical-path', 'trace-statistics', 'misc'].flatMap((dir) =>
  readdirSync(fixturePath(`jaeger-ui/${dir}`)).map((f) => `jaeger-ui/${dir}/${f}`),
);

function jaegerDoc(name: string): unknown {
  const doc = readFixtureJson<any>(name);
  return name.includes('critical-path') ? doc.trace : doc;
}

for (const name of JAEGER_FIXTURES) {
  test(`${name}: decodes, and Jaeger encode → decode gives the same spans`, () => {
    const first = decodeJaegerJson(jaegerDoc(name));
    assert.equal(first.rejected, 0, first.errors.join('; '));
    assert.ok(first.items.length > 0);
    const again = decodeJaegerJson(JSON.parse(JSON.stringify({ data: [encodeJaegerTrace(first.items)] })));
    assert.deepEqual(again, first);
  });
}

test('critical-path test1: opaque ids, trace-level ids and tiny times are kept', () => {
  const { items } = decodeJaegerJson(jaegerDoc('jaeger-ui/critical-path/test1.json'));
  const e = items.find((s) => s.spanId === 'span-E')!;
  assert.equal(e.traceId, 'test1-trace');
  assert.equal(e.parentSpanId, 'span-C');
  assert.equal(e.startTimeUnixNano, 50_000n);
  assert.equal(e.endTimeUnixNano, 60_000n);
  assert.equal(serviceName(e), 'customers-service');
  assert.equal(e.resource, items[1].resource);
});

test('tags, logs, references and process tags map onto the model', () => {
  const doc = {
    traceID: '00000000000000000000000000abcdef',
    spans: [
      {
        traceID: 'ABCDEF', spanID: '1', operationName: 'op', startTime: 1_600_000_000_000_000, duration: 7, flags: 1, processID: 'p1',
        references: [
          { refType: 'FOLLOWS_FROM', traceID: 'abcdef', spanID: '2' },
          { refType: 'CHILD_OF', traceID: 'ff', spanID: '3' },
        ],
        tags: [
          { key: 'span.kind', type: 'string', value: 'producer' },
          { key: 'error', type: 'bool', value: true },
          { key: 'otel.status_description', type: 'string', value: 'broke' },
          { key: 'otel.library.name', type: 'string', value: 'lib' },
          { key: 'otel.scope.version', type: 'string', value: '3' },
          { key: 'n', type: 'int64', value: 5 },
          { key: 'f', type: 'float64', value: 0.5 },
          { key: 'b', type: 'binary', value: 'AAE=' },
          { key: 'big', type: 'int64', value: '9007199254740993' },
        ],
        logs: [{ timestamp: 1_600_000_000_000_001, fields: [{ key: 'k', type: 'string', value: 'v' }, { key: 'event', type: 'string', value: 'retry' }] }],
      },
    ],
    processes: { p1: { serviceName: 'queue', tags: [{ key: 'host.name', type: 'string', value: 'h1' }] } },
  };
  const out = decodeJaegerJson(doc);
  assert.equal(out.rejected, 0, out.errors.join());
  const [span] = out.items;
  assert.equal(span.traceId, '00000000000000000000000000abcdef');
  assert.equal(span.spanId, '0000000000000001');
  assert.equal(span.parentSpanId, '0000000000000002');
  assert.equal(getAttr(span.attributes, JAEGER_REF_TYPE_ATTR), 'FOLLOWS_FROM');
  assert.deepEqual(span.links.map((l) => [l.traceId, l.spanId, getAttr(l.attributes, 'opentracing.ref_type')]), [['000000000000000000000000000000ff', '0000000000000003', 'child_of']]);
  assert.equal(span.kind, 4);
  assert.deepEqual(span.status, { code: 2, message: 'broke' });
  assert.deepEqual([span.scope.name, span.scope.version], ['lib', '3']);
  assert.equal(getAttr(span.attributes, 'n'), 5n);
  assert.equal(getAttr(span.attributes, 'big'), 9_007_199_254_740_993n);
  assert.deepEqual(getAttr(span.attributes, 'b'), new Uint8Array([0, 1]));
  assert.equal(getAttr(span.attributes, 'error'), undefined);
  assert.deepEqual(span.events, [{ timeUnixNano: 1_600_000_000_000_001_000n, name: 'retry', attributes: [{ key: 'k', value: 'v' }], droppedAttributesCount: 0 }]);
  assert.deepEqual(span.resource.attributes, [{ key: 'service.name', value: 'queue' }, { key: 'host.name', value: 'h1' }]);
  const encoded = encodeJaegerTrace(out.items);
  assert.deepEqual(encoded.spans[0].references[0], { refType: 'FOLLOWS_FROM', traceID: span.traceId, spanID: span.parentSpanId });
  assert.deepEqual(encoded.spans[0].tags.find((t) => t.key === 'big'), { key: 'big', type: 'int64', value: '9007199254740993' });
  assert.deepEqual(decodeJaegerJson(JSON.parse(JSON.stringify(encoded))), out);
});

test('OTLP-born spans: one process per distinct resource, status and kind tags', () => {
  const trace = encodeJaegerTrace(richSpans());
  assert.deepEqual(Object.keys(trace.processes), ['p1', 'p2']);
  assert.equal(trace.processes.p2.serviceName, 'db');
  const child = trace.spans[2];
  assert.deepEqual(child.tags.slice(-4), [
    { key: 'span.kind', type: 'string', value: 'client' },
    { key: 'otel.status_code', type: 'string', value: 'ERROR' },
    { key: 'error', type: 'bool', value: true },
    { key: 'otel.status_description', type: 'string', value: 'it failed' },
  ]);
  assert.deepEqual(child.logs[0].fields[0], { key: 'event', type: 'string', value: 'exception' });
  assert.equal(trace.spans[0].tags.find((t) => t.key === 'w3c.tracestate')?.value, 'k=v');
});

test('bad Jaeger input: unreadable documents throw, bad spans are rejected with a path', () => {
  assert.throws(() => decodeJaegerJson({ foo: 1 }), /^DecodeError: Jaeger JSON: expected/);
  const out = decodeJaegerJson({
    traceID: 't',
    spans: [
      { spanID: 'a', startTime: 1, duration: 1, processID: 'p1' },
      { spanID: 'b', startTime: 'later', processID: 'p1' },
      { spanID: 'c', startTime: 1, processID: 'p9' },
      { spanID: 'd', startTime: 1, processID: 'p1', tags: [{ key: 'x', type: 'int64', value: 'many' }] },
    ],
    processes: { p1: { serviceName: 's' } },
  });
  assert.equal(out.items.length, 1);
  assert.deepEqual(out.errors, [
    "trace.spans[1].startTime: expected microseconds, got 'later'",
    "trace.spans[2].processID: no process 'p9' in this trace",
    "trace.spans[3].tags[0].value: expected a int64 value, got 'many'",
  ]);
});
