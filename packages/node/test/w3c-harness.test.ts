// The checks of the official W3C Trace Context test harness (w3c/trace-context test/test.py, strict level 2),
// run against our harness service (src/w3c-service-main.ts) under the real SDK: the test plays the harness,
// sends the exact header lists, and inspects the headers of the service's callbacks.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FROM_SOURCE, OtlpJsonReceiver, otlpEnv, send, spawnNode, stop, type Child } from './support.js';

const TRACE = '12345678901234567890123456789012';
const PARENT = '1234567890123456';
const CALLBACK_FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

interface Callback {
  traceparents: string[];
  tracestate: Map<string, string>;
  tracestateText: string;
}

let service: Child;
const receiver = new OtlpJsonReceiver();
let servicePort: number;
let harness: Server;
let harnessUrl: string;
const pending = new Map<string, (cb: Callback) => void>();
let nextId = 0;

// Reads tracestate the way the harness does: combine fields, split on OWS-comma-OWS, keep first of a key.
function harnessTracestate(req: IncomingMessage): { map: Map<string, string>; text: string } {
  const fields: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === 'tracestate') fields.push(req.rawHeaders[i + 1]);
  const map = new Map<string, string>();
  for (const member of fields.join(',').split(/[ \t]*,[ \t]*/)) {
    if (!member) continue;
    const eq = member.indexOf('=');
    if (!map.has(member.slice(0, eq))) map.set(member.slice(0, eq), member.slice(eq + 1));
  }
  return { map, text: [...map].map(([k, v]) => `${k}=${v}`).join(',') };
}

before(async () => {
  harness = createServer((req, res) => {
    const traceparents: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === 'traceparent') traceparents.push(req.rawHeaders[i + 1]);
    const { map, text } = harnessTracestate(req);
    req.resume();
    req.on('end', () => {
      res.end('{}');
      pending.get(req.url!.slice(1))?.({ traceparents, tracestate: map, tracestateText: text });
    });
  });
  harness.listen(0, '127.0.0.1');
  await once(harness, 'listening');
  harnessUrl = `http://127.0.0.1:${(harness.address() as AddressInfo).port}`;
  // A real exporter: with OTEL_TRACES_EXPORTER=none the SDK would not trace at all.
  service = spawnNode([...FROM_SOURCE, 'packages/node/src/w3c-service-main.ts', '--port', '0'], otlpEnv(await receiver.listen(), 'w3c-service'));
  servicePort = await service.port;
});

after(async () => {
  await stop(service);
  await receiver.close();
  harness.closeAllConnections();
  harness.close();
});

/** Sends `headers` to the service, asks for `count` callbacks, returns what each callback carried. */
async function callbacks(headers: [string, string][], count = 1): Promise<Callback[]> {
  const ids = Array.from({ length: count }, () => String(nextId++));
  const received = ids.map((id) => new Promise<Callback>((resolve) => pending.set(id, resolve)));
  const body = JSON.stringify(ids.map((id) => ({ url: `${harnessUrl}/${id}`, arguments: [] })));
  const answer = await send(servicePort, 'POST', '/test', [...headers, ['content-type', 'application/json']], body);
  assert.equal(answer.status, 200, answer.body);
  return Promise.all(received);
}

async function one(headers: [string, string][]): Promise<{ version: string; traceId: string; parentId: string; flags: number; tracestate: Map<string, string>; text: string }> {
  const [cb] = await callbacks(headers);
  assert.equal(cb.traceparents.length, 1, `expected one traceparent, got ${JSON.stringify(cb.traceparents)}`);
  const m = CALLBACK_FORMAT.exec(cb.traceparents[0]);
  assert.ok(m, `malformed outgoing traceparent ${cb.traceparents[0]}`);
  return { version: m[1], traceId: m[2], parentId: m[3], flags: parseInt(m[4], 16), tracestate: cb.tracestate, text: cb.tracestateText };
}

