import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJaegerJson } from '@sextant/core';
import { readFixtureJson } from '../../../testing/fixtures.js';
import { buildTraceTree } from '../src/analysis/tree.js';
import { selfTimeStats, selfTimes } from '../src/analysis/self-time.js';

const treeOf = (name: string) =>
  buildTraceTree(decodeJaegerJson(readFixtureJson(`jaeger-ui/trace-statistics/${name}.json`)).items);
const ms = (nano: bigint) => Math.round(Number(nano) / 1e4) / 100;

test('testTraceNormal grouped by service matches Jaeger UI Trace Statistics', () => {
  const rows = selfTimeStats(treeOf('testTraceNormal'), 'service');
  const table = rows.map((r) => ({
    service: r.service,
    count: r.count,
    total: ms(r.totalNano),
    avg: ms(r.avgNano),
    min: ms(r.minNano),
    max: ms(r.maxNano),
    selfTotal: ms(r.selfNano),
    selfAvg: ms(r.selfAvgNano),
    selfMin: ms(r.selfMinNano),
    selfMax: ms(r.selfMaxNano),
    percent: Math.round(r.percentOfTrace * 100) / 100,
  }));
  assert.deepEqual(table, [
    { service: 'api-gateway', count: 2, total: 7.4, avg: 3.7, min: 2.5, max: 4.9, selfTotal: 3.16, selfAvg: 1.58, selfMin: 0.76, selfMax: 2.4, percent: 64.52 },
    { service: 'customers-service', count: 3, total: 1.81, avg: 0.6, min: 0.02, max: 1.74, selfTotal: 1.74, selfAvg: 0.58, selfMin: 0.02, selfMax: 1.67, percent: 35.48 },
  ]);
});

// Self time (µs) of the single parent `send` in the small Jaeger UI statistics traces, worked out by hand.
const parentSelf: Record<string, number> = {
  traceWithOverlappingChildren: 3, // children cover 192..225 of 189..225
  traceWithThreeShortOverlappingChildren: 20, // union 192..208
  traceWithThreeShortChildren: 5, // union 192..223
  traceWithTwoChildrenStartedAtTraceStart: 0, // one child covers the whole parent
  traceWithTwoNonOverlappingChildren: 30, // the second child starts after the parent ended
  traceWithSingleChildLongerThanParentAndStartsAfterParent: 40,
  traceWithOverlappingChildrenLongerThanParent: 30,
};
for (const [name, expected] of Object.entries(parentSelf)) {
  test(`self time of the parent in ${name}`, () => {
    const tree = treeOf(name);
    const self = selfTimes(tree);
    assert.equal(self[tree.roots[0]], BigInt(expected) * 1000n);
    // Leaves keep their whole duration.
    for (let i = 0; i < tree.spans.length; i++) {
      if (tree.childStart[i + 1] === tree.childStart[i]) {
        assert.equal(self[i], tree.spans[i].endTimeUnixNano - tree.spans[i].startTimeUnixNano);
      }
    }
  });
}

test('grouping by operation splits a service by span name', () => {
  const rows = selfTimeStats(treeOf('spansAmongEachOtherGrouped'), 'operation');
  const hikari = rows.find((r) => r.operation === 'HikariProxyPreparedStatement.executeQuery')!;
  assert.equal(hikari.service, 'customers-service');
  assert.equal(hikari.count, 12);
  assert.deepEqual(rows.map((r) => r.count).sort(), [1, 1, 1, 12]);
});

test('without parallel work, self times add up to the trace duration', () => {
  const tree = treeOf('testTraceNormal');
  const rows = selfTimeStats(tree, 'operation');
  assert.equal(rows.reduce((a, r) => a + r.selfNano, 0n), tree.endNano - tree.startNano);
  assert.ok(Math.abs(rows.reduce((a, r) => a + r.percentOfTrace, 0) - 100) < 1e-9);
});
