import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@sextant/core';
import { compareTraces } from '../src/analysis/compare-traces.js';
import { span } from './analysis-builders.js';

const MS = 1_000_000;

function checkout(traceId: string, opts: { cacheHit: boolean; paymentMs: number }) {
  const spans = [
    span({ traceId, id: 'root', service: 'web', kind: SpanKind.SERVER, name: 'POST /checkout', start: 1, end: 500, unit: MS }),
    span({ traceId, id: 'pay', parent: 'root', service: 'web', kind: SpanKind.CLIENT, name: 'charge', start: 2, end: 2 + opts.paymentMs, unit: MS }),
  ];
  if (opts.cacheHit) {
    spans.push(span({ traceId, id: 'cache', parent: 'root', service: 'web', kind: SpanKind.CLIENT, name: 'GET cart', start: 300, end: 301, unit: MS }));
  } else {
    spans.push(span({ traceId, id: 'db', parent: 'root', service: 'web', kind: SpanKind.CLIENT, name: 'SELECT cart', start: 300, end: 340, unit: MS }));
    spans.push(span({ traceId, id: 'db2', parent: 'db', service: 'db', kind: SpanKind.SERVER, name: 'query', start: 301, end: 339, unit: MS }));
  }
  return spans;
}

test('aligns two traces by call path: added and missing subtrees at their top, slower calls', () => {
  const c = compareTraces(checkout('a', { cacheHit: true, paymentMs: 50 }), checkout('b', { cacheHit: false, paymentMs: 200 }));
  assert.deepEqual(c.added.map((x) => x.path), ['web:POST /checkout / web:SELECT cart']);
  assert.deepEqual(c.missing.map((x) => x.path), ['web:POST /checkout / web:GET cart']);
  assert.deepEqual(c.slower.map((x) => [x.path, x.deltaNano]), [['web:POST /checkout / web:charge', 150 * MS]]);
  assert.deepEqual(c.faster, []);
  assert.equal(c.traceIdA, 'a');
  assert.ok(JSON.stringify(c));
});

test('identical traces compare equal', () => {
  const c = compareTraces(checkout('a', { cacheHit: true, paymentMs: 50 }), checkout('b', { cacheHit: true, paymentMs: 50 }));
  assert.deepEqual([c.added, c.missing, c.slower, c.faster, c.countChanged], [[], [], [], [], []]);
});
