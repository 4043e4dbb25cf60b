import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@sextant/core';
import { buildTraceTree, childrenOf } from '../src/analysis/tree.js';
import { groupByTrace } from '../src/model.js';
import { span } from './analysis-builders.js';

const idsOf = (tree: { spans: readonly { spanId: string }[] }, nodes: Iterable<number>) =>
  [...nodes].map((i) => tree.spans[i].spanId);

test('builds children ordered by start and a depth-first order', () => {
  const tree = buildTraceTree([
    span({ id: 'c2', parent: 'r', start: 50, end: 60 }),
    span({ id: 'r', start: 1, end: 100 }),
    span({ id: 'c1', parent: 'r', start: 10, end: 40 }),
    span({ id: 'g', parent: 'c1', start: 20, end: 30 }),
  ]);
  assert.deepEqual(idsOf(tree, tree.roots), ['r']);
  assert.deepEqual(idsOf(tree, childrenOf(tree, tree.byId.get('r')!)), ['c1', 'c2']);
  assert.deepEqual(idsOf(tree, tree.preorder), ['r', 'c1', 'g', 'c2']);
  assert.equal(tree.depth[tree.byId.get('g')!], 2);
  assert.deepEqual([tree.startNano, tree.endNano], [1n, 100n]);
  assert.deepEqual(tree.orphans, []);
});

test('orphans of an incomplete trace become flagged roots; the earliest root is primary', () => {
  const tree = buildTraceTree([
    span({ id: 'late', parent: 'missing', start: 30, end: 40 }),
    span({ id: 'untimed', start: 0, end: 0 }),
    span({ id: 'r', start: 1, end: 100 }),
    span({ id: 'r2', start: 1, end: 10 }),
  ]);
  assert.deepEqual(idsOf(tree, tree.roots), ['r', 'r2', 'late', 'untimed']);
  assert.deepEqual(idsOf(tree, tree.orphans), ['late']);
});

test('duplicate span ids are flagged and children attach to the first', () => {
  const tree = buildTraceTree([
    span({ id: 'r', start: 0, end: 100 }),
    span({ id: 'a', parent: 'r', start: 10, end: 20 }),
    span({ id: 'a', parent: 'r', start: 30, end: 40 }),
    span({ id: 'b', parent: 'a', start: 11, end: 12 }),
  ]);
  assert.deepEqual(tree.duplicates, [2]);
  assert.equal(tree.parent[3], 1);
  assert.equal(tree.parent[2], 0);
});

test('shared RPC span: server half goes under the client half; its children follow the service', () => {
  const tree = buildTraceTree([
    span({ id: 'root', service: 'a', kind: SpanKind.SERVER, start: 0, end: 100 }),
    span({ id: 'rpc', parent: 'root', service: 'a', kind: SpanKind.CLIENT, start: 10, end: 90 }),
    span({ id: 'rpc', parent: 'root', service: 'b', kind: SpanKind.SERVER, start: 20, end: 80, attrs: { 'zipkin.shared': true } }),
    span({ id: 'inb', parent: 'rpc', service: 'b', start: 30, end: 40 }),
    span({ id: 'ina', parent: 'rpc', service: 'a', start: 30, end: 40 }),
  ]);
  assert.deepEqual(tree.sharedServers, [2]);
  assert.equal(tree.parent[2], 1);
  assert.equal(tree.parent[3], 2, 'same-service child under the server half');
  assert.equal(tree.parent[4], 1, 'other-service child under the client half');
  assert.equal(tree.byId.get('rpc'), 1);
  assert.deepEqual(tree.duplicates, []);
});

test('parent loops are cut instead of hanging or losing spans', () => {
  const tree = buildTraceTree([
    span({ id: 'x', parent: 'y', start: 0, end: 10 }),
    span({ id: 'y', parent: 'x', start: 1, end: 5 }),
    span({ id: 'self', parent: 'self', start: 2, end: 3 }),
  ]);
  assert.equal(tree.preorder.length, 3);
  assert.equal(new Set(tree.preorder).size, 3);
  assert.equal(tree.cycleBreaks.length, 2);
});

test('overflowing children, async edges and links are recorded', () => {
  const tree = buildTraceTree([
    span({ id: 'p', service: 'a', kind: SpanKind.PRODUCER, start: 0, end: 10 }),
    span({ id: 'c', parent: 'p', service: 'b', kind: SpanKind.CONSUMER, start: 20, end: 30 }),
    span({ id: 'f', parent: 'p', service: 'a', start: 5, end: 8, attrs: { 'jaeger.ref_type': 'FOLLOWS_FROM' } }),
    span({ id: 's', parent: 'p', service: 'a', start: 5, end: 8, links: ['c', 'elsewhere'] }),
  ]);
  assert.deepEqual([...tree.asyncFromParent], [0, 1, 1, 0]);
  assert.deepEqual(tree.overflowing, [1]);
  assert.deepEqual(tree.links, [{ from: 3, to: 1 }]);
});

test('groupByTrace splits by trace id in first-seen order', () => {
  const groups = groupByTrace([
    span({ id: 'a', traceId: 't2', start: 0, end: 1 }),
    span({ id: 'b', traceId: 't1', start: 0, end: 1 }),
    span({ id: 'c', traceId: 't2', start: 0, end: 1 }),
  ]);
  assert.deepEqual(groups.map((g) => g.map((s) => s.spanId)), [['a', 'c'], ['b']]);
});
