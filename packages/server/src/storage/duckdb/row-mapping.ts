/** Stored rows → the canonical model, by column name. */
import type { LogRecord, Span, SpanKind, StatusCode } from '@sextant/core';
import { attrsFromJson, attrValueFromStored } from '../stored/attr-json.js';
import { spanIdHex, traceIdHex } from '../stored/ids.js';
import { droppedFromText, eventsFromJson, linksFromJson } from '../stored/row-codec.js';
import type { Row } from './connections.js';
import type { SideRows } from './side-rows.js';

/** The columns spanFromRow reads. */
export const SPAN_COLUMNS = `trace_id, span_id, parent_span_id, start_ns, duration_ns, name, kind, status_code, status_message,
  trace_state, flags, resource_id, scope_id, attributes, events, links, dropped`;

export const LOG_COLUMNS = `time_ns, observed_ns, trace_id, span_id, severity_number, severity_text, body, attributes, dropped, flags,
  event_name, resource_id, scope_id`;

/** Loads the resources and scopes that rows refer to, before mapping them. */
export function resolveSideRowsOf(rows: Row[], sides: SideRows): Promise<void> {
  return sides.resolve(rows.map((r) => r.resource_id as bigint), rows.map((r) => r.scope_id as bigint));
}

export function spanFromRow(r: Row, sides: SideRows): Span {
  const start = r.start_ns as bigint;
  const [da, de, dl] = droppedFromText(r.dropped as string | null);
  return {
    traceId: traceIdHex(r.trace_id as bigint),
    spanId: spanIdHex(r.span_id as bigint),
    parentSpanId: spanIdHex(r.parent_span_id as bigint),
    startTimeUnixNano: start,
    endTimeUnixNano: start + (r.duration_ns as bigint),
    name: r.name as string,
    kind: r.kind as SpanKind,
    status: { code: r.status_code as StatusCode, message: (r.status_message as string | null) ?? '' },
    traceState: (r.trace_state as string | null) ?? '',
    flags: r.flags as number,
    resource: sides.resource(r.resource_id as bigint),
    scope: sides.scope(r.scope_id as bigint),
    attributes: attrsFromJson(r.attributes as string),
    events: eventsFromJson(r.events as string | null),
    links: linksFromJson(r.links as string | null),
    droppedAttributesCount: da,
    droppedEventsCount: de,
    droppedLinksCount: dl,
  };
}

export function logFromRow(r: Row, sides: SideRows): LogRecord {
  return {
    timeUnixNano: r.time_ns as bigint,
    observedTimeUnixNano: r.observed_ns as bigint,
    traceId: r.trace_id === null ? '' : traceIdHex(r.trace_id as bigint),
    spanId: r.span_id === null ? '' : spanIdHex(r.span_id as bigint),
    severityNumber: r.severity_number as number,
    severityText: (r.severity_text as string | null) ?? '',
    body: r.body === null ? null : attrValueFromStored(r.body as string),
    attributes: attrsFromJson(r.attributes as string),
    droppedAttributesCount: r.dropped as number,
    flags: r.flags as number,
    eventName: (r.event_name as string | null) ?? '',
    resource: sides.resource(r.resource_id as bigint),
    scope: sides.scope(r.scope_id as bigint),
  };
}
