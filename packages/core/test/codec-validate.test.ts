import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSpan, validateLogRecord, emptyResource, emptyScope } from '@sextant/core';
import { sampleSpan } from './support-codec.js';

test('a well-formed span passes', () => {
  assert.equal(validateSpan(sampleSpan()), null);
  assert.equal(validateSpan(sampleSpan({ parentSpanId: '0123456789abcdef' })), null);
});

test('bad ids, times and names are named in the message', () => {
  assert.equal(validateSpan(sampleSpan({ traceId: 'xyz' })), "traceId: expected 32 lower-case hex characters, got 'xyz'");
  assert.match(validateSpan(sampleSpan({ traceId: '0'.repeat(32) }))!, /^traceId: must not be all zeros/);
  assert.match(validateSpan(sampleSpan({ spanId: 'EEE19B7EC3C1B174' }))!, /^spanId: expected 16/);
  assert.match(validateSpan(sampleSpan({ spanId: '0'.repeat(16) }))!, /^spanId: must not be all zeros/);
  assert.match(validateSpan(sampleSpan({ parentSpanId: 'abc' }))!, /^parentSpanId: expected 16/);
  assert.match(validateSpan(sampleSpan({ startTimeUnixNano: 1_544_712_660_000_000n }))!, /^startTimeUnixNano: .* outside 1990\.\.2200/);
  assert.match(validateSpan(sampleSpan({ endTimeUnixNano: 1_544_712_659_000_000_000n }))!, /^endTimeUnixNano: .* is before/);
  assert.match(validateSpan(sampleSpan({ name: 5 as unknown as string }))!, /^name: expected a string/);
});

test('opaque ids are accepted only when asked for', () => {
  const span = sampleSpan({ traceId: 'trace-1', spanId: 'span-E', parentSpanId: 'span-A' });
  assert.match(validateSpan(span)!, /^traceId/);
  assert.equal(validateSpan(span, { opaqueIds: true }), null);
  assert.match(validateSpan(sampleSpan({ spanId: '' }), { opaqueIds: true })!, /^spanId: must not be empty/);
});

test('log records may be uncorrelated and untimed', () => {
  const log = {
    timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber: 0, severityText: '', body: null, attributes: [],
    droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '', resource: emptyResource(), scope: emptyScope(),
  };
  assert.equal(validateLogRecord(log), null);
  assert.match(validateLogRecord({ ...log, traceId: 'nothex' })!, /^traceId/);
  assert.match(validateLogRecord({ ...log, timeUnixNano: 5n })!, /^timeUnixNano/);
});
