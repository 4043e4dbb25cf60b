import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@sextant/core';
import { buildTraceTree } from '../src/analysis/tree.js';
import { findRepeatedCalls, normalizeStatement, repeatedCallPatterns } from '../src/analysis/n-plus-one.js';
import { span, type SpanSpec } from './analysis-builders.js';

test('normalizeStatement replaces literals and lists', () => {
  assert.equal(
    normalizeStatement(`SELECT * FROM "users"  WHERE id = 42 AND name = 'o''brien' AND x IN (1, 2,3) AND y = $1`),
    'SELECT * FROM "users" WHERE id = ? AND name = ? AND x IN (?) AND y = ?',
  );
  assert.equal(normalizeStatement('select a1 from t where v = -3.5e2'), 'select a1 from t where v = ?');
});

function loopTrace(traceId: string, n: number, parallel: boolean) {
  const spans = [span({ traceId, id: 'root', service: 'shop', kind: SpanKind.SERVER, start: 0, end: 10_000 })];
  for (let i = 0; i < n; i++) {
    const start = parallel ? 10 : 10 + i * 100;
    spans.push(
      span({ traceId, id: `q${i}`, parent: 'root', service: 'shop', kind: SpanKind.CLIENT, name: 'SELECT', start, end: start + 90, attrs: { 'db.statement': `SELECT * FROM items WHERE id = ${i}` } }),
    );
  }
  const other: SpanSpec = { traceId, id: 'other', parent: 'root', service: 'shop', kind: SpanKind.CLIENT, name: 'SELECT', start: 9000, end: 9100, attrs: { 'db.statement': 'SELECT * FROM carts WHERE id = 1' } };
  spans.push(span(other));
  return spans;
}

test('an N+1 loop is found with its normalised statement; the odd query out is not part of it', () => {
  const [f, ...rest] = findRepeatedCalls(buildTraceTree(loopTrace('t', 12, false)));
  assert.equal(rest.length, 0);
  assert.equal(f.count, 12);
  assert.equal(f.pattern, 'sequential');
  assert.equal(f.statement, 'SELECT * FROM items WHERE id = ?');
  assert.equal(f.parentSpanId, 'root');
  assert.equal(f.totalNano, 12n * 90n);
  assert.equal(f.wallNano, 11n * 100n + 90n);
});

test('fan-out is told apart from a loop, and short runs are ignored', () => {
  assert.equal(findRepeatedCalls(buildTraceTree(loopTrace('t', 8, true)))[0].pattern, 'parallel');
  assert.deepEqual(findRepeatedCalls(buildTraceTree(loopTrace('t', 4, false))), []);
});

test('patterns across traces count the traces that have them', () => {
  const rows = repeatedCallPatterns([loopTrace('a', 10, false), loopTrace('b', 20, false), loopTrace('c', 2, false)]);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].traceCount, 2);
  assert.equal(rows[0].maxCount, 20);
  assert.equal(rows[0].meanCount, 15);
  assert.ok(Math.abs(rows[0].traceShare - 2 / 3) < 1e-12);
});
