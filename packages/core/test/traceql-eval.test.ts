import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeZipkinV2, evaluateTrace, parseTraceQL, type Span } from '@sextant/core';
import { HAND_TABLE, HAND_TRACE, nameOf } from './traceql-table.js';

const ms = 1_000_000;

function matched(query: string, spans: readonly Span[] = HAND_TRACE): string[][] {
  const { spansets } = evaluateTrace(parseTraceQL(query), spans);
  return spansets.map((s) => s.nodes.map((i) => (spans === HAND_TRACE ? nameOf(spans[i].spanId) : spans[i].spanId)));
}
const flat = (query: string, spans: readonly Span[] = HAND_TRACE) => matched(query, spans).flat();

test('semantic table over a hand-built trace', () => {
  for (const [query, expected] of HAND_TABLE) assert.deepEqual(flat(query), expected, query);
});

test('by() splits spansets and labels them; aggregates filter each group', () => {
  const { spansets } = evaluateTrace(parseTraceQL('{ } | by(resource.service.name) | avg(duration) > 400ms'), HAND_TRACE);
  assert.deepEqual(spansets.map((s) => [s.by.map((b) => `${b.key}=${String(b.value.v)}`), s.nodes.map((i) => nameOf(HAND_TRACE[i].spanId)), Math.round(s.scalar! / ms)]), [
    [['resource.service.name=gw'], ['r'], 1000],
    [['resource.service.name=api'], ['a', 'a1', 'b'], 417],
  ]);
  assert.deepEqual(matched('{ } | by(kind) | by(resource.service.name) | count() > 1'), [['a', 'b']]);
  const sel = evaluateTrace(parseTraceQL('{ kind = client } | select(span.n, name)'), HAND_TRACE).spansets;
  assert.deepEqual(sel[0].select.map((f) => f.type), ['attribute', 'intrinsic']);
  assert.deepEqual(evaluateTrace(parseTraceQL('{ } | count() > 1'), HAND_TRACE).spansets[0].scalar, 6);
});

const fixture = (name: string) => decodeZipkinV2(JSON.parse(readFileSync(new URL(`../../../../shared/fixtures/zipkin/${name}`, import.meta.url), 'utf8'))).items;

test('structural operators on a deep real trace (smartthings, 957 spans, Zipkin shared spans)', () => {
  const spans = fixture('smartthings-mobile-web-install.json');
  const byNode = (q: string) => {
    const { spansets } = evaluateTrace(parseTraceQL(q), spans);
    return spansets.flatMap((s) => s.nodes.map((i) => `${spans[i].spanId} ${spans[i].name}`)).sort();
  };
  // Worked out from the raw file: alice's one span is the server half of 71687cb74971c332, whose client half
  // ("get", service execution) is a child of execution's server span "post /app-execute" (ce7bd8ffe2892e48).
  assert.deepEqual(byNode('{ resource.service.name = "alice" }'), ['71687cb74971c332 get circuitbreakers/_entitytype_/_entityid_']);
  assert.deepEqual(byNode('{ resource.service.name = "execution" } > { resource.service.name = "alice" }'), ['71687cb74971c332 get circuitbreakers/_entitytype_/_entityid_']);
  assert.deepEqual(byNode('{ resource.service.name = "alice" } < { }'), ['71687cb74971c332 get']);
  assert.deepEqual(byNode('{ status = error }'), ['71687cb74971c332 get', '71687cb74971c332 get circuitbreakers/_entitytype_/_entityid_']);
  assert.deepEqual(byNode('{ name = "post /app-execute" } > { status = error }'), ['71687cb74971c332 get']);
  assert.deepEqual(byNode('{ name = "post /app-execute" } >> { status = error }'), ['71687cb74971c332 get', '71687cb74971c332 get circuitbreakers/_entitytype_/_entityid_']);
  assert.deepEqual(byNode('{ name = "post /app-execute" } &> { status = error }'), ['71687cb74971c332 get', 'ce7bd8ffe2892e48 post /app-execute']);
  // The six execution client calls under "post /app-execute": the error one's siblings are the other five.
  const siblings = byNode('{ status = error } ~ { resource.service.name = "execution" && kind = client }').map((s) => s.split(' ')[0]);
  assert.deepEqual(siblings, ['00698440b42876a2', '098a0deb6dae6822', '407de1ef9ab01704', '534e658e15e89d59', '64c75434bbe02f59']);
  // 35 execution client spans in the file, less those five.
  assert.equal(byNode('{ status = error } !~ { resource.service.name = "execution" && kind = client }').length, 30);
  // dove's server span sits under pusher's client half of the same id, under pusher's "process.dove", under one
  // of pusher's "receive iot-events360" consumer halves; above that the id belongs to bouncer.
  assert.deepEqual(byNode('{ resource.service.name = "dove" } << { resource.service.name = "pusher" }').map((s) => s.slice(17)), ['post /deliver', 'process.dove', 'receive iot-events360']);
  assert.deepEqual(byNode('{ resource.service.name = "pusher" } > { resource.service.name = "dove" }'), ['7c4eb808223a2034 post /deliver/']);
  assert.equal(flat('{ }', spans).length, 957);
  assert.equal(flat('{ kind = server } | count() > 300', spans).length, 326);
  assert.deepEqual(flat('{ kind = server } | count() > 326', spans), []);
});
