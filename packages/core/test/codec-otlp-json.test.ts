import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attrValueFromJson,
  attrValueToJson,
  DecodeError,
  decodeOtlpJsonLogs,
  decodeOtlpJsonTraces,
  decodeTraceRequest,
  encodeOtlpJsonLogs,
  encodeOtlpJsonTraces,
  encodeTraceRequest,
  getAttr,
} from '@sextant/core';
import { readFixtureJson, readFixtureText } from '../../../testing/fixtures.js';
import { ALL_VALUE_KINDS, richSpans } from './support-codec.js';

const OTLP_FIXTURES = [
  'otlp/example-trace.json',
  'jaeger-ui/otlp2jaeger/otlp2jaeger-in.json',
  'jaeger-ui/otlp2jaeger/otlp2jaeger-in-error.json',
  'jaeger-ui/otlp2jaeger/otlp2jaeger-multi-in-combined.json',
];

/** JSON text → model → JSON text → model, as the API and a re-import would do. */
function viaJsonText(doc: unknown) {
  return decodeOtlpJsonTraces(JSON.parse(JSON.stringify(doc)));
}

for (const name of OTLP_FIXTURES) {
  test(`${name}: decode → encode → decode is lossless through OTLP/JSON and protobuf`, () => {
    const first = decodeOtlpJsonTraces(readFixtureJson(name));
    assert.equal(first.rejected, 0, first.errors.join('; '));
    assert.ok(first.items.length > 0);
    assert.deepEqual(viaJsonText(encodeOtlpJsonTraces(first.items)), first);
    assert.deepEqual(decodeTraceRequest(encodeTraceRequest(first.items)), first);
  });
}

test('JSON-lines fixture: every line decodes and round-trips', () => {
  const lines = readFixtureText('jaeger-ui/otlp2jaeger/otlp2jaeger-multi-in.json.txt').split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 4);
  for (const line of lines) {
    const first = decodeOtlpJsonTraces(JSON.parse(line));
    assert.equal(first.items.length, 1);
    assert.deepEqual(viaJsonText(encodeOtlpJsonTraces(first.items)), first);
  }
});

test('the canonical example decodes to the documented values (upper-case ids folded)', () => {
  const { items } = decodeOtlpJsonTraces(readFixtureJson('otlp/example-trace.json'));
  const [span] = items;
  assert.equal(span.traceId, '5b8efff798038103d269b633813fc60c');
  assert.equal(span.spanId, 'eee19b7ec3c1b174');
  assert.equal(span.parentSpanId, 'eee19b7ec3c1b173');
  assert.equal(span.kind, 2);
  assert.equal(span.startTimeUnixNano, 1_544_712_660_000_000_000n);
  assert.equal(span.endTimeUnixNano, 1_544_712_661_000_000_000n);
  assert.equal(getAttr(span.resource.attributes, 'service.name'), 'my.service');
  assert.deepEqual([span.scope.name, span.scope.version], ['my.library', '1.0.0']);
  assert.equal(getAttr(span.scope.attributes, 'my.scope.attribute'), 'some scope attribute');
  assert.equal(getAttr(span.attributes, 'my.span.attr'), 'some value');
});

test('rich spans round-trip through JSON text, and the encoding follows the OTLP/JSON mapping', () => {
  const spans = richSpans();
  const doc = encodeOtlpJsonTraces(spans);
  assert.deepEqual(viaJsonText(doc).items, spans);
  const root = doc.resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(root.startTimeUnixNano, '1544712660000000000');
  assert.equal(typeof root.kind, 'number');
  const values = Object.fromEntries(root.attributes.map((kv) => [kv.key, kv.value]));
  assert.deepEqual(values.max, { intValue: '9223372036854775807' });
  assert.deepEqual(values.bytes, { bytesValue: 'AAH+/w==' });
  assert.deepEqual(values['double.whole'], { doubleValue: 2 });
  assert.deepEqual(values.nil, {});
  assert.equal(doc.resourceSpans[0].scopeSpans[1].spans[0].status.code, 2);
  assert.equal(doc.resourceSpans[0].scopeSpans[1].spans[0].parentSpanId, root.spanId);
  assert.equal('parentSpanId' in root, false);
});

