import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@sextant/core';
import { buildTraceTree } from '../src/analysis/tree.js';
import { analyzeErrors, errorReason, isErrorSpan } from '../src/analysis/errors.js';
import { span } from './analysis-builders.js';

test('error signals: status, HTTP 5xx on servers only, exception events, error tags', () => {
  assert.equal(errorReason(span({ id: 'a', start: 0, end: 1, error: true })), 'status ERROR');
  assert.equal(
    errorReason(span({ id: 'b', kind: SpanKind.SERVER, start: 0, end: 1, attrs: { 'http.response.status_code': 503 } })),
    'HTTP 503',
  );
  assert.equal(errorReason(span({ id: 'c', kind: SpanKind.SERVER, start: 0, end: 1, attrs: { 'http.status_code': '500' } })), 'HTTP 500');
  assert.equal(isErrorSpan(span({ id: 'd', kind: SpanKind.CLIENT, start: 0, end: 1, attrs: { 'http.response.status_code': 503 } })), false);
  assert.equal(isErrorSpan(span({ id: 'e', kind: SpanKind.SERVER, start: 0, end: 1, attrs: { 'http.response.status_code': 404 } })), false);
  assert.equal(
    errorReason(span({ id: 'f', start: 0, end: 1, events: [{ name: 'exception', time: 0, attrs: { 'exception.type': 'TypeError', 'exception.message': 'x is undefined' } }] })),
    'exception TypeError: x is undefined',
  );
  assert.equal(errorReason(span({ id: 'g', start: 0, end: 1, attrs: { error: 'connection refused' } })), 'connection refused');
  assert.equal(errorReason(span({ id: 'h', start: 0, end: 1, attrs: { error: true } })), 'error tag');
  assert.equal(isErrorSpan(span({ id: 'i', start: 0, end: 1, attrs: { error: false } })), false);
});

test('root causes are the error spans with no failing descendant', () => {
  const tree = buildTraceTree([
    span({ id: 'root', kind: SpanKind.SERVER, start: 0, end: 100, attrs: { 'http.response.status_code': 500 } }),
    span({ id: 'call', parent: 'root', kind: SpanKind.CLIENT, start: 10, end: 90, error: true }),
    span({ id: 'db', parent: 'call', start: 20, end: 30 }),
    span({ id: 'deep', parent: 'db', start: 21, end: 29, error: true }),
    span({ id: 'other', parent: 'root', start: 91, end: 99, error: true }),
    span({ id: 'fine', parent: 'root', start: 91, end: 99 }),
  ]);
  const { errorNodes, rootCauseNodes } = analyzeErrors(tree);
  const idsOf = (nodes: number[]) => nodes.map((i) => tree.spans[i].spanId);
  assert.deepEqual(idsOf(errorNodes), ['root', 'call', 'deep', 'other']);
  assert.deepEqual(idsOf(rootCauseNodes), ['deep', 'other']);
});
