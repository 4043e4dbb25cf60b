import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, decodeZipkinV2 } from '@sextant/core';
import { readFixtureJson } from '../../../testing/fixtures.js';
import { buildTraceTree, endOf, retimeTree, startOf } from '../src/analysis/tree.js';
import { clockShifts, correctClockSkew } from '../src/analysis/clock-skew.js';
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

test('retiming a tree by clock shifts gives the tree of the corrected copies, without copying spans', () => {
  // Three hosts whose clocks disagree: the servers appear before and after their callers, which reorders
  // the children of the gateway once corrected.
  const spans = [
    span({ id: 'g', service: 'gateway', kind: SpanKind.SERVER, start: 1000, end: 2000 }),
    span({ id: 'c1', parent: 'g', service: 'gateway', kind: SpanKind.CLIENT, start: 1100, end: 1500 }),
    span({ id: 's1', parent: 'c1', service: 'cart', kind: SpanKind.SERVER, start: 5000, end: 5200 }),
    span({ id: 'db', parent: 's1', service: 'cart', kind: SpanKind.CLIENT, start: 5050, end: 5150 }),
    span({ id: 'c2', parent: 'g', service: 'gateway', kind: SpanKind.CLIENT, start: 1600, end: 1900 }),
    span({ id: 's2', parent: 'c2', service: 'auth', kind: SpanKind.SERVER, start: 10, end: 110 }),
    span({ id: 'late', parent: 'g', service: 'auth', start: 10, end: 20 }),
  ];
  const tree = buildTraceTree(spans);
  const { shiftNano, adjustments } = clockShifts(tree);
  assert.deepEqual(adjustments, correctClockSkew(tree).adjustments);
  const retimed = retimeTree(tree, shiftNano);
  const rebuilt = buildTraceTree(correctClockSkew(tree).spans);
  assert.equal(retimed.spans, spans, 'the recorded spans, not copies');
  assert.deepEqual(ids(retimed.preorder), ids(rebuilt.preorder));
  assert.notDeepEqual(ids(retimed.preorder), ids(tree.preorder), 'the correction reorders children');
  for (const field of ['childNodes', 'start', 'end', 'depth', 'parent'] as const) assert.deepEqual(retimed[field], rebuilt[field], field);
  assert.deepEqual([retimed.roots, retimed.overflowing, retimed.startNano, retimed.endNano], [rebuilt.roots, rebuilt.overflowing, rebuilt.startNano, rebuilt.endNano]);
  for (let i = 0; i < spans.length; i++) {
    assert.equal(startOf(retimed, i), rebuilt.spans[i].startTimeUnixNano);
    assert.equal(endOf(retimed, i), rebuilt.spans[i].endTimeUnixNano);
  }

  function ids(nodes: Int32Array): string[] {
    return [...nodes].map((i) => spans[i].spanId);
  }
});
