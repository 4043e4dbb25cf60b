import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace, SpanStatusCode, SpanKind as OtelSpanKind, context } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  DecodeError,
  decodeLogsRequest,
  decodeTraceRequest,
  encodeExportLogsResponse,
  encodeExportTraceResponse,
  encodeLogsRequest,
  encodeTraceRequest,
  getAttr,
  emptyScope,
  type LogRecord,
} from '@sextant/core';
import { b64hex, decodeWithProtobufjs, encodeWithProtobufjs } from './support-codec-proto.js';
import { ALL_VALUE_KINDS, richSpans, sampleSpan } from './support-codec.js';

test('encode → decode is lossless for every field and value kind', () => {
  const spans = richSpans();
  const out = decodeTraceRequest(encodeTraceRequest(spans));
  assert.deepEqual(out, { items: spans, rejected: 0, errors: [] });
  // Spans that shared Resource/Scope objects on the way in share them again on the way out.
  assert.equal(out.items[0].resource, out.items[2].resource);
  assert.equal(out.items[0].scope, out.items[1].scope);
  assert.notEqual(out.items[0].scope, out.items[2].scope);
});

test('protobufjs reads what the encoder writes', () => {
  const spans = richSpans();
  const msg = decodeWithProtobufjs('ExportTraceServiceRequest', encodeTraceRequest(spans));
  assert.equal(msg.resourceSpans.length, 2);
  const [rs1] = msg.resourceSpans;
  assert.equal(rs1.schemaUrl, 'https://opentelemetry.io/schemas/1.21.0');
  assert.equal(rs1.resource.droppedAttributesCount, 1);
  assert.deepEqual(rs1.scopeSpans.map((s: any) => s.spans.length), [2, 1]);
  const root = rs1.scopeSpans[0].spans[0];
  assert.equal(b64hex(root.traceId), spans[0].traceId);
  assert.equal(b64hex(root.spanId), spans[0].spanId);
  assert.equal(root.startTimeUnixNano, String(spans[0].startTimeUnixNano));
  assert.equal(root.flags, 0x301);
  assert.equal(root.traceState, 'k=v');
  const values = Object.fromEntries(root.attributes.map((kv: any) => [kv.key, kv.value]));
  assert.deepEqual(values.int, { intValue: '42' });
  assert.deepEqual(values.min, { intValue: '-9223372036854775808' });
  assert.deepEqual(values['double.whole'], { doubleValue: 2 });
  assert.deepEqual(values.empty, { stringValue: '' });
  assert.deepEqual(values.no, { boolValue: false });
  assert.equal(b64hex(values.bytes.bytesValue), '0001feff');
  assert.deepEqual(values.nil, {});
  assert.deepEqual(values.kv.kvlistValue.values[0].value.kvlistValue.values[0], { key: 'deep', value: { stringValue: 'v' } });
  const child = rs1.scopeSpans[1].spans[0];
  assert.equal(b64hex(child.parentSpanId), spans[0].spanId);
  assert.deepEqual(child.status, { message: 'it failed', code: 2 });
  assert.equal(child.kind, 3);
  assert.equal(child.events[0].name, 'exception');
  assert.equal(b64hex(child.links[0].traceId), 'f'.repeat(32));
  assert.equal(child.links[0].flags, 1);
  assert.equal(child.droppedLinksCount, 5);
});

test('the decoder reads what protobufjs writes, including fields it must skip', () => {
  const bytes = encodeWithProtobufjs('ExportTraceServiceRequest', {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [
          {
            scope: { name: 's', version: '2' },
            spans: [
              {
                traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'),
                spanId: Buffer.from('b7ad6b7169203331', 'hex'),
                name: 'op',
                kind: 2,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000500000000',
                attributes: [{ key: 'n', value: { intValue: '-1' } }, { key: 'd', value: { doubleValue: -0.5 } }],
                status: { code: 2, message: 'x' },
              },
            ],
          },
        ],
      },
    ],
  });
  // Append a ResourceSpans field carrying unknown fields of every wire type; it must be skipped, not fail.
  const unknown = [0x0a, 0x16, 0xf8, 0x07, 0x96, 0x01, 0xf9, 0x07, 1, 2, 3, 4, 5, 6, 7, 8, 0xfd, 0x07, 1, 2, 3, 4, 0x2a, 0];
  const all = new Uint8Array([...bytes, ...unknown]);
  const out = decodeTraceRequest(all);
  assert.equal(out.rejected, 0);
  assert.equal(out.items.length, 1);
  const [span] = out.items;
  assert.equal(span.traceId, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(span.spanId, 'b7ad6b7169203331');
  assert.equal(span.parentSpanId, '');
  assert.equal(span.kind, 2);
  assert.equal(span.endTimeUnixNano, 1_700_000_000_500_000_000n);
  assert.equal(getAttr(span.attributes, 'n'), -1n);
  assert.equal(getAttr(span.attributes, 'd'), -0.5);
  assert.deepEqual(span.status, { code: 2, message: 'x' });
  assert.deepEqual(span.scope, { ...emptyScope(), name: 's', version: '2' });
});

