import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, decodeOtlpJsonTraces, decodeTraceColumns, encodeOtlpJsonTraces, TraceColumnsEncoder, type Span } from '@sextant/core';
import { readFixtureJson } from '../../../testing/fixtures.js';
import { richSpans, sampleSpan } from './support-codec.js';

/** The answer as the browser gets it: `chunkSize` spans per chunk, through JSON text. */
function viaColumns(spans: readonly Span[], chunkSize: number): Span[] {
  const encoder = new TraceColumnsEncoder();
  const chunks = [];
  for (let i = 0; i < spans.length; i += chunkSize) chunks.push(encoder.chunk(spans.slice(i, i + chunkSize)));
  return decodeTraceColumns(JSON.parse(JSON.stringify({ chunks })));
}

test('trace columns: every field and value kind survives, across chunks that share their tables', () => {
  const spans = richSpans();
  for (const size of [1, 2, 4]) assert.deepEqual(viaColumns(spans, size), spans, `chunks of ${size}`);
  const back = viaColumns(spans, 1);
  assert.equal(back[0]!.resource, back[2]!.resource, 'spans of one resource share one object, also across chunks');
  assert.equal(back[0]!.scope, back[1]!.scope);
  assert.notEqual(back[0]!.scope, back[2]!.scope);
});

test('trace columns: times far from the chunk base (start 0, spans longer than 2^53 ns) stay exact', () => {
  const spans = [
    sampleSpan({ startTimeUnixNano: 0n, endTimeUnixNano: 0n }),
    sampleSpan({ spanId: '0000000000000002', startTimeUnixNano: 1_700_000_000_123_456_789n, endTimeUnixNano: 1_700_000_000_123_456_790n }),
    sampleSpan({ spanId: '0000000000000003', startTimeUnixNano: 5n, endTimeUnixNano: 18_446_744_073_709_551_615n, events: [{ timeUnixNano: 18_000_000_000_000_000_001n, name: 'late', attributes: [], droppedAttributesCount: 0 }] }),
    sampleSpan({ spanId: '0000000000000004', startTimeUnixNano: 10n, endTimeUnixNano: 3n }),
  ];
  assert.deepEqual(viaColumns(spans, 10), spans);
});

test('trace columns: real traces read the same as through OTLP/JSON, in a fraction of its size', () => {
  const spans = decodeOtlpJsonTraces(readFixtureJson('otlp/example-trace.json')).items;
  assert.ok(spans.length > 0);
  assert.deepEqual(viaColumns(spans, 3), spans);
  const many = Array.from({ length: 2000 }, (_, i) => ({ ...spans[i % spans.length]!, spanId: (i + 1).toString(16).padStart(16, '0') }));
  const columns = JSON.stringify({ chunks: [new TraceColumnsEncoder().chunk(many)] }).length;
  const otlp = JSON.stringify(encodeOtlpJsonTraces(many), (_k, v) => (typeof v === 'bigint' ? String(v) : v)).length;
  assert.ok(columns < otlp / 2, `columns ${columns} bytes, OTLP/JSON ${otlp} bytes`);
});

test('trace columns: a document that does not fit the format is a DecodeError naming the part', () => {
  const chunk = JSON.parse(JSON.stringify(new TraceColumnsEncoder().chunk(richSpans()))) as Record<string, unknown[]>;
  const bad = (mutate: (c: Record<string, unknown[]>) => void) => {
    const c = structuredClone(chunk);
    mutate(c);
    return { chunks: [c] };
  };
  assert.throws(() => decodeTraceColumns({}), (e) => e instanceof DecodeError && /"chunks" array/.test(e.message));
  assert.throws(() => decodeTraceColumns(bad((c) => c.name!.pop())), (e) => e instanceof DecodeError && /chunks\[0\]\.name: expected 4 entries, got 3/.test(e.message));
  assert.throws(() => decodeTraceColumns(bad((c) => (c.name![0] = 10_000))), (e) => e instanceof DecodeError && /chunks\[0\]\[0\]: 10000 is not in the string table/.test(e.message));
  assert.throws(() => decodeTraceColumns(bad((c) => (c.start![1] = 'soon'))), (e) => e instanceof DecodeError && /chunks\[0\]\[1\]\.start: expected integer nanoseconds/.test(e.message));
  assert.throws(() => decodeTraceColumns(bad((c) => c.attrs!.push(0, 0))), (e) => e instanceof DecodeError && /values left over/.test(e.message));
  assert.throws(() => decodeTraceColumns({ chunks: [{ ...chunk, values: 'x' }] }), (e) => e instanceof DecodeError && /chunks\[0\]\.values: expected an array/.test(e.message));
});
