import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@sextant/core';
import { buildTraceTree } from '../src/analysis/tree.js';
import { correctClockSkew } from '../src/analysis/clock-skew.js';
import { qualityFindings } from '../src/analysis/quality.js';
import { span } from './analysis-builders.js';

test('each check fires on the spans that break it, and only on them', () => {
  const big = 'x'.repeat(5000);
  const spans = [
    span({ id: 'root', service: 'web', kind: SpanKind.SERVER, start: 100, end: 200 }),
    span({ id: 'orphan', parent: 'gone', service: 'web', start: 120, end: 130 }),
    span({ id: 'anon', parent: 'root', service: '', start: 110, end: 120 }),
    span({ id: 'zero', parent: 'root', service: 'web', start: 150, end: 150 }),
    span({ id: 'lost', parent: 'root', service: 'web', kind: SpanKind.CLIENT, start: 160, end: 170, attrs: { 'peer.service': 'cart' } }),
    span({ id: 'ext', parent: 'root', service: 'web', kind: SpanKind.CLIENT, start: 160, end: 170, attrs: { 'server.address': 'api.example.com' } }),
    span({ id: 'db', parent: 'root', service: 'web', kind: SpanKind.CLIENT, start: 160, end: 170, attrs: { 'db.system': 'redis' } }),
    span({ id: 'srv', parent: 'root', service: 'cart', kind: SpanKind.SERVER, start: 50, end: 60 }),
    span({ id: 'fat', parent: 'root', service: 'web', start: 171, end: 180, attrs: { 'db.statement': big } }),
  ];
  const tree = buildTraceTree(spans);
  const skew = correctClockSkew(tree);
  const findings = qualityFindings(tree, skew.adjustments);
  const byCheck = Object.fromEntries(findings.map((f) => [f.check, f.spanIds]));
  assert.deepEqual(byCheck, {
    'missing-parent': ['orphan'],
    'multiple-roots': ['root', 'orphan'],
    'missing-service-name': ['anon'],
    'clock-skew': ['srv'],
    'non-positive-duration': ['zero'],
    'client-without-server': ['lost'],
    'oversized-attributes': ['fat'],
  });
  for (const f of findings) assert.ok(f.message.length > 10);
});

test('a clean trace has no findings', () => {
  const tree = buildTraceTree([
    span({ id: 'a', service: 'web', kind: SpanKind.SERVER, start: 1, end: 10 }),
    span({ id: 'b', parent: 'a', service: 'web', kind: SpanKind.CLIENT, start: 2, end: 9, attrs: { 'server.address': 'cart' } }),
    span({ id: 'c', parent: 'b', service: 'cart', kind: SpanKind.SERVER, start: 3, end: 8 }),
  ]);
  assert.deepEqual(qualityFindings(tree, correctClockSkew(tree).adjustments), []);
});