const tp = (value: string): [string, string] => ['traceparent', value];
const ts = (value: string): [string, string] => ['tracestate', value];
const VALID = tp(`00-${TRACE}-${PARENT}-00`);

async function restarts(headers: [string, string][], ...forbidden: string[]) {
  const { traceId } = await one(headers);
  for (const id of [TRACE, ...forbidden]) assert.notEqual(traceId, id);
}

async function continues(headers: [string, string][]) {
  assert.equal((await one(headers)).traceId, TRACE);
}

describe('W3C harness: traceparent', () => {
  test('no traceparent and no tracestate: a valid new traceparent', async () => {
    const r = await one([]);
    assert.equal(r.version, '00');
  });

  test('traceparent without tracestate: same trace id, new parent id', async () => {
    const r = await one([tp(`00-${TRACE}-${PARENT}-01`)]);
    assert.equal(r.traceId, TRACE);
    assert.notEqual(r.parentId, PARENT);
  });

  test('two traceparent headers: restart', async () => {
    await restarts([tp(`00-12345678901234567890123456789011-${PARENT}-01`), tp(`00-${TRACE}-${PARENT}-01`)], '12345678901234567890123456789011');
  });

  test('wrong header names are not traceparent', async () => {
    await restarts([['trace-parent', `00-${TRACE}-${PARENT}-01`]]);
    await restarts([['trace.parent', `00-${TRACE}-${PARENT}-01`]]);
  });

  test('header name casing does not matter', async () => {
    for (const name of ['TraceParent', 'TrAcEpArEnT', 'TRACEPARENT']) await continues([[name, `00-${TRACE}-${PARENT}-01`]]);
  });

  test('version 00 with trailing characters is invalid', async () => {
    await restarts([tp(`00-${TRACE}-${PARENT}-01.`)]);
    await restarts([tp(`00-${TRACE}-${PARENT}-01-what-the-future-will-be-like`)]);
  });

  test('a future version (cc) is parsed leniently', async () => {
    await continues([tp(`cc-${TRACE}-${PARENT}-01`)]);
    await continues([tp(`cc-${TRACE}-${PARENT}-01-what-the-future-will-be-like`)]);
    await restarts([tp(`cc-${TRACE}-${PARENT}-01.what-the-future-will-be-like`)]);
  });

  test('version ff, illegal or mis-sized versions are invalid', async () => {
    for (const v of ['ff', '.0', '0.', '000', '0000', '0']) await restarts([tp(`${v}-${TRACE}-${PARENT}-01`)]);
  });

  test('trace id: all zero, illegal characters, wrong length', async () => {
    await restarts([tp(`00-00000000000000000000000000000000-${PARENT}-01`)], '00000000000000000000000000000000');
    await restarts([tp(`00-.2345678901234567890123456789012-${PARENT}-01`)]);
    await restarts([tp(`00-1234567890123456789012345678901.-${PARENT}-01`)]);
    await restarts([tp(`00-123456789012345678901234567890123-${PARENT}-01`)], '23456789012345678901234567890123');
    await restarts([tp(`00-1234567890123456789012345678901-${PARENT}-01`)]);
  });

  test('parent id: all zero, illegal characters, wrong length', async () => {
    for (const p of ['0000000000000000', '.234567890123456', '123456789012345.', '12345678901234567', '123456789012345']) {
      await restarts([tp(`00-${TRACE}-${p}-01`)]);
    }
  });

  test('trace flags: illegal characters, wrong length', async () => {
    for (const f of ['.0', '0.', '001', '1']) await restarts([tp(`00-${TRACE}-${PARENT}-${f}`)]);
  });

  test('optional white space around traceparent is accepted', async () => {
    for (const v of [` 00-${TRACE}-${PARENT}-01`, `\t00-${TRACE}-${PARENT}-01`, `00-${TRACE}-${PARENT}-01 `, `00-${TRACE}-${PARENT}-01\t`, `\t 00-${TRACE}-${PARENT}-01 \t`]) {
      await continues([tp(v)]);
    }
  });

  test('level 2: the random flag is propagated as received, and set on new traces', async () => {
    assert.equal((await one([tp(`00-${TRACE}-${PARENT}-03`)])).flags, 0x03);
    assert.equal((await one([tp(`00-${TRACE}-${PARENT}-02`)])).flags & 0x02, 0x02);
    assert.equal((await one([tp(`00-${TRACE}-${PARENT}-01`)])).flags, 0x01);
    assert.equal((await one([])).flags & 0x02, 0x02);
  });

  test('unknown flag bits are not propagated', async () => {
    assert.equal((await one([tp(`00-${TRACE}-${PARENT}-ff`)])).flags, 0x03);
  });
});

