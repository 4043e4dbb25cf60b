import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SpanKind, decodeZipkinV2, evaluateTrace, parseTraceQL, type Span } from '@sextant/core';
import { span } from './analysis-builders.js';

// A small trace whose answers can be read off its shape (times in ms after 1 s; 0 would read as untimed):
//   r  gw    server 0..1000  http.method=GET
//   ├ a  api   client 10..400   n=5
//   │ └ a1 api  server 20..390   error, event "exception" at 30 (exception.message=boom)
//   │   └ db db  client 30..130   n=2 (int), db.system=pg
//   └ b  api   client 410..900  n=7, link to db
//     └ b1 cache        420..430  instrumentation redis-lib 1.2 (lib.x=y)
// Nested set (depth first): r 1/12, a 2/7, a1 3/6, db 4/5, b 8/11, b1 9/10.
const ms = 1_000_000;
const trace: Span[] = [
  span({ id: 'r', service: 'gw', name: 'GET /', kind: SpanKind.SERVER, start: 1000, end: 2000, unit: ms, attrs: { 'http.method': 'GET' } }),
  span({ id: 'a', parent: 'r', service: 'api', kind: SpanKind.CLIENT, start: 1010, end: 1400, unit: ms, attrs: { n: 5 } }),
  span({ id: 'a1', parent: 'a', service: 'api', kind: SpanKind.SERVER, start: 1020, end: 1390, unit: ms, error: true, events: [{ name: 'exception', time: 1030, attrs: { 'exception.message': 'boom' } }] }),
  span({ id: 'db', parent: 'a1', service: 'db', kind: SpanKind.CLIENT, start: 1030, end: 1130, unit: ms, attrs: { n: 2, 'db.system': 'pg' } }),
  span({ id: 'b', parent: 'r', service: 'api', kind: SpanKind.CLIENT, start: 1410, end: 1900, unit: ms, attrs: { n: 7 }, links: ['db'] }),
  span({ id: 'b1', parent: 'b', service: 'cache', start: 1420, end: 1430, unit: ms }),
];
trace[5] = { ...trace[5], scope: { name: 'redis-lib', version: '1.2', attributes: [{ key: 'lib.x', value: 'y' }], droppedAttributesCount: 0, schemaUrl: '' } };

function matched(query: string, spans: readonly Span[] = trace): string[][] {
  const { spansets } = evaluateTrace(parseTraceQL(query), spans);
  return spansets.map((s) => s.nodes.map((i) => spans[i].spanId));
}
const flat = (query: string, spans: readonly Span[] = trace) => matched(query, spans).flat();

