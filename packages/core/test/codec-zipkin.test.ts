import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { DecodeError, decodeZipkinV2, encodeZipkinV2, getAttr, serviceName, ZIPKIN_ATTR } from '@sextant/core';
import { fixturePath, readFixtureJson } from '../../../testing/fixtures.js';
import { richSpans } from './support-codec.js';

const ZIPKIN_FIXTURES = readdirSync(fixturePath('zipkin')).filter((f) => f.endsWith('.json') && !f.startsWith('expected-'));

test('there are Zipkin fixtures to test against', () => {
  assert.ok(ZIPKIN_FIXTURES.length >= 9, ZIPKIN_FIXTURES.join());
});

for (const name of ZIPKIN_FIXTURES) {
  test(`zipkin/${name}: decode → encode → decode is lossless`, () => {
    const raw = readFixtureJson<unknown[]>(`zipkin/${name}`);
    const first = decodeZipkinV2(raw);
    assert.equal(first.rejected, 0, first.errors.join('; '));
    // Untimed fragments are folded into the timed span they belong to, as Zipkin does on read.
    assert.equal(first.items.length, raw.flat().filter((s: any) => s.timestamp !== undefined).length);
    const again = decodeZipkinV2(JSON.parse(JSON.stringify(encodeZipkinV2(first.items))));
    assert.deepEqual(again, first);
    // Spans of one local endpoint share one Resource object.
    const resources = new Set(first.items.map((s) => s.resource));
    const endpoints = new Set(raw.flat().map((s: any) => JSON.stringify([s.localEndpoint?.serviceName, s.localEndpoint?.ipv4, s.localEndpoint?.ipv6, s.localEndpoint?.port])));
    assert.equal(resources.size, endpoints.size);
  });
}

test('yelp.json: ids, times, endpoints, shared spans map to the model', () => {
  const { items } = decodeZipkinV2(readFixtureJson('zipkin/yelp.json'));
  const [client, , server] = items;
  assert.equal(client.traceId, '0000000000000000a03ee8fff1dcd9b9');
  assert.equal(client.spanId, '15fc03927f0f68df');
  assert.equal(client.parentSpanId, 'f5f268651b2a2b34');
  assert.equal(client.kind, 3);
  assert.equal(client.startTimeUnixNano, 1_571_896_375_322_000_000n);
  assert.equal(client.endTimeUnixNano - client.startTimeUnixNano, 14_000_000n);
  assert.equal(serviceName(client), 'mobile_api');
  assert.equal(getAttr(client.attributes, 'peer.service'), 'blt');
  assert.equal(getAttr(client.attributes, 'network.peer.port'), 31882n);
  assert.equal(getAttr(client.attributes, 'client_status_code'), '200');
  assert.equal(server.kind, 2);
  assert.equal(getAttr(server.attributes, ZIPKIN_ATTR.shared), true);
  assert.equal(server.spanId, items[1].spanId, 'a shared span keeps the client span id');
  assert.equal(getAttr(client.attributes, ZIPKIN_ATTR.shared), undefined);
});

test('smartthings: error tags become status, missing durations are marked', () => {
  const raw = readFixtureJson<any[]>('zipkin/smartthings-mobile-web-install.json');
  const { items } = decodeZipkinV2(raw);
  const failed = items.find((s) => s.spanId === '71687cb74971c332')!;
  assert.deepEqual(failed.status, { code: 2, message: '404' });
  assert.equal(getAttr(failed.attributes, 'error'), undefined);
  assert.equal(getAttr(failed.attributes, 'network.peer.address'), '10.6.157.182');
  assert.deepEqual(failed.resource.attributes, [
    { key: 'service.name', value: 'alice' },
    { key: ZIPKIN_ATTR.localIpv4, value: '10.6.31.193' },
    { key: ZIPKIN_ATTR.localPort, value: 8231n },
  ]);
  const noDuration = items.filter((s) => getAttr(s.attributes, ZIPKIN_ATTR.durationMissing) === true);
  assert.equal(noDuration.length, raw.filter((s) => s.timestamp !== undefined && s.duration === undefined).length);
  assert.ok(noDuration.length > 50);
  assert.ok(noDuration.every((s) => s.endTimeUnixNano === s.startTimeUnixNano));
  assert.equal(encodeZipkinV2(noDuration)[0].duration, undefined);
});

