// Builders shared by the codec tests: a valid span to start from, and a way to compare canonical models.
import { emptyResource, emptyScope, type KeyValue, type Span } from '@sextant/core';

export function sampleSpan(overrides: Partial<Span> = {}): Span {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    parentSpanId: '',
    traceState: '',
    flags: 0,
    name: 'GET /x',
    kind: 2,
    startTimeUnixNano: 1_544_712_660_000_000_000n,
    endTimeUnixNano: 1_544_712_661_000_000_000n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    resource: emptyResource(),
    scope: emptyScope(),
    ...overrides,
  };
}

/** Every AnyValue variant, including the edges that a lossy codec would flatten. */
export const ALL_VALUE_KINDS: KeyValue[] = [
  { key: 'str', value: 'héllo ✓' },
  { key: 'empty', value: '' },
  { key: 'long.ascii', value: 'x'.repeat(100) },
  { key: 'yes', value: true },
  { key: 'no', value: false },
  { key: 'int', value: 42n },
  { key: 'zero', value: 0n },
  { key: 'neg', value: -7n },
  { key: 'max', value: 9_223_372_036_854_775_807n },
  { key: 'min', value: -9_223_372_036_854_775_808n },
  { key: 'double', value: 2.5 },
  { key: 'double.whole', value: 2 },
  { key: 'bytes', value: new Uint8Array([0, 1, 254, 255]) },
  { key: 'arr', value: ['a', 1n, 1.5, [true, null]] },
  { key: 'kv', value: { kvlist: [{ key: 'inner', value: { kvlist: [{ key: 'deep', value: 'v' }] } }] } },
  { key: 'nil', value: null },
];

/** Two resources and three scopes shared the way a decoder shares them, with every optional field in use. */
export function richSpans(): Span[] {
  const r1 = { attributes: [{ key: 'service.name', value: 'api' }, ...ALL_VALUE_KINDS], droppedAttributesCount: 1, schemaUrl: 'https://opentelemetry.io/schemas/1.21.0' };
  const r2 = { attributes: [{ key: 'service.name', value: 'db' }], droppedAttributesCount: 0, schemaUrl: '' };
  const s1 = { name: 'lib', version: '1.0', attributes: [{ key: 'a', value: 1n }], droppedAttributesCount: 2, schemaUrl: 'x' };
  const s2 = emptyScope();
  const s3 = { ...emptyScope(), name: 'pg' };
  const root = sampleSpan({ resource: r1, scope: s1, attributes: ALL_VALUE_KINDS, traceState: 'k=v', flags: 0x301, droppedAttributesCount: 3 });
  const child = sampleSpan({
    resource: r1, scope: s2, spanId: '0000000000000001', parentSpanId: root.spanId, kind: 3, name: '',
    startTimeUnixNano: root.startTimeUnixNano + 1n, endTimeUnixNano: root.startTimeUnixNano + 1n,
    events: [
      { timeUnixNano: root.startTimeUnixNano + 5n, name: 'exception', attributes: [{ key: 'exception.message', value: 'boom' }], droppedAttributesCount: 1 },
      { timeUnixNano: root.startTimeUnixNano + 6n, name: '', attributes: [], droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 4,
    links: [{ traceId: 'ffffffffffffffffffffffffffffffff', spanId: 'ffffffffffffffff', traceState: 'a=b', attributes: [{ key: 'l', value: 2.25 }], droppedAttributesCount: 1, flags: 1 }],
    droppedLinksCount: 5,
    status: { code: 2, message: 'it failed' },
  });
  const db = sampleSpan({ resource: r2, scope: s3, spanId: '00000000000000ff', parentSpanId: child.spanId, kind: 5, status: { code: 1, message: '' } });
  const other = sampleSpan({ resource: r1, scope: s1, traceId: '00000000000000000000000000000001', spanId: '1000000000000000', kind: 4 });
  return [root, other, child, db];
}
