import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJaegerJson } from '@sextant/core';
import { readFixtureJson } from '../../../testing/fixtures.js';
import { buildTraceTree } from '../src/analysis/tree.js';
import { criticalPath, criticalTimeByNode } from '../src/analysis/critical-path.js';
import { span } from './analysis-builders.js';

interface CriticalPathCase {
  trace: unknown;
  criticalPathSections: { spanID: string; sectionStart: number; sectionEnd: number }[];
}

for (const name of ['test1', 'test2', 'test3', 'test4', 'test5']) {
  test(`jaeger-ui critical path ${name}`, () => {
    const fixture = readFixtureJson<CriticalPathCase>(`jaeger-ui/critical-path/${name}.json`);
    const sections = criticalPath(buildTraceTree(decodeJaegerJson(fixture.trace).items));
    const got = sections.map((s) => ({
      spanID: s.spanId,
      sectionStart: Number(s.startNano / 1000n),
      sectionEnd: Number(s.endNano / 1000n),
    }));
    assert.deepEqual(got, [...fixture.criticalPathSections].reverse());
  });
}

test('back-to-back sequential children are each credited; sections tile the root', () => {
  const tree = buildTraceTree([
    span({ id: 'p', start: 0, end: 35 }),
    span({ id: 'a', parent: 'p', start: 0, end: 10 }),
    span({ id: 'b', parent: 'p', start: 10, end: 20 }),
    span({ id: 'c', parent: 'p', start: 20, end: 30 }),
    span({ id: 'z', parent: 'c', start: 22, end: 22 }),
  ]);
  const sections = criticalPath(tree);
  assert.deepEqual(
    sections.map((s) => [s.spanId, s.startNano, s.endNano]),
    [
      ['a', 0n, 10n],
      ['b', 10n, 20n],
      ['c', 20n, 30n],
      ['p', 30n, 35n],
    ],
  );
  const perNode = criticalTimeByNode(tree, sections);
  assert.equal(perNode.reduce((x, y) => x + y, 0n), 35n);
});

test('overflowing children are clipped and children wholly before the parent are ignored', () => {
  const sections = criticalPath(
    buildTraceTree([
      span({ id: 'p', start: 10, end: 50 }),
      span({ id: 'over', parent: 'p', start: 40, end: 90 }),
      span({ id: 'under', parent: 'p', start: 0, end: 20 }),
      span({ id: 'before', parent: 'p', start: 0, end: 10 }),
    ]),
  );
  assert.deepEqual(
    sections.map((s) => [s.spanId, s.startNano, s.endNano]),
    [
      ['under', 10n, 20n],
      ['p', 20n, 40n],
      ['over', 40n, 50n],
    ],
  );
});

test('an empty trace has no critical path', () => {
  assert.deepEqual(criticalPath(buildTraceTree([])), []);
});

test('sequential calls from an SDK with whole-millisecond start times stay on the path despite sub-millisecond overlap', () => {
  const ms = 1_000_000;
  // OpenTelemetry JS 2.x: starts in whole ms, durations to the ns; each call seems to start before the last one ended.
  const spans = [
    span({ id: 'p', start: 0, end: 10 * ms }),
    span({ id: 'a', parent: 'p', start: 0, end: 4.3 * ms }),
    span({ id: 'b', parent: 'p', start: 4 * ms, end: 7.6 * ms }),
    span({ id: 'c', parent: 'p', start: 7 * ms, end: 9.9 * ms }),
  ];
  const path = criticalPath(buildTraceTree(spans)).map((s) => [s.spanId, Number(s.startNano) / ms, Number(s.endNano) / ms]);
  assert.deepEqual(path, [['a', 0, 4], ['b', 4, 7], ['c', 7, 9.9], ['p', 9.9, 10]]);
  // A start that is not a whole millisecond is a real overlap: the earlier call did not hold up the later one.
  spans[2] = span({ id: 'b', parent: 'p', start: 4 * ms + 500, end: 7.6 * ms });
  assert.deepEqual(criticalPath(buildTraceTree(spans)).map((s) => s.spanId), ['p', 'b', 'c', 'p']);
});
