// Builders of canonical spans for server tests (the wire formats are exercised by the receiver tests).
import { randomBytes } from 'node:crypto';
import { emptyScope, SpanKind, StatusCode, type KeyValue, type Resource, type Span } from '@sextant/core';

export function hexId(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export function resourceFor(service: string, extra: KeyValue[] = []): Resource {
  return { attributes: [{ key: 'service.name', value: service }, ...extra], droppedAttributesCount: 0, schemaUrl: '' };
}

export interface SpanSpec {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  resource?: Resource;
  service?: string;
  kind?: SpanKind;
  startNano?: bigint;
  durationNano?: bigint;
  attributes?: KeyValue[];
  error?: boolean;
}

export const BASE_TIME = BigInt(Date.now() - 60_000) * 1_000_000n;

export function makeSpan(spec: SpanSpec = {}): Span {
  const start = spec.startNano ?? BASE_TIME;
  return {
    traceId: spec.traceId ?? hexId(16),
    spanId: spec.spanId ?? hexId(8),
    parentSpanId: spec.parentSpanId ?? '',
    traceState: '',
    flags: 1,
    name: spec.name ?? 'op',
    kind: spec.kind ?? SpanKind.INTERNAL,
    startTimeUnixNano: start,
    endTimeUnixNano: start + (spec.durationNano ?? 1_000_000n),
    attributes: spec.attributes ?? [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: spec.error ? { code: StatusCode.ERROR, message: 'boom' } : { code: StatusCode.UNSET, message: '' },
    resource: spec.resource ?? resourceFor(spec.service ?? 'svc'),
    scope: emptyScope(),
  };
}