test('spans recorded by the real OpenTelemetry SDK decode to what was recorded', async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('sextant-test', '9.9.9');
  tracer.startActiveSpan('parent', { kind: OtelSpanKind.SERVER, attributes: { 'http.status_code': 500, ratio: 0.25, ok: false, tags: ['a', 'b'] } }, (parent) => {
    const child = tracer.startSpan('child', { kind: OtelSpanKind.CLIENT, links: [{ context: parent.spanContext(), attributes: { why: 'retry' } }] }, trace.setSpan(context.active(), parent));
    child.addEvent('retry', { attempt: 2 });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    child.end();
    parent.end();
  });
  await provider.forceFlush();
  const recorded = exporter.getFinishedSpans();
  const bytes = ProtobufTraceSerializer.serializeRequest(recorded)!;
  const out = decodeTraceRequest(bytes);
  assert.equal(out.rejected, 0);
  assert.equal(out.items.length, 2);
  const byName = new Map(out.items.map((s) => [s.name, s]));
  const parent = byName.get('parent')!;
  const child = byName.get('child')!;
  const rParent = recorded.find((s) => s.name === 'parent')!;
  assert.equal(parent.traceId, rParent.spanContext().traceId);
  assert.equal(parent.spanId, rParent.spanContext().spanId);
  assert.equal(child.parentSpanId, parent.spanId);
  assert.equal(parent.kind, 2);
  assert.equal(child.kind, 3);
  assert.equal(parent.flags & 0xff, 1);
  assert.equal(getAttr(parent.attributes, 'http.status_code'), 500n);
  assert.equal(getAttr(parent.attributes, 'ratio'), 0.25);
  assert.equal(getAttr(parent.attributes, 'ok'), false);
  assert.deepEqual(getAttr(parent.attributes, 'tags'), ['a', 'b']);
  const [s, ns] = rParent.startTime;
  assert.equal(parent.startTimeUnixNano, BigInt(s) * 1_000_000_000n + BigInt(ns));
  assert.equal(getAttr(parent.resource.attributes, 'service.name'), 'checkout');
  assert.equal(parent.resource, child.resource);
  assert.deepEqual([parent.scope.name, parent.scope.version], ['sextant-test', '9.9.9']);
  assert.deepEqual(child.status, { code: 2, message: 'timeout' });
  assert.equal(child.events[0].name, 'retry');
  assert.equal(getAttr(child.events[0].attributes, 'attempt'), 2n);
  assert.equal(child.links[0].spanId, parent.spanId);
  assert.equal(getAttr(child.links[0].attributes, 'why'), 'retry');
  // And our encoding of the decoded spans decodes to the same model.
  assert.deepEqual(decodeTraceRequest(encodeTraceRequest(out.items)).items, out.items);
  await provider.shutdown();
});

test('invalid spans are rejected one by one with a path; the rest are kept', () => {
  const good = sampleSpan();
  const badId = { ...good, spanId: '00' };
  const badTime = { ...good, spanId: '0000000000000002', startTimeUnixNano: 5n };
  const out = decodeTraceRequest(encodeTraceRequest([good, badId, badTime]));
  assert.equal(out.items.length, 1);
  assert.equal(out.rejected, 2);
  assert.deepEqual(out.errors, [
    "resourceSpans[0].scopeSpans[0].spans[1].spanId: expected 16 lower-case hex characters, got '00'",
    'resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano: 5 ns is outside 1990..2200 (is it in the wrong unit?)',
  ]);
});

test('an empty request is valid and empty', () => {
  assert.deepEqual(decodeTraceRequest(new Uint8Array(0)), { items: [], rejected: 0, errors: [] });
});

