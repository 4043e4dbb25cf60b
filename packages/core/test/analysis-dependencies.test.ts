import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, decodeZipkinV2, isErrorSpan } from '@sextant/core';
import { readFixtureJson } from '../../../testing/fixtures.js';
import { buildTraceTree } from '../src/analysis/tree.js';
import { groupByTrace } from '../src/model.js';
import { DependencyLinker, dependencyLinkRows, dependencyLinks, remoteServiceName, type DependencyLink } from '../src/analysis/dependencies.js';
import { span } from './analysis-builders.js';

const expected = readFixtureJson<Record<string, DependencyLink[]>>('zipkin/expected-dependency-links.json');
// Zipkin lowercases service names when it reads spans; our decoder keeps them as sent (smartthings has `coreSrv`).
const sorted = (links: DependencyLink[]) =>
  links
    .map((l) => ({ ...l, parent: l.parent.toLowerCase(), child: l.child.toLowerCase() }))
    .sort((a, b) => (a.parent + '>' + a.child).localeCompare(b.parent + '>' + b.child));

for (const [file, links] of Object.entries(expected)) {
  test(`Zipkin DependencyLinker parity: ${file}`, () => {
    const linker = new DependencyLinker();
    for (const trace of groupByTrace(decodeZipkinV2(readFixtureJson(`zipkin/${file}`)).items)) linker.putTrace(buildTraceTree(trace));
    assert.deepEqual(sorted(linker.result()), sorted(links));
  });
}

test('OpenTelemetry traces: split client/server spans, virtual nodes for uninstrumented callees', () => {
  const links = dependencyLinks(
    buildTraceTree([
      span({ id: 'in', service: 'web', kind: SpanKind.SERVER, start: 0, end: 100 }),
      span({ id: 'h', parent: 'in', service: 'web', start: 1, end: 99 }),
      span({ id: 'call', parent: 'h', service: 'web', kind: SpanKind.CLIENT, start: 2, end: 50, error: true, attrs: { 'server.address': 'cart' } }),
      span({ id: 'srv', parent: 'call', service: 'cart', kind: SpanKind.SERVER, start: 3, end: 49 }),
      span({ id: 'db', parent: 'srv', service: 'cart', kind: SpanKind.CLIENT, start: 4, end: 10, attrs: { 'db.system': 'postgresql', 'server.address': '10.0.0.7' } }),
      span({ id: 'ext', parent: 'h', service: 'web', kind: SpanKind.CLIENT, start: 51, end: 60, attrs: { 'server.address': 'api.stripe.com' } }),
      span({ id: 'ip', parent: 'h', service: 'web', kind: SpanKind.CLIENT, start: 61, end: 70, attrs: { 'server.address': '10.1.2.3' } }),
      span({ id: 'pub', parent: 'h', service: 'web', kind: SpanKind.PRODUCER, start: 71, end: 72, attrs: { 'messaging.system': 'kafka' } }),
    ]),
  );
  assert.deepEqual(sorted(links), sorted([
    { parent: 'web', child: 'cart', callCount: 1, errorCount: 1 },
    { parent: 'cart', child: 'postgresql', callCount: 1, errorCount: 0 },
    { parent: 'web', child: 'api.stripe.com', callCount: 1, errorCount: 0 },
    { parent: 'web', child: 'kafka', callCount: 1, errorCount: 0 },
  ]));
});

test('link rows: operations, latency as the caller saw it, the carrying span, virtual callees', () => {
  const tree = buildTraceTree([
    span({ id: 'in', service: 'web', kind: SpanKind.SERVER, name: 'GET /', start: 0, end: 100 }),
    span({ id: 'call', parent: 'in', service: 'web', kind: SpanKind.CLIENT, name: 'POST cart', start: 2, end: 50, error: true }),
    span({ id: 'srv', parent: 'call', service: 'cart', kind: SpanKind.SERVER, name: 'add', start: 3, end: 49 }),
    span({ id: 'db', parent: 'srv', service: 'cart', kind: SpanKind.CLIENT, name: 'INSERT', start: 4, end: 10, attrs: { 'db.system': 'postgresql' } }),
  ]);
  const rows = dependencyLinkRows(tree);
  assert.deepEqual(rows.map((r) => ({ ...r, node: tree.spans[r.node].spanId })), [
    { parent: 'web', child: 'cart', parentOperation: 'POST cart', childOperation: 'add', error: true, durationNano: 48n, node: 'srv', virtual: false },
    { parent: 'cart', child: 'postgresql', parentOperation: 'INSERT', childOperation: 'INSERT', error: false, durationNano: 6n, node: 'db', virtual: true },
  ]);
});

test('link rows from bare spans and stored facts equal those from full spans', () => {
  for (const file of ['messaging2.json', 'yelp.json', 'smartthings-mobile-web-install.json']) {
    for (const trace of groupByTrace(decodeZipkinV2(readFixtureJson(`zipkin/${file}`)).items)) {
      const full = buildTraceTree(trace);
      const bare = buildTraceTree(trace.map((s) => ({ ...s, attributes: [], events: [], status: { code: 0, message: '' } })));
      const facts = { failed: Uint8Array.from(trace, (s) => (isErrorSpan(s) ? 1 : 0)), remoteService: (i: number) => remoteServiceName(trace[i]!) };
      assert.deepEqual(dependencyLinkRows(bare, facts), dependencyLinkRows(full), file);
    }
  }
});
