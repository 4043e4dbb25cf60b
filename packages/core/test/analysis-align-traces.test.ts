import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, alignTraces } from '@sextant/core';
import { span } from './analysis-builders.js';

const MS = 1_000_000;

function cart(traceId: string, selects: number, cache: boolean) {
  const spans = [span({ traceId, id: 'root', service: 'web', kind: SpanKind.SERVER, name: 'GET /cart', start: 0, end: 100, unit: MS })];
  for (let i = 0; i < selects; i++)
    spans.push(span({ traceId, id: `q${i}`, parent: 'root', service: 'web', kind: SpanKind.CLIENT, name: 'SELECT', start: 1 + i * 10, end: 5 + i * 10 + (traceId === 'b' ? 3 : 0), unit: MS }));
  if (cache) spans.push(span({ traceId, id: 'c', parent: 'root', service: 'web', kind: SpanKind.CLIENT, name: 'GET cache', start: 90, end: 91, unit: MS }));
  return spans;
}

test('aligns calls by path and rank: the nth SELECT meets the nth, extra calls sit after their neighbour', () => {
  const rows = alignTraces(cart('a', 2, true), cart('b', 3, false));
  assert.deepEqual(
    rows.map((r) => [r.name, r.a?.spanId ?? null, r.b?.spanId ?? null]),
    [
      ['GET /cart', 'root', 'root'],
      ['SELECT', 'q0', 'q0'],
      ['SELECT', 'q1', 'q1'],
      ['SELECT', null, 'q2'],
      ['GET cache', 'c', null],
    ],
  );
  assert.equal(rows[1].b!.durNano - rows[1].a!.durNano, BigInt(3 * MS));
  assert.equal(rows[1].depth, 1);
});