test('an untimed fragment is merged into the timed span with the same id and local service', () => {
  const base = { traceId: '0562809467078eab', id: '0562809467078eab', localEndpoint: { serviceName: 'a' } };
  const out = decodeZipkinV2([
    { ...base, tags: { late: '1', both: 'fragment' }, annotations: [{ timestamp: 1541405397200030, value: 'cs' }] },
    { ...base, name: 'poll', timestamp: 1541405397200023, duration: 26, tags: { both: 'timed' } },
    { ...base, id: '1111111111111111' },
  ]);
  assert.equal(out.items.length, 1);
  assert.deepEqual(out.errors, ['[2].timestamp: expected integer microseconds, got nothing']);
  const [span] = out.items;
  assert.deepEqual(span.attributes, [{ key: 'late', value: '1' }, { key: 'both', value: 'timed' }]);
  assert.equal(span.events[0].name, 'cs');
  assert.equal(span.name, 'poll');
});

test('annotations become events, debug and ipv6 are kept, array-of-traces input is read', () => {
  const span = {
    traceId: '463AC35C9F6413AD48485A3953BB6124', id: 'a', name: 'x', timestamp: 1_600_000_000_000_000, duration: 5, debug: true,
    annotations: [{ timestamp: 1_600_000_000_000_001, value: 'ws' }],
    remoteEndpoint: { ipv4: '1.2.3.4', ipv6: '::1', port: 80 }, localEndpoint: { serviceName: 'a', ipv6: 'fe80::1' },
  };
  const out = decodeZipkinV2([[span], [{ ...span, id: 'b' }]]);
  assert.equal(out.rejected, 0, out.errors.join());
  const [a, b] = out.items;
  assert.equal(a.traceId, '463ac35c9f6413ad48485a3953bb6124');
  assert.equal(a.spanId, '000000000000000a');
  assert.equal(a.kind, 1);
  assert.deepEqual(a.events, [{ timeUnixNano: 1_600_000_000_000_001_000n, name: 'ws', attributes: [], droppedAttributesCount: 0 }]);
  assert.equal(getAttr(a.attributes, ZIPKIN_ATTR.debug), true);
  assert.equal(getAttr(a.attributes, ZIPKIN_ATTR.remoteIpv6), '::1');
  assert.equal(a.resource, b.resource);
  assert.deepEqual(decodeZipkinV2(encodeZipkinV2(out.items)), out);
});

test('OTLP-born spans encode to sensible Zipkin', () => {
  const [root, , child] = richSpans();
  const [z] = encodeZipkinV2([root]);
  assert.equal(z.tags!['otel.scope.name'], 'lib');
  assert.equal(z.tags!.int, '42');
  assert.equal(z.tags!.bytes, 'AAH+/w==');
  assert.equal(z.kind, 'SERVER');
  assert.equal(z.localEndpoint!.serviceName, 'api');
  const [zc] = encodeZipkinV2([child]);
  assert.equal(zc.tags!.error, 'it failed');
  const back = decodeZipkinV2([zc]).items[0];
  assert.deepEqual(back.status, child.status);
  assert.deepEqual([back.scope.name, back.scope.version], [child.scope.name, child.scope.version]);
  const evil = encodeZipkinV2([{ ...root, attributes: [{ key: '__proto__', value: 'x' }] }])[0];
  assert.equal(Object.getPrototypeOf(evil.tags), Object.prototype);
  assert.equal(JSON.parse(JSON.stringify(evil)).tags.__proto__, 'x');
});

test('bad spans are rejected one by one with a reason; non-arrays are unreadable', () => {
  const good = { traceId: '0562809467078eab', id: '0562809467078eab', timestamp: 1541405397200023, duration: 26 };
  const out = decodeZipkinV2([good, { ...good, id: 'zz' }, { ...good, id: '1', timestamp: undefined }, { ...good, kind: 'LOCAL' }, { ...good, tags: { a: 1 } }, 5]);
  assert.equal(out.items.length, 1);
  assert.deepEqual(out.errors, [
    "[1].spanId: expected 16 lower-case hex characters, got 'zz'",
    '[2].timestamp: expected integer microseconds, got nothing',
    "[3].kind: expected CLIENT, SERVER, PRODUCER or CONSUMER, got 'LOCAL'",
    "[4].tags.a: expected a string, got '1'",
    "[5]: expected a span object, got '5'",
  ]);
  assert.throws(() => decodeZipkinV2({ spans: [] }), (e) => e instanceof DecodeError && /^Zipkin v2 JSON: expected an array/.test(e.message));
});