describe('W3C harness: tracestate', () => {
  test('tracestate without traceparent is discarded', async () => {
    const a = await one([ts('foo=1')]);
    const b = await one([ts('foo=1,bar=2')]);
    assert.equal(a.tracestate.size, b.tracestate.size);
    assert.equal(a.tracestate.size, 0);
  });

  test('tracestate with traceparent is inherited', async () => {
    const r = await one([VALID, ts('foo=1,bar=2')]);
    assert.equal(r.traceId, TRACE);
    assert.equal(r.tracestate.get('foo'), '1');
    assert.equal(r.tracestate.get('bar'), '2');
  });

  test('wrong header names are not tracestate; casing does not matter', async () => {
    assert.equal((await one([VALID, ['trace-state', 'foo=1']])).tracestate.has('foo'), false);
    assert.equal((await one([VALID, ['trace.state', 'foo=1']])).tracestate.has('foo'), false);
    for (const name of ['TraceState', 'TrAcEsTaTe', 'TRACESTATE']) assert.equal((await one([VALID, [name, 'foo=1']])).tracestate.get('foo'), '1');
  });

  test('empty tracestate fields are allowed', async () => {
    const r = await one([VALID, ts('')]);
    assert.equal(r.traceId, TRACE);
    assert.equal(r.tracestate.size, 0);
    assert.equal((await one([VALID, ts('foo=1'), ts('')])).tracestate.get('foo'), '1');
    assert.equal((await one([VALID, ts(''), ts('foo=1')])).tracestate.get('foo'), '1');
  });

  test('multiple tracestate fields are combined in order', async () => {
    const r = await one([VALID, ts('foo=1,bar=2'), ts('rojo=1,congo=2'), ts('baz=3')]);
    assert.equal(r.text, 'foo=1,bar=2,rojo=1,congo=2,baz=3');
  });

  test('duplicated keys: tracestate is propagated with the first member of the key', async () => {
    for (const fields of [['foo=1,foo=1'], ['foo=1,foo=2'], ['foo=1', 'foo=1'], ['foo=1', 'foo=2']]) {
      const r = await one([VALID, ...fields.map(ts)]);
      assert.equal(r.traceId, TRACE);
      assert.equal(r.text, 'foo=1', fields.join(' | '));
    }
  });

  test('all allowed characters in keys and values are kept', async () => {
    const key = 'abcdefghijklmnopqrstuvwxyz0123456789_-*/';
    const value = [[0x20, 0x2b], [0x2d, 0x3c], [0x3e, 0x7e]].flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => String.fromCharCode(a + i))).join('');
    assert.equal((await one([VALID, ts(`${key}=${value}`)])).tracestate.get(key), value);
    assert.equal((await one([VALID, ts(`${key}@a-z0-9_-*/=${value}`)])).tracestate.get(`${key}@a-z0-9_-*/`), value);
  });

  test('optional white space around members is accepted', async () => {
    for (const value of ['foo=1 \t , \t bar=2, \t baz=3', 'foo=1\t \t,\t \tbar=2,\t \tbaz=3']) {
      const r = await one([VALID, ts(value)]);
      assert.deepEqual([r.tracestate.get('foo'), r.tracestate.get('bar'), r.tracestate.get('baz')], ['1', '2', '3']);
    }
    for (const value of [' foo=1', '\tfoo=1', 'foo=1 ', 'foo=1\t', '\t foo=1 \t']) assert.equal((await one([VALID, ts(value)])).tracestate.get('foo'), '1');
  });

  test('illegal keys discard tracestate', async () => {
    assert.equal((await one([VALID, ts('foo =1')])).tracestate.size, 0);
    assert.equal((await one([VALID, ts('FOO=1')])).tracestate.size, 0);
    assert.equal((await one([VALID, ts('foo.bar=1')])).tracestate.size, 0);
  });

  test('keys with at signs are kept unless the key starts with one', async () => {
    for (const key of ['foo@', 'foo@@bar', 'foo@bar@baz']) {
      const r = await one([VALID, ts(`${key}=1,bar=2`)]);
      assert.deepEqual([r.tracestate.get(key), r.tracestate.get('bar')], ['1', '2'], key);
    }
    assert.equal((await one([VALID, ts('@foo=1,bar=2')])).tracestate.has('bar'), false);
  });

  test('32 members are kept, 33 discard tracestate', async () => {
    const members = Array.from({ length: 33 }, (_, i) => `bar${String(i + 1).padStart(2, '0')}=${String(i + 1).padStart(2, '0')}`);
    const fields = (n: number) => [members.slice(0, 10), members.slice(10, 20), members.slice(20, 30), members.slice(30, n)].map((m) => ts(m.join(',')));
    const kept = await one([VALID, ...fields(32)]);
    assert.equal(kept.tracestate.get('bar01'), '01');
    assert.equal(kept.tracestate.size, 32);
    assert.equal((await one([VALID, ...fields(33)])).tracestate.has('bar01'), false);
  });

  test('key length limit: 256 characters, at signs included', async () => {
    assert.equal((await one([VALID, ts('foo=1'), ts(`${'z'.repeat(257)}=1`)])).tracestate.has('foo'), false);
    for (const key of ['z'.repeat(256), `${'t'.repeat(241)}@${'v'.repeat(14)}`, `${'t'.repeat(242)}@v`, `t@${'v'.repeat(15)}`]) {
      const r = await one([VALID, ts('foo=1'), ts(`${key}=1`)]);
      assert.deepEqual([r.tracestate.get('foo'), r.tracestate.get(key)], ['1', '1'], `${key.length}-character key`);
    }
  });

  test('illegal values discard tracestate', async () => {
    assert.equal((await one([VALID, ts('foo=bar=baz')])).tracestate.has('foo'), false);
    const r = await one([VALID, ts('foo=,bar=3')]);
    assert.equal(r.tracestate.has('foo') || r.tracestate.has('bar'), false);
  });
});

describe('W3C harness: several callbacks', () => {
  test('valid traceparent: every callback keeps the trace id, each has its own parent id', async () => {
    const cbs = await callbacks([tp(`00-${TRACE}-${PARENT}-01`)], 3);
    const parsed = cbs.map((cb) => CALLBACK_FORMAT.exec(cb.traceparents[0])!);
    assert.deepEqual(new Set(parsed.map((m) => m[2])), new Set([TRACE]));
    assert.equal(new Set(parsed.map((m) => m[3])).size, 3);
  });

  test('no traceparent: each callback has its own parent id', async () => {
    const cbs = await callbacks([], 3);
    assert.equal(new Set(cbs.map((cb) => CALLBACK_FORMAT.exec(cb.traceparents[0])![3])).size, 3);
  });

  test('illegal traceparent: new trace ids, distinct parent ids', async () => {
    const cbs = await callbacks([tp(`00-00000000000000000000000000000000-${PARENT}-01`)], 3);
    const parsed = cbs.map((cb) => CALLBACK_FORMAT.exec(cb.traceparents[0])!);
    assert.ok(parsed.every((m) => m[2] !== '00000000000000000000000000000000'));
    assert.equal(new Set(parsed.map((m) => m[3])).size, 3);
  });
});
