// A 50,000-span trace through the single-trace analyses: results must be sane (speed is measured in bench/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, type Span } from '@sextant/core';
import { buildTraceTree } from '../src/analysis/tree.js';
import { criticalPath } from '../src/analysis/critical-path.js';
import { selfTimes } from '../src/analysis/self-time.js';
import { analyzeErrors } from '../src/analysis/errors.js';
import { qualityFindings } from '../src/analysis/quality.js';
import { analyzeTrace } from '../src/analysis/trace-analysis.js';
import { span } from './analysis-builders.js';

const N = 50_000;

/** A deep chain of 1,000 sequential calls, each with 49 parallel leaf children; one leaf in 1,000 fails. */
function bigTrace(): Span[] {
  const spans: Span[] = [];
  const chain = N / 50;
  for (let d = 0; d < chain; d++) {
    // Node d spans [d*10, (chain*2 - d)*10 + 1000): nested, each parent strictly longer than its child.
    const start = 1000 + d * 10;
    const end = (chain * 2 - d) * 10 + 2000;
    spans.push(span({ id: `c${d}`, parent: d === 0 ? undefined : `c${d - 1}`, service: `svc${d % 7}`, kind: d % 2 ? SpanKind.SERVER : SpanKind.CLIENT, start, end }));
    for (let k = 0; k < 49; k++) {
      spans.push(
        span({ id: `l${d}_${k}`, parent: `c${d}`, service: `svc${d % 7}`, name: 'leaf', start: start + 1, end: start + 5, error: k === 0 && d % 1000 === 999 }),
      );
    }
  }
  return spans;
}

test('50k-span trace: tree, critical path, self time, errors and quality stay consistent', () => {
  const spans = bigTrace();
  assert.equal(spans.length, N);
  const tree = buildTraceTree(spans);
  assert.equal(tree.roots.length, 1);
  assert.equal(Math.max(...tree.depth), N / 50, 'chain depth plus the leaves');

  const path = criticalPath(tree);
  for (let i = 1; i < path.length; i++) assert.equal(path[i].startNano, path[i - 1].endNano);
  assert.equal(path[0].startNano, tree.startNano);
  assert.equal(path[path.length - 1].endNano, tree.endNano);
  // The chain child always ends last, so every chain span is on the path, and one leaf per level fills the
  // gap before the next chain span starts.
  const onPath = new Set(path.map((s) => s.spanId));
  for (let d = 0; d < N / 50; d++) assert.ok(onPath.has(`c${d}`), `c${d}`);
  assert.equal(path.filter((s) => s.spanId.startsWith('l')).length, N / 50);

  const self = selfTimes(tree);
  const chainLen = N / 50;
  const deepest = tree.byId.get(`c${chainLen - 1}`)!;
  const d = chainLen - 1;
  assert.equal(self[deepest], BigInt((chainLen * 2 - d) * 10 + 1000 - d * 10) - 4n, 'duration minus the union of its leaves');
  assert.ok(self.every((x) => x >= 0n));

  const errors = analyzeErrors(tree);
  assert.equal(errors.errorNodes.length, 1);
  assert.deepEqual(errors.rootCauseNodes, errors.errorNodes);

  // The synthetic chain starts at a client span and its failing leaf says nothing: exactly those two findings.
  assert.deepEqual(
    Object.fromEntries(qualityFindings(tree).map((f) => [f.check, f.spanIds])),
    { 'fragment-root': ['c0'], 'error-without-detail': ['l999_0'] },
  );
});

test('50k-span trace through analyzeTrace serialises', () => {
  const a = analyzeTrace(bigTrace());
  assert.equal(a.spanCount, N);
  assert.equal(a.nPlusOne.length, N / 50);
  assert.ok(JSON.stringify(a).length > 0);
});
