// The hand-built TraceQL semantic table, shared by core's evaluator test and the storage-backed TraceQL tests
// (every engine must give the same answers through its pushdown).
import { SpanKind, type Span } from '@sextant/core';
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
/** Span names of the hand-built trace; stored ids are hex (a store keeps ids as numbers), named here. */
export const NAMES = ['r', 'a', 'a1', 'db', 'b', 'b1'] as const;
export const HAND_TRACE_ID = '0000000000000000000000000000a11c';
export const id = (name: (typeof NAMES)[number]) => (NAMES.indexOf(name) + 1).toString(16).padStart(16, '0');
export const nameOf = (spanId: string) => NAMES[parseInt(spanId, 16) - 1] ?? spanId;
export const HAND_TRACE: Span[] = [
  span({ id: id('r'), traceId: HAND_TRACE_ID, service: 'gw', name: 'GET /', kind: SpanKind.SERVER, start: 1000, end: 2000, unit: ms, attrs: { 'http.method': 'GET' } }),
  span({ id: id('a'), traceId: HAND_TRACE_ID, parent: id('r'), service: 'api', name: 'a', kind: SpanKind.CLIENT, start: 1010, end: 1400, unit: ms, attrs: { n: 5 } }),
  span({ id: id('a1'), traceId: HAND_TRACE_ID, parent: id('a'), service: 'api', name: 'a1', kind: SpanKind.SERVER, start: 1020, end: 1390, unit: ms, error: true, events: [{ name: 'exception', time: 1030, attrs: { 'exception.message': 'boom' } }] }),
  span({ id: id('db'), traceId: HAND_TRACE_ID, parent: id('a1'), service: 'db', name: 'db', kind: SpanKind.CLIENT, start: 1030, end: 1130, unit: ms, attrs: { n: 2, 'db.system': 'pg' } }),
  span({ id: id('b'), traceId: HAND_TRACE_ID, parent: id('r'), service: 'api', name: 'b', kind: SpanKind.CLIENT, start: 1410, end: 1900, unit: ms, attrs: { n: 7 }, links: [id('db')] }),
  span({ id: id('b1'), traceId: HAND_TRACE_ID, parent: id('b'), service: 'cache', name: 'b1', start: 1420, end: 1430, unit: ms }),
];
HAND_TRACE[5] = { ...HAND_TRACE[5], scope: { name: 'redis-lib', version: '1.2', attributes: [{ key: 'lib.x', value: 'y' }], droppedAttributesCount: 0, schemaUrl: '' } };

/** TraceQL queries over HAND_TRACE and the spans (by name) each matches, worked out from the drawing above. */
export const HAND_TABLE: [string, string[]][] = [
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
  [`{ link:spanID = "${id('db')}" }`, ['b']],
  [`{ link:traceID = "${HAND_TRACE_ID}" }`, ['b']],
  ['{ instrumentation:name = "redis-lib" && instrumentation:version = "1.2" }', ['b1']],
  ['{ instrumentation.lib.x = "y" }', ['b1']],
  ['{ rootName = "GET /" && name = "b1" }', ['b1']],
  ['{ trace:rootName = "GET /" && trace:rootService = "gw" && rootServiceName = "gw" && span:name = "a" }', ['a']],
  ['{ traceDuration = 1s && trace:duration < 2s && span:duration = 1s }', ['r']],
  ['{ nestedSetLeft = 4 && nestedSetRight = 5 && nestedSetParent = 3 }', ['db']],
  ['{ nestedSetParent = -1 }', ['r']],
  ['{ childCount = 2 }', ['r']],
  ['{ span:childCount = 0 }', ['db', 'b1']],
  [`{ span:id = "${id('a')}" || spanID = "${id('b')}" || id = "${id('b1')}" }`, ['a', 'b', 'b1']],
  [`{ span:parentID = "${id('r')}" }`, ['a', 'b']],
  ['{ parentID = nil }', ['r']],
  [`{ trace:id = "${HAND_TRACE_ID}" && traceID = "${HAND_TRACE_ID}" && kind = server }`, ['r', 'a1']],
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
