// W3C Trace Context traceparent rules (Level 1 and 2), one test per rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTraceparent, parseTraceparent } from '@sextant/node';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const P = '00f067aa0ba902b7';

test('version 00: exact format parses into ids and flags', () => {
  assert.deepEqual(parseTraceparent(`00-${T}-${P}-01`), { version: 0, traceId: T, parentId: P, traceFlags: 1 });
  assert.equal(parseTraceparent(`00-${T}-${P}-00`)?.traceFlags, 0);
});

test('version 00: any extra character or field is invalid', () => {
  assert.equal(parseTraceparent(`00-${T}-${P}-01-`), undefined);
  assert.equal(parseTraceparent(`00-${T}-${P}-01-extra`), undefined);
  assert.equal(parseTraceparent(`00-${T}-${P}-01.`), undefined);
});

test('version ff is invalid', () => {
  assert.equal(parseTraceparent(`ff-${T}-${P}-01`), undefined);
});

test('higher versions are parsed leniently: known prefix, then end or a dash', () => {
  assert.equal(parseTraceparent(`01-${T}-${P}-01`)?.traceId, T);
  assert.equal(parseTraceparent(`cc-${T}-${P}-01-future-fields`)?.parentId, P);
  assert.equal(parseTraceparent(`cc-${T}-${P}-01.future`), undefined);
  assert.equal(parseTraceparent(`cc-${T}-${P}-0`), undefined, 'shorter than 55 characters');
});

test('version must be two lower-case hex digits', () => {
  for (const v of ['0', '000', '.0', '0.', 'AA', 'g0']) assert.equal(parseTraceparent(`${v}-${T}-${P}-01`), undefined, v);
});

test('all-zero trace id or parent id is invalid', () => {
  assert.equal(parseTraceparent(`00-${'0'.repeat(32)}-${P}-01`), undefined);
  assert.equal(parseTraceparent(`00-${T}-${'0'.repeat(16)}-01`), undefined);
});

test('upper-case hex is invalid in every field', () => {
  assert.equal(parseTraceparent(`00-${T.toUpperCase()}-${P}-01`), undefined);
  assert.equal(parseTraceparent(`00-${T}-${P.toUpperCase()}-01`), undefined);
  assert.equal(parseTraceparent(`00-${T}-${P}-0A`), undefined);
});

test('wrong field lengths are invalid', () => {
  assert.equal(parseTraceparent(`00-${T}0-${P}-01`), undefined);
  assert.equal(parseTraceparent(`00-${T.slice(1)}-${P}-01`), undefined);
  assert.equal(parseTraceparent(`00-${T}-${P}0-01`), undefined);
  assert.equal(parseTraceparent(`00-${T}-${P.slice(1)}-01`), undefined);
  assert.equal(parseTraceparent(`00-${T}-${P}-001`), undefined);
  assert.equal(parseTraceparent(`00-${T}-${P}-1`), undefined);
});

test('wrong separators are invalid', () => {
  assert.equal(parseTraceparent(`00_${T}-${P}-01`), undefined);
  assert.equal(parseTraceparent(`00-${T}_${P}-01`), undefined);
  assert.equal(parseTraceparent(`00-${T}-${P}_01`), undefined);
});

test('optional white space (spaces, tabs) around the value is ignored', () => {
  assert.equal(parseTraceparent(`\t 00-${T}-${P}-01 \t`)?.traceId, T);
});

test('two values joined into one field (duplicated header) are invalid', () => {
  assert.equal(parseTraceparent(`00-${T}-${P}-01, 00-${T}-${P}-01`), undefined);
  assert.equal(parseTraceparent(`cc-${T}-${P}-01, cc-${T}-${P}-01`), undefined);
});

test('level 2: sampled and random flags are kept, unknown bits dropped', () => {
  assert.equal(parseTraceparent(`00-${T}-${P}-03`)?.traceFlags, 3);
  assert.equal(parseTraceparent(`00-${T}-${P}-02`)?.traceFlags, 2);
  assert.equal(parseTraceparent(`00-${T}-${P}-ff`)?.traceFlags, 3);
  assert.equal(parseTraceparent(`00-${T}-${P}-fc`)?.traceFlags, 0);
});

test('formatting writes version 00, two flag digits, known bits only', () => {
  assert.equal(formatTraceparent(T, P, 1), `00-${T}-${P}-01`);
  assert.equal(formatTraceparent(T, P, 0xff), `00-${T}-${P}-03`);
  assert.deepEqual(parseTraceparent(formatTraceparent(T, P, 2)), { version: 0, traceId: T, parentId: P, traceFlags: 2 });
});
