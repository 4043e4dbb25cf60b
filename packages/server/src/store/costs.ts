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
import type { DuckDBValue } from '@duckdb/node-api';
import type { Param } from './params.js';
import type { CostReport } from './store.js';

type Query = (sql: string, params?: readonly Param[]) => Promise<DuckDBValue[][]>;

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
    `SELECT service, count(*), sum(${spanBytes}), min(start_ns), max(start_ns) FROM spans WHERE start_ns >= ? AND start_ns <= ?
     GROUP BY service ORDER BY 3 DESC, 1`,
    win,
  );
  const spanKeys = await query(
    `SELECT j.key, sum(${MEMBER_BYTES}), count(*), approx_count_distinct(j.value::VARCHAR)
     FROM spans, json_each(spans.attributes) AS j
     WHERE start_ns >= ? AND start_ns <= ? AND j.key <> ? GROUP BY j.key`,
    [...win, HINT_KEY],
  );
  const eventKeys = await query(
    `SELECT j.key, sum(${MEMBER_BYTES}), count(DISTINCT (s.trace_id, s.span_id)), approx_count_distinct(j.value::VARCHAR)
     FROM spans AS s, json_each(s.events) AS e, json_each(e.value -> 2) AS j
     WHERE s.start_ns >= ? AND s.start_ns <= ? AND s.events IS NOT NULL AND j.key <> ? GROUP BY j.key`,
    [...win, HINT_KEY],
  );
  const resourceKeys = await query(
    `WITH used AS (SELECT resource_id, count(*) AS spans FROM spans WHERE start_ns >= ? AND start_ns <= ? GROUP BY resource_id)
     SELECT j.key, sum(${MEMBER_BYTES}), sum(used.spans), approx_count_distinct(j.value::VARCHAR)
     FROM used JOIN resources AS r ON r.id = used.resource_id, json_each(r.attributes) AS j
     WHERE j.key <> ? GROUP BY j.key`,
    [...win, HINT_KEY],
  );
  const [resourceTotal] = await query(
    `SELECT coalesce(sum(strlen(r.attributes)), 0) FROM resources AS r
     WHERE r.id IN (SELECT DISTINCT resource_id FROM spans WHERE start_ns >= ? AND start_ns <= ?)`,
    win,
  );
  const spanNames = await query(
    `SELECT service, name, count(*), avg(len(list_filter(json_keys(attributes), k -> k <> chr(0)))) AS attrs
     FROM spans WHERE start_ns >= ? AND start_ns <= ? GROUP BY service, name ORDER BY attrs DESC, 3 DESC LIMIT ${TOP_SPAN_NAMES}`,
    win,
  );
  const keyRows = (scope: 'span' | 'event' | 'resource', rows: DuckDBValue[][]) =>
    rows.map((r) => ({ scope, key: r[0] as string, bytes: Number(r[1]), spans: Number(r[2]), distinct: Number(r[3]) }));
  const spanCount = services.reduce((n, r) => n + Number(r[1]), 0);
  return {
    spans: spanCount,
    firstNano: services.length > 0 ? services.reduce((m, r) => ((r[3] as bigint) < m ? (r[3] as bigint) : m), services[0]![3] as bigint) : null,
    lastNano: services.length > 0 ? services.reduce((m, r) => ((r[4] as bigint) > m ? (r[4] as bigint) : m), services[0]![4] as bigint) : null,
    storedBytes: services.reduce((n, r) => n + Number(r[2]), 0) + Number(resourceTotal?.[0] ?? 0),
    services: services.map((r) => ({ service: r[0] as string, spans: Number(r[1]), bytes: Number(r[2]) })),
    attributes: [...keyRows('span', spanKeys), ...keyRows('resource', resourceKeys), ...keyRows('event', eventKeys)].sort((a, b) => b.bytes - a.bytes),
    spanNames: spanNames.map((r) => ({ service: r[0] as string, name: r[1] as string, spans: Number(r[2]), attributesPerSpan: Number(r[3]) })),
  };
}
