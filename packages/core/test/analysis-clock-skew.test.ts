import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, decodeZipkinV2 } from '@sextant/core';
import { readFixtureJson } from '../../../testing/fixtures.js';
import { buildTraceTree } from '../src/analysis/tree.js';
import { correctClockSkew } from '../src/analysis/clock-skew.js';
import { span } from './analysis-builders.js';

test('zipkin skew.json: the server span is centred in the client span, its local child follows', () => {
  const spans = decodeZipkinV2(readFixtureJson('zipkin/skew.json')).items;
  const { spans: fixed, adjustments } = correctClockSkew(buildTraceTree(spans));
  const client = fixed.find((s) => s.kind === SpanKind.CLIENT)!;
  const server = fixed.find((s) => s.kind === SpanKind.SERVER && s.spanId === client.spanId)!;
  const clientDur = client.endTimeUnixNano - client.startTimeUnixNano;
  const serverDur = server.endTimeUnixNano - server.startTimeUnixNano;
  assert.equal(server.startTimeUnixNano, client.startTimeUnixNano + (clientDur - serverDur) / 2n);
  assert.equal(server.startTimeUnixNano, 1470150004074683000n);
  const moved = 1470150004074683000n - 1470150004008761000n;
  assert.deepEqual(
    adjustments.map((a) => [a.spanId, a.adjustNano]),
    [
      ['74280ae0c10d8062', moved],
      ['43210ae0c10d1234', moved],
    ],
  );
  assert.equal(fixed.find((s) => s.name === 'async')!.startTimeUnixNano, 1470150004008762000n + moved);
  // Unmoved spans are the very same objects.
  assert.equal(fixed.find((s) => s.name === 'get'), spans.find((s) => s.name === 'get'));
});

test('events move with their span; a same-clock child is left alone', () => {
  const spans = [
    span({ id: 'c', service: 'a', kind: SpanKind.CLIENT, start: 100, end: 200 }),
    span({ id: 's', parent: 'c', service: 'b', kind: SpanKind.SERVER, start: 50, end: 130, events: [{ name: 'x', time: 60 }] }),
    span({ id: 'l', parent: 'c', service: 'a', start: 90, end: 150 }),
  ];
  const { spans: fixed, adjustments } = correctClockSkew(buildTraceTree(spans));
  assert.deepEqual(adjustments.map((a) => [a.spanId, a.adjustNano]), [['s', 60n]]);
  assert.equal(fixed[1].startTimeUnixNano, 110n);
  assert.equal(fixed[1].events[0].timeUnixNano, 120n);
  assert.equal(fixed[2], spans[2]);
});

test('a child longer than its parent is only aligned to the parent start; async children only start after', () => {
  const spans = [
    span({ id: 'p', service: 'a', kind: SpanKind.PRODUCER, start: 100, end: 120 }),
    span({ id: 'long', parent: 'p', service: 'b', start: 90, end: 200 }),
    span({ id: 'late', parent: 'p', service: 'c', kind: SpanKind.CONSUMER, start: 500, end: 600 }),
    span({ id: 'early', parent: 'p', service: 'd', kind: SpanKind.CONSUMER, start: 80, end: 90 }),
  ];
  const { adjustments } = correctClockSkew(buildTraceTree(spans));
  assert.deepEqual(adjustments.map((a) => [a.spanId, a.adjustNano]), [['early', 20n], ['long', 10n]]);
});
