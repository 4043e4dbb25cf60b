// The Thrift binary reader under hostile input: every failure is a DecodeError naming the problem and the byte,
// never a crash, a hang or an allocation sized by a lying length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, decodeJaegerThriftBatch, decodeZipkinV1Thrift } from '@sextant/core';
import { readStruct, readStructList, T_I64, T_LIST, T_STRING, T_STRUCT } from '../src/codec/thrift-binary.js';

const bytes = (...parts: number[][]) => Uint8Array.from(parts.flat());
const i16 = (n: number) => [(n >> 8) & 255, n & 255];
const i32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

test('reads structs, lists, strings and i64 by field id', () => {
  const s = readStruct(bytes([T_I64], i16(1), [0, 0, 0, 0, 0, 0, 1, 2], [T_STRING], i16(3), i32(2), [104, 105], [T_LIST], i16(4), [T_STRUCT], i32(1), [0], [0]), 'test', 'S');
  assert.equal(s.i64(1, 'a'), 258n);
  assert.equal(s.string(3, 'b'), 'hi');
  assert.equal(s.structs(4, 'c').length, 1);
  assert.throws(() => s.string(1, 'a'), /S\.a: expected a string or binary/);
});

test('a size larger than the bytes left is refused before anything is allocated', () => {
  assert.throws(() => readStructList(bytes([T_STRUCT], i32(2_000_000_000)), 'the body'), (e: Error) => e instanceof DecodeError && /size of 2000000000 does not fit/.test(e.message));
  assert.throws(() => readStruct(bytes([T_STRING], i16(1), i32(-1)), 'the body', 'S'), /size of -1/);
});

test('nesting is bounded, unknown types and trailing bytes are named', () => {
  const deep = bytes(...Array.from({ length: 100 }, () => [T_STRUCT, ...i16(1)]), Array(101).fill(0));
  assert.throws(() => readStruct(deep, 'the body', 'S'), /nesting deeper than 64/);
  assert.throws(() => readStruct(bytes([99], i16(1), [0]), 'the body', 'S'), /unknown field type 99 at byte 3/);
  assert.throws(() => readStruct(bytes([0], [0]), 'the body', 'S'), /bytes left after the S/);
  assert.throws(() => readStruct(bytes([T_I64], i16(1), [1, 2]), 'the body', 'S'), /8 bytes needed but only 2 are left/);
});

test('the Zipkin and Jaeger Thrift decoders reject unreadable bodies with a DecodeError', () => {
  assert.throws(() => decodeZipkinV1Thrift(bytes([T_I64], i32(1), Array(8).fill(0))), (e: Error) => e instanceof DecodeError && /Zipkin v1 Thrift.*expected a list of structs/.test(e.message));
  assert.throws(() => decodeJaegerThriftBatch(bytes([0])), /Batch\.process: required/);
  assert.equal(decodeZipkinV1Thrift(bytes([T_STRUCT], i32(0))).items.length, 0, 'an empty list is fine');
});
