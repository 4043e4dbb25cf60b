/**
 * What stored traces cost, in SQL over a window: bytes per service and per attribute key (span, resource and
 * event attributes), distinct values per key (DuckDB's approx_count_distinct, a HyperLogLog sketch), the share
 * of spans carrying each key, and the span names with the most attributes.
 *
 * Bytes are those of the stored encoding before compression: a span's row is its variable-length columns
 * (name, service, status message, trace state, attributes, events, links) plus the fixed-width ones
 * (FIXED_ROW_BYTES); a key costs its member of the attributes object, `"key":value` and a separator. Resources
 * are stored once per distinct resource, so a resource key costs its bytes in the resources that the window's
 * spans use, once each. Compression shrinks all of them; shares of these bytes are what dropping a key changes.
 */
import type { Param } from './params.js';
import type { Row } from './connections.js';
import type { CostReport } from '../contract.js';

type Query = (sql: string, params?: readonly Param[]) => Promise<Row[]>;

/** trace_id 16, span_id 8, parent 8, start 8, duration 8, kind 1, status 1, is_error 1, flags 4, resource 8, scope 8. */
export const FIXED_ROW_BYTES = 71;
const TOP_SPAN_NAMES = 20;
/** The member attr-json.ts writes for type hints; not an attribute. */
const HINT_KEY = '\u0000';

// A member `"key":value` plus its separator: byte lengths (strlen) of the key's JSON string and the value's JSON text.
const MEMBER_BYTES = `strlen(to_json(j.key)::VARCHAR) + strlen(j.value::VARCHAR) + 2`;

export async function costReport(query: Query, startNano: bigint, endNano: bigint): Promise<CostReport> {
  const win = [startNano, endNano];
  const spanBytes = `${FIXED_ROW_BYTES} + strlen(name) + strlen(service) + coalesce(strlen(status_message), 0)
    + coalesce(strlen(trace_state), 0) + strlen(attributes) + coalesce(strlen(events), 0) + coalesce(strlen(links), 0)`;
  const services = await query(
    `SELECT service, count(*) AS spans, sum(${spanBytes}) AS bytes, min(start_ns) AS first, max(start_ns) AS last
     FROM spans WHERE start_ns >= ? AND start_ns <= ? GROUP BY service ORDER BY bytes DESC, service`,
    win,
  );
  const spanKeys = await query(
    `SELECT j.key AS key, sum(${MEMBER_BYTES}) AS bytes, count(*) AS spans, approx_count_distinct(j.value::VARCHAR) AS distinct_values
     FROM spans, json_each(spans.attributes) AS j
     WHERE start_ns >= ? AND start_ns <= ? AND j.key <> ? GROUP BY j.key`,
    [...win, HINT_KEY],
  );
  const eventKeys = await query(
    `SELECT j.key AS key, sum(${MEMBER_BYTES}) AS bytes, count(DISTINCT (s.trace_id, s.span_id)) AS spans, approx_count_distinct(j.value::VARCHAR) AS distinct_values
     FROM spans AS s, json_each(s.events) AS e, json_each(e.value -> 2) AS j
     WHERE s.start_ns >= ? AND s.start_ns <= ? AND s.events IS NOT NULL AND j.key <> ? GROUP BY j.key`,
    [...win, HINT_KEY],
  );
  const resourceKeys = await query(
    `WITH used AS (SELECT resource_id, count(*) AS spans FROM spans WHERE start_ns >= ? AND start_ns <= ? GROUP BY resource_id)
     SELECT j.key AS key, sum(${MEMBER_BYTES}) AS bytes, sum(used.spans) AS spans, approx_count_distinct(j.value::VARCHAR) AS distinct_values
     FROM used JOIN resources AS r ON r.id = used.resource_id, json_each(r.attributes) AS j
     WHERE j.key <> ? GROUP BY j.key`,
    [...win, HINT_KEY],
  );
  const [resourceTotal] = await query(
    `SELECT coalesce(sum(strlen(r.attributes)), 0) AS bytes FROM resources AS r
     WHERE r.id IN (SELECT DISTINCT resource_id FROM spans WHERE start_ns >= ? AND start_ns <= ?)`,
    win,
  );
  const spanNames = await query(
    `SELECT service, name, count(*) AS spans, avg(len(list_filter(json_keys(attributes), k -> k <> chr(0)))) AS attrs
     FROM spans WHERE start_ns >= ? AND start_ns <= ? GROUP BY service, name ORDER BY attrs DESC, spans DESC LIMIT ${TOP_SPAN_NAMES}`,
    win,
  );
  const keyRows = (scope: 'span' | 'event' | 'resource', rows: Row[]) =>
    rows.map((r) => ({ scope, key: r.key as string, bytes: Number(r.bytes), spans: Number(r.spans), distinct: Number(r.distinct_values) }));
  const starts = services.map((r) => [r.first as bigint, r.last as bigint] as const);
  return {
    spans: services.reduce((n, r) => n + Number(r.spans), 0),
    firstNano: starts.length > 0 ? starts.reduce((m, [f]) => (f < m ? f : m), starts[0]![0]) : null,
    lastNano: starts.length > 0 ? starts.reduce((m, [, l]) => (l > m ? l : m), starts[0]![1]) : null,
    storedBytes: services.reduce((n, r) => n + Number(r.bytes), 0) + Number(resourceTotal?.bytes ?? 0),
    services: services.map((r) => ({ service: r.service as string, spans: Number(r.spans), bytes: Number(r.bytes) })),
    attributes: [...keyRows('span', spanKeys), ...keyRows('resource', resourceKeys), ...keyRows('event', eventKeys)].sort((a, b) => b.bytes - a.bytes),
    spanNames: spanNames.map((r) => ({ service: r.service as string, name: r.name as string, spans: Number(r.spans), attributesPerSpan: Number(r.attrs) })),
  };
}