const TABLE: [string, string[]][] = [
  ['{ }', ['r', 'a', 'a1', 'db', 'b', 'b1']],
  ['{ true }', ['r', 'a', 'a1', 'db', 'b', 'b1']],
  ['{ resource.service.name = "api" && duration > 100ms }', ['a', 'a1', 'b']],
  ['{ span.n > 4 }', ['a', 'b']],
  ['{ span.n = 2.0 }', ['db']],
  ['{ span.n >= 5 && span.n <= 5 }', ['a']],
  ['{ span.n != 5 }', ['db', 'b']],
  ['{ .n != nil }', ['a', 'db', 'b']],
  ['{ span.n = nil }', ['r', 'a1', 'b1']],
  ['{ .http.method = "GET" }', ['r']],
  ['{ .service.name = "db" }', ['db']],
  ['{ resource.service.name =~ "ap." }', ['a', 'a1', 'b']],
  ['{ resource.service.name !~ "ap." }', ['r', 'db', 'b1']],
  ['{ name =~ "a" }', ['a']],
  ['{ name < "b" }', ['GET /', 'a', 'a1'].map((n) => (n === 'GET /' ? 'r' : n))],
  ['{ status = error }', ['a1']],
  ['{ status != error }', ['r', 'a', 'db', 'b', 'b1']],
  ['{ status = unset && kind = internal }', ['b1']],
  ['{ kind = client }', ['a', 'db', 'b']],
  ['{ !(kind = client) }', ['r', 'a1', 'b1']],
  ['{ kind = client || status = error }', ['a', 'a1', 'db', 'b']],
  ['{ event:name = "exception" }', ['a1']],
  ['{ event.exception.message =~ "bo.*" }', ['a1']],
  ['{ event:timeSinceStart = 10ms }', ['a1']],
  ['{ link:spanID = "db" }', ['b']],
  ['{ link:traceID = "t1" }', ['b']],
  ['{ instrumentation:name = "redis-lib" && instrumentation:version = "1.2" }', ['b1']],
  ['{ instrumentation.lib.x = "y" }', ['b1']],
  ['{ rootName = "GET /" && name = "b1" }', ['b1']],
  ['{ trace:rootName = "GET /" && trace:rootService = "gw" && rootServiceName = "gw" && span:name = "a" }', ['a']],
  ['{ traceDuration = 1s && trace:duration < 2s && span:duration = 1s }', ['r']],
  ['{ nestedSetLeft = 4 && nestedSetRight = 5 && nestedSetParent = 3 }', ['db']],
  ['{ nestedSetParent = -1 }', ['r']],
  ['{ childCount = 2 }', ['r']],
  ['{ span:childCount = 0 }', ['db', 'b1']],
  ['{ span:id = "a" || spanID = "b" || id = "b1" }', ['a', 'b', 'b1']],
  ['{ span:parentID = "r" }', ['a', 'b']],
  ['{ parentID = nil }', ['r']],
  ['{ trace:id = "t1" && traceID = "t1" && kind = server }', ['r', 'a1']],
  ['{ parent.resource.service.name = "gw" }', ['a', 'b']],
  ['{ parent.span.n = 5 }', ['a1']],
  ['{ parent.n = 7 }', ['b1']],
  ['{ span.n * 2 > 12 }', ['b']],
  ['{ span.n + 1 = 6 }', ['a']],
  ['{ span.n - 1 = 1 && span.n % 2 = 0 && span.n ^ 2 = 4 }', ['db']],
  ['{ duration / 2 > 200ms }', ['r', 'b']],
  ['{ duration > 100ms * 4 }', ['r', 'b']],
  ['{ span:statusMessage = "" && status = error }', ['a1']],
  ['{ duration > 1h30m }', []],
  ['{ span.n = "5" }', []],
  ['{ span.n > "4" }', []],
  // spanset operators
  ['{ name = "a" } && { name = "b" }', ['a', 'b']],
  ['{ name = "a" } && { name = "zz" }', []],
  ['{ name = "a" } || { name = "zz" }', ['a']],
  // structural operators: the right-hand spans in the relation (both sides for &)
  ['{ name = "GET /" } > { }', ['a', 'b']],
  ['{ name = "a" } >> { }', ['a1', 'db']],
  ['{ name = "db" } < { }', ['a1']],
  ['{ name = "db" } << { }', ['r', 'a', 'a1']],
  ['{ name = "a" } ~ { }', ['b']],
  ['{ kind = client } ~ { kind = client }', ['a', 'b']],
  ['{ name = "GET /" } !> { }', ['r', 'a1', 'db', 'b1']],
  ['{ name = "a" } !>> { kind = client }', ['a', 'b']],
  ['{ name = "db" } !< { }', ['r', 'a', 'db', 'b', 'b1']],
  ['{ name = "db" } !<< { }', ['db', 'b', 'b1']],
  ['{ name = "a" } !~ { }', ['r', 'a', 'a1', 'db', 'b1']],
  ['{ name = "a" } &> { }', ['a', 'a1']],
  ['{ status = error } &>> { kind = client }', ['a1', 'db']],
  ['{ name = "db" } &< { }', ['a1', 'db']],
  ['{ name = "db" } &<< { resource.service.name = "gw" }', ['r', 'db']],
  ['{ name = "a" } &~ { }', ['a', 'b']],
  ['{ name = "GET /" } > { } > { kind = server }', ['a1']],
  ['({ name = "a" } || { name = "b" }) >> { }', ['a1', 'db', 'b1']],
  ['{ } >> { name = "db" } && { name = "b1" }', ['db', 'b1']],
  // pipelines
  ['{ } | { kind = client } | { span.n > 4 }', ['a', 'b']],
  ['{ resource.service.name = "api" } | count() = 3', ['a', 'a1', 'b']],
  ['{ resource.service.name = "api" } | count() > 3', []],
  ['{ } | max(duration) = 1s', ['r', 'a', 'a1', 'db', 'b', 'b1']],
  ['{ span.n != nil } | min(span.n) = 2 | sum(span.n) = 14 | avg(span.n) > 4.6', ['a', 'db', 'b']],
  ['{ } | count() * 2 > 11', ['r', 'a', 'a1', 'db', 'b', 'b1']],
  ['({ name = "a" } | count() = 1) && { name = "b" }', ['a', 'b']],
  ['{ } | by(resource.service.name) | coalesce()', ['r', 'a', 'a1', 'db', 'b', 'b1']],
];

test('semantic table over a hand-built trace', () => {
  for (const [query, expected] of TABLE) assert.deepEqual(flat(query), expected, query);
});

test('by() splits spansets and labels them; aggregates filter each group', () => {
  const { spansets } = evaluateTrace(parseTraceQL('{ } | by(resource.service.name) | avg(duration) > 400ms'), trace);
  assert.deepEqual(spansets.map((s) => [s.by.map((b) => `${b.key}=${String(b.value.v)}`), s.nodes.map((i) => trace[i].spanId), Math.round(s.scalar! / ms)]), [
    [['resource.service.name=gw'], ['r'], 1000],
    [['resource.service.name=api'], ['a', 'a1', 'b'], 417],
  ]);
  assert.deepEqual(matched('{ } | by(kind) | by(resource.service.name) | count() > 1'), [['a', 'b']]);
  const sel = evaluateTrace(parseTraceQL('{ kind = client } | select(span.n, name)'), trace).spansets;
  assert.deepEqual(sel[0].select.map((f) => f.type), ['attribute', 'intrinsic']);
  assert.deepEqual(evaluateTrace(parseTraceQL('{ } | count() > 1'), trace).spansets[0].scalar, 6);
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
