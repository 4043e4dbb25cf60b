/** Span, event, link and log values ⇄ the text columns of the store. */
import {
  emptyScope,
  type KeyValue,
  type Resource,
  type Scope,
  type SpanEvent,
  type SpanLink,
} from '@sextant/core';
import { attrsFromJson, attrsToJson } from './attr-json.js';

type EventRow = [string, string, Record<string, unknown>, number?];
type LinkRow = [string, string, string, Record<string, unknown>, number, number?];

/**
 * Events as an array of arrays ([time, name, {attributes}, dropped?]): only the attribute objects have
 * `"key":` members, so tag needles cannot hit an event's own fields.
 */
export function eventsToJson(events: readonly SpanEvent[]): string | null {
  if (events.length === 0) return null;
  let out = '[';
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (i > 0) out += ',';
    out += `["${e.timeUnixNano}",${JSON.stringify(e.name)},${attrsToJson(e.attributes)}`;
    out += e.droppedAttributesCount ? `,${e.droppedAttributesCount}]` : ']';
  }
  return out + ']';
}

/** Re-serialises one parsed nested attribute object so attrsFromJson can read it with its type hints. */
function nestedAttrs(obj: Record<string, unknown>): KeyValue[] {
  return attrsFromJson(JSON.stringify(obj));
}

export function eventsFromJson(text: string | null): SpanEvent[] {
  if (!text) return [];
  return (JSON.parse(text) as EventRow[]).map((r) => ({
    timeUnixNano: BigInt(r[0]),
    name: r[1],
    attributes: nestedAttrs(r[2]),
    droppedAttributesCount: r[3] ?? 0,
  }));
}

export function linksToJson(links: readonly SpanLink[]): string | null {
  if (links.length === 0) return null;
  let out = '[';
  for (let i = 0; i < links.length; i++) {
    const l = links[i]!;
    if (i > 0) out += ',';
    out += `["${l.traceId}","${l.spanId}",${JSON.stringify(l.traceState)},${attrsToJson(l.attributes)},${l.flags}`;
    out += l.droppedAttributesCount ? `,${l.droppedAttributesCount}]` : ']';
  }
  return out + ']';
}

export function linksFromJson(text: string | null): SpanLink[] {
  if (!text) return [];
  return (JSON.parse(text) as LinkRow[]).map((r) => ({
    traceId: r[0],
    spanId: r[1],
    traceState: r[2],
    attributes: nestedAttrs(r[3]),
    flags: r[4],
    droppedAttributesCount: r[5] ?? 0,
  }));
}

/** Dropped counts are almost always zero: stored as NULL then, as "[attrs,events,links]" otherwise. */
export function droppedToText(a: number, e: number, l: number): string | null {
  return a || e || l ? `[${a},${e},${l}]` : null;
}

export function droppedFromText(t: string | null): [number, number, number] {
  return t ? (JSON.parse(t) as [number, number, number]) : [0, 0, 0];
}

export function resourceFromRow(attributes: string, dropped: number, schemaUrl: string): Resource {
  return { attributes: attrsFromJson(attributes), droppedAttributesCount: dropped, schemaUrl };
}

export function scopeFromRow(name: string, version: string, attributes: string, dropped: number, schemaUrl: string): Scope {
  return { ...emptyScope(), name, version, attributes: attrsFromJson(attributes), droppedAttributesCount: dropped, schemaUrl };
}