test('truncated, corrupted and random input throws DecodeError and nothing else', () => {
  const valid = encodeTraceRequest(richSpans());
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const tryDecode = (buf: Uint8Array) => {
    try {
      decodeTraceRequest(buf);
    } catch (e) {
      assert.ok(e instanceof DecodeError, `unexpected ${String(e)}`);
      assert.match((e as Error).message, /^ExportTraceServiceRequest is not valid protobuf: .* at byte \d+\.$/);
      return 1;
    }
    return 0;
  };
  let thrown = 0;
  for (let cut = 1; cut < valid.length; cut++) thrown += tryDecode(valid.subarray(0, cut));
  assert.ok(thrown > valid.length / 2, 'most truncations must be detected');
  for (let i = 0; i < 3000; i++) {
    const mutated = valid.slice();
    for (let k = 0; k < 1 + (i % 4); k++) mutated[Math.floor(rand() * mutated.length)] = Math.floor(rand() * 256);
    tryDecode(mutated);
    const random = new Uint8Array(1 + Math.floor(rand() * 200)).map(() => Math.floor(rand() * 256));
    tryDecode(random);
    decodeLogsRequestSafely(random);
  }
  // Deep nesting is refused rather than overflowing the stack.
  let value = ld(1, new Uint8Array(0)); // AnyValue { string_value: '' }
  for (let i = 0; i < 5000; i++) value = ld(5, ld(1, value)); // AnyValue { array_value { values: [value] } }
  const request = ld(1, ld(1, ld(1, ld(2, value)))); // resource_spans.resource.attributes.value
  assert.throws(() => decodeTraceRequest(request), /values nest deeper than 32 levels/);
});

/** A length-delimited protobuf field. */
function ld(field: number, body: Uint8Array): Uint8Array {
  const head: number[] = [(field << 3) | 2];
  for (let n = body.length; ; n >>>= 7) {
    if (n < 0x80) {
      head.push(n);
      break;
    }
    head.push((n & 0x7f) | 0x80);
  }
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function decodeLogsRequestSafely(buf: Uint8Array): void {
  try {
    decodeLogsRequest(buf);
  } catch (e) {
    assert.ok(e instanceof DecodeError, `unexpected ${String(e)}`);
  }
}

test('log records round-trip and protobufjs agrees on field numbers', () => {
  const span = richSpans()[0];
  const logs: LogRecord[] = [
    {
      timeUnixNano: 1_700_000_000_000_000_001n, observedTimeUnixNano: 1_700_000_000_000_000_002n, severityNumber: 17,
      severityText: 'ERROR', body: { kvlist: [{ key: 'msg', value: 'boom' }] }, attributes: ALL_VALUE_KINDS,
      droppedAttributesCount: 1, flags: 1, traceId: span.traceId, spanId: span.spanId, eventName: 'app.crash',
      resource: span.resource, scope: span.scope,
    },
    {
      timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber: 0, severityText: '', body: null, attributes: [],
      droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '', resource: span.resource, scope: span.scope,
    },
  ];
  const bytes = encodeLogsRequest(logs);
  assert.deepEqual(decodeLogsRequest(bytes), { items: logs, rejected: 0, errors: [] });
  const msg = decodeWithProtobufjs('ExportLogsServiceRequest', bytes);
  const rec = msg.resourceLogs[0].scopeLogs[0].logRecords[0];
  assert.equal(rec.observedTimeUnixNano, '1700000000000000002');
  assert.equal(rec.severityNumber, 17);
  assert.equal(rec.eventName, 'app.crash');
  assert.equal(b64hex(rec.spanId), span.spanId);
  assert.equal(rec.body.kvlistValue.values[0].key, 'msg');
  const bad = decodeLogsRequest(encodeLogsRequest([{ ...logs[1], traceId: 'abc' }]));
  assert.equal(bad.rejected, 1);
  assert.match(bad.errors[0], /^resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]\.traceId: expected 32/);
});

test('export responses carry partial success only when something was rejected', () => {
  assert.equal(encodeExportTraceResponse(0, '').length, 0);
  assert.deepEqual(decodeWithProtobufjs('ExportTraceServiceResponse', encodeExportTraceResponse(3, 'spanId: bad')), {
    partialSuccess: { rejectedSpans: '3', errorMessage: 'spanId: bad' },
  });
  assert.deepEqual(decodeWithProtobufjs('ExportLogsServiceResponse', encodeExportLogsResponse(2, 'x')), {
    partialSuccess: { rejectedLogRecords: '2', errorMessage: 'x' },
  });
});
