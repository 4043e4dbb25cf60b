import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultCohortBaseline } from '@sextant/core';

test('the default baseline is the selection without its distinguishing condition', () => {
  assert.deepEqual(defaultCohortBaseline('service=api&operation=GET+%2Fx&traceMinDuration=500ms&start=1&end=2'), {
    query: 'service=api&operation=GET+%2Fx&start=1&end=2',
    dropped: ['traceMinDuration'],
  });
  assert.deepEqual(defaultCohortBaseline('service=api&status=error&traceMaxDuration=1s').dropped, ['status', 'traceMaxDuration']);
  assert.deepEqual(defaultCohortBaseline('service=api&attr.tier=gold&start=1'), { query: 'service=api&start=1', dropped: ['attr.tier'] });
  assert.deepEqual(defaultCohortBaseline('service=api&operation=GET'), { query: 'service=api', dropped: ['operation'] });
  assert.deepEqual(defaultCohortBaseline('service=api&start=5'), { query: 'start=5', dropped: ['service'] });
});
