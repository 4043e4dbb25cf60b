// Builders shared by the codec tests: a valid span to start from, and a way to compare canonical models.
import { emptyResource, emptyScope, type Span } from '@sextant/core';

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
