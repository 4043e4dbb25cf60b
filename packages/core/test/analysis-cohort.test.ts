import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, type Span } from '@sextant/core';
import { compareCohorts } from '../src/analysis/cohort.js';
import { span } from './analysis-builders.js';

const MS = 1_000_000;

/** A shop request: web → cart → db. The slow variant runs an N+1 loop of item lookups and a slow payment. */
function request(traceId: string, slow: boolean, seq: number): Span[] {
  const region = seq % 3 === 0 ? 'eu' : 'us';
  const version = slow ? '2.0' : seq % 2 === 0 ? '1.9' : '2.0';
  const spans = [
    span({ traceId, id: 'root', service: 'web', kind: SpanKind.SERVER, name: 'GET /cart', start: 1, end: slow ? 400 : 100, unit: MS, attrs: { 'cloud.region': region, 'app.version': slow ? 'canary' : version } }),
    span({ traceId, id: 'c', parent: 'root', service: 'web', kind: SpanKind.CLIENT, name: 'cart.get', start: 2, end: slow ? 200 : 50, unit: MS }),
    span({ traceId, id: 's', parent: 'c', service: 'cart', kind: SpanKind.SERVER, name: 'cart.get', start: 3, end: slow ? 199 : 49, unit: MS }),
    span({ traceId, id: 'pay', parent: 'root', service: 'web', kind: SpanKind.CLIENT, name: 'payment.authorize', start: slow ? 201 : 51, end: slow ? 399 : 99, unit: MS }),
  ];
  const lookups = slow ? 30 : 2;
  for (let i = 0; i < lookups; i++) {
    spans.push(span({ traceId, id: `q${i}`, parent: 's', service: 'cart', kind: SpanKind.CLIENT, name: 'SELECT item', start: 4 + i * 6, end: 9 + i * 6, unit: MS }));
  }
  return spans;
}

test('planted N+1 loop, slow dependency and canary attribute rank first', () => {
  const selection = Array.from({ length: 40 }, (_, i) => request(`s${i}`, true, i));
  const baseline = Array.from({ length: 200 }, (_, i) => request(`b${i}`, false, i));
  const c = compareCohorts(selection, baseline);

  assert.equal(c.structure[0].path, 'web:GET /cart / web:cart.get / cart:cart.get / cart:SELECT item');
  assert.equal(c.structure[0].selectionMeanCount, 30);
  assert.equal(c.structure[0].baselineMeanCount, 2);
  assert.equal(c.structure.length, 1, 'nothing else changed shape');
  // Each row names traces to open: one from each group.
  assert.match(c.structure[0].selectionExampleTraceId ?? '', /^s\d+$/);
  assert.match(c.structure[0].baselineExampleTraceId ?? '', /^b\d+$/);

  const top = c.criticalPath[0];
  assert.deepEqual([top.service, top.operation], ['web', 'payment.authorize']);
  assert.equal(top.selectionMeanNano, 198 * MS);
  assert.equal(top.baselineMeanNano, 48 * MS);

  assert.deepEqual([c.attributes[0].key, c.attributes[0].value, c.attributes[0].separation], ['app.version', 'canary', 1]);
  assert.match(c.attributes[0].selectionExampleTraceId ?? '', /^s\d+$/);
  assert.match(top.selectionExampleTraceId ?? '', /^s\d+$/);
  assert.ok(!c.attributes.some((a) => a.key === 'cloud.region' && a.separation > 0.1), 'evenly spread values do not separate');
  assert.ok(JSON.stringify(c));
});

test('empty cohorts compare without dividing by zero', () => {
  const c = compareCohorts([], []);
  assert.deepEqual(c, { criticalPath: [], structure: [], attributes: [] });
});
