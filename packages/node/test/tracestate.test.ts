// W3C Trace Context tracestate rules, one test per rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidTracestateKey, isValidTracestateValue, parseTracestate, serializeTracestate, truncateTracestate, W3CTraceState } from '@sextant/node';

test('members keep their order; several fields are combined in order', () => {
  assert.deepEqual(parseTracestate('a=1,b=2'), [['a', '1'], ['b', '2']]);
  assert.deepEqual(parseTracestate(['a=1,b=2', 'c=3']), [['a', '1'], ['b', '2'], ['c', '3']]);
});

test('no header and empty or blank members are fine', () => {
  assert.deepEqual(parseTracestate(undefined), []);
  assert.deepEqual(parseTracestate(''), []);
  assert.deepEqual(parseTracestate(['', 'a=1', ' \t ']), [['a', '1']]);
  assert.deepEqual(parseTracestate('a=1,,b=2,'), [['a', '1'], ['b', '2']]);
});

test('optional white space around members is ignored', () => {
  assert.deepEqual(parseTracestate(' \ta=1 \t, \tb=2\t'), [['a', '1'], ['b', '2']]);
});

test('keys (Level 2): a-z or 0-9 first, then a-z 0-9 _ - * / @, at most 256 characters', () => {
  assert.ok(isValidTracestateKey('a'));
  assert.ok(isValidTracestateKey('congo_t61rcwkgmzu-*/9'));
  assert.ok(isValidTracestateKey('1abc'), 'a digit may come first');
  assert.ok(isValidTracestateKey('z'.repeat(256)));
  assert.ok(!isValidTracestateKey('z'.repeat(257)));
  assert.ok(!isValidTracestateKey('Foo'));
  assert.ok(!isValidTracestateKey('foo.bar'));
  assert.ok(!isValidTracestateKey('foo '));
  assert.ok(!isValidTracestateKey(''));
});

test('keys with at signs: any number, anywhere but first, within the 256 characters', () => {
  assert.ok(isValidTracestateKey('1tenant@vendor'));
  assert.ok(isValidTracestateKey(`${'t'.repeat(241)}@${'v'.repeat(14)}`));
  assert.ok(isValidTracestateKey(`${'t'.repeat(242)}@v`), 'Level 1 capped the tenant at 241');
  assert.ok(isValidTracestateKey(`t@${'v'.repeat(15)}`), 'Level 1 capped the system at 14');
  assert.ok(isValidTracestateKey('t@1vendor'));
  for (const good of ['foo@', 'foo@@bar', 'foo@bar@baz']) assert.ok(isValidTracestateKey(good), good);
  assert.ok(!isValidTracestateKey('@foo'));
  assert.ok(!isValidTracestateKey(`${'t'.repeat(250)}@${'v'.repeat(6)}`));
});

test('values: printable ASCII without comma and equals, no trailing space, 1..256 characters', () => {
  assert.ok(isValidTracestateValue('x'));
  assert.ok(isValidTracestateValue(' leading space is allowed'));
  assert.ok(isValidTracestateValue('v'.repeat(256)));
  assert.ok(!isValidTracestateValue('v'.repeat(257)));
  assert.ok(!isValidTracestateValue(''));
  assert.ok(!isValidTracestateValue('trailing '));
  assert.ok(!isValidTracestateValue('a=b'));
  assert.ok(!isValidTracestateValue('a,b'));
  assert.ok(!isValidTracestateValue('caf\u00e9'));
  assert.ok(!isValidTracestateValue('tab\tinside'));
});

test('one invalid member discards the whole list', () => {
  assert.equal(parseTracestate('a=1,B=2'), undefined);
  assert.equal(parseTracestate(['a=1', 'novalue']), undefined);
  assert.equal(parseTracestate('a=1,b='), undefined);
  assert.equal(parseTracestate('a=1,b=x=y'), undefined);
});

test('a duplicated key keeps its first member and the list is propagated, within one field or across fields', () => {
  assert.deepEqual(parseTracestate('a=1,a=1'), [['a', '1']]);
  assert.deepEqual(parseTracestate('a=1,b=2,a=3'), [['a', '1'], ['b', '2']]);
  assert.deepEqual(parseTracestate(['a=1', 'a=2']), [['a', '1']]);
});

test('a duplicate does not count towards the 32 members, but is still checked', () => {
  const members = Array.from({ length: 32 }, (_, i) => `k${i}=${i}`);
  assert.equal(parseTracestate([...members, 'k0=again'].join(','))?.length, 32);
  assert.equal(parseTracestate('a=1,a=bad='), undefined);
});

test('the span TraceState keeps Level 2 keys and puts updated members first', () => {
  const state = new W3CTraceState(parseTracestate('foo@=1,bar=2')!);
  assert.equal(state.serialize(), 'foo@=1,bar=2');
  assert.equal(state.get('foo@'), '1');
  assert.equal(state.set('bar', '3').serialize(), 'bar=3,foo@=1');
  assert.equal(state.set('Bad', '3'), state, 'an invalid key is not added');
  assert.equal(state.unset('foo@').serialize(), 'bar=2');
});

test('32 members are allowed, 33 discard the list (empty members do not count)', () => {
  const members = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=${i}`);
  assert.equal(parseTracestate(members(32).join(',') + ',,')?.length, 32);
  assert.equal(parseTracestate(members(33).join(',')), undefined);
});

test('truncation to 512 characters drops members over 128 characters first, then from the end', () => {
  const big = ['big', 'b'.repeat(200)] as const;
  const small = Array.from({ length: 40 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v'.repeat(12)] as const);
  const members = [small[0], big, ...small.slice(1, 30)];
  const kept = truncateTracestate(members);
  assert.ok(!kept.some(([k]) => k === 'big'), 'the large member goes first');
  assert.deepEqual(kept, members.filter(([k]) => k !== 'big'), 'the small ones fit once it is gone');
  const many = truncateTracestate(small);
  assert.ok(serializeTracestate(many).length <= 512);
  assert.deepEqual(many, small.slice(0, many.length), 'then members are dropped from the end');
  assert.ok(many.length < small.length);
});