test('named enums, numbers for int64, snake_case keys and base64url are accepted', () => {
  const out = decodeOtlpJsonTraces({
    resource_spans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }] },
        scope_spans: [
          {
            scope: { name: 'x' },
            spans: [
              {
                trace_id: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB',
                span_id: '00000000000000AB',
                name: 'n',
                kind: 'SPAN_KIND_CONSUMER',
                start_time_unix_nano: 1_700_000_000_000_000_000,
                endTimeUnixNano: '1700000000000000001',
                attributes: [
                  { key: 'i', value: { intValue: 7 } },
                  { key: 'b', value: { bytesValue: '_-8' } },
                  { key: 'nan', value: { doubleValue: 'NaN' } },
                ],
                status: { code: 'STATUS_CODE_ERROR', message: 'bad' },
              },
            ],
          },
        ],
      },
    ],
  });
  assert.equal(out.rejected, 0, out.errors.join());
  const [span] = out.items;
  assert.equal(span.traceId, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab');
  assert.equal(span.spanId, '00000000000000ab');
  assert.equal(span.kind, 5);
  assert.deepEqual(span.status, { code: 2, message: 'bad' });
  assert.equal(span.startTimeUnixNano, 1_700_000_000_000_000_000n);
  assert.equal(getAttr(span.attributes, 'i'), 7n);
  assert.deepEqual(getAttr(span.attributes, 'b'), new Uint8Array([0xff, 0xef]));
  assert.ok(Number.isNaN(getAttr(span.attributes, 'nan')));
  assert.equal(getAttr(span.resource.attributes, 'service.name'), 'svc');
});

test('bad spans are rejected with a path and a reason; good ones are kept', () => {
  const good = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'ok', startTimeUnixNano: '1544712660000000000', endTimeUnixNano: '1544712661000000000' };
  const out = decodeOtlpJsonTraces({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              good,
              { ...good, traceId: 'xyz' },
              { ...good, kind: 'SPAN_KIND_BOGUS' },
              { ...good, attributes: [{ key: 'k', value: { intValue: '1.5' } }] },
              { ...good, startTimeUnixNano: 'soon' },
              'not a span',
            ],
          },
        ],
      },
    ],
  });
  assert.equal(out.items.length, 1);
  assert.equal(out.rejected, 5);
  assert.deepEqual(out.errors, [
    "resourceSpans[0].scopeSpans[0].spans[1].traceId: expected 32 lower-case hex characters, got 'xyz'",
    "resourceSpans[0].scopeSpans[0].spans[2].kind: expected a SPAN_KIND_* name or a number below 6, got string 'SPAN_KIND_BOGUS'",
    "resourceSpans[0].scopeSpans[0].spans[3].attributes[0].value.intValue: expected an integer, got string '1.5'",
    "resourceSpans[0].scopeSpans[0].spans[4].startTimeUnixNano: expected an integer, got string 'soon'",
    'resourceSpans[0].scopeSpans[0].spans[5]: expected an object, got string \'not a span\'',
  ]);
});

test('unreadable documents throw DecodeError naming what is wrong', () => {
  assert.throws(() => decodeOtlpJsonTraces([]), { name: 'DecodeError', message: 'OTLP JSON document: expected an object, got an array' });
  assert.throws(() => decodeOtlpJsonTraces({ spans: [] }), /expected a "resourceSpans" array, got undefined/);
  assert.throws(() => decodeOtlpJsonTraces({ resourceSpans: [{ scopeSpans: {} }] }), {
    message: 'resourceSpans[0].scopeSpans: expected an array, got an object',
  });
  assert.throws(() => decodeOtlpJsonTraces({ resourceSpans: [{ resource: { attributes: [{ key: 'a', value: { boolValue: 'yes' } }] } }] }), DecodeError);
  let deep: unknown = { stringValue: 'x' };
  for (let i = 0; i < 100; i++) deep = { arrayValue: { values: [deep] } };
  assert.throws(() => attrValueFromJson(deep), /nest deeper than 32 levels/);
});

test('AnyValue JSON helpers round-trip every kind', () => {
  for (const kv of ALL_VALUE_KINDS) {
    assert.deepEqual(attrValueFromJson(JSON.parse(JSON.stringify(attrValueToJson(kv.value)))), kv.value, kv.key);
  }
  assert.deepEqual(attrValueToJson(Infinity), { doubleValue: 'Infinity' });
  assert.equal(attrValueFromJson({ doubleValue: '-Infinity' }), -Infinity);
});

test('logs round-trip through OTLP/JSON and accept named severities', () => {
  const span = richSpans()[0];
  const logs = [
    {
      timeUnixNano: 1_700_000_000_000_000_001n, observedTimeUnixNano: 1_700_000_000_000_000_002n, severityNumber: 17,
      severityText: 'ERROR', body: 'boom', attributes: ALL_VALUE_KINDS, droppedAttributesCount: 1, flags: 1,
      traceId: span.traceId, spanId: span.spanId, eventName: 'e', resource: span.resource, scope: span.scope,
    },
  ];
  const doc = JSON.parse(JSON.stringify(encodeOtlpJsonLogs(logs)));
  assert.deepEqual(decodeOtlpJsonLogs(doc), { items: logs, rejected: 0, errors: [] });
  doc.resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber = 'SEVERITY_NUMBER_WARN2';
  assert.equal(decodeOtlpJsonLogs(doc).items[0].severityNumber, 14);
});
