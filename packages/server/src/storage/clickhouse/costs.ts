/**
 * What stored traces cost, over otel_traces rows in a window: bytes per service and per attribute key (span,
 * resource and event attributes), distinct values per key (ClickHouse's uniq, an adaptive sketch), the share of
 * spans carrying each key, and the span names with the most attributes.
 *
 * Bytes are those of the row's values before compression: the bytes of each text column (ids are hex text in
 * this schema), 8 for each time and for the duration, and for each map member its key and value text. The
 * exporter's table keeps a span's resource attributes in every row, so a resource key costs its bytes in every
 * span that carries it. Rows are counted as stored: a span the exporter's table got twice is paid for twice.
 * Compression shrinks all of them; shares of these bytes are what dropping a key changes.
 */
import type { CostReport } from '../contract.js';
import { ident, TABLES } from './schema.js';
import { Params } from './search.js';

type Rows = <T>(sql: string, params: Record<string, unknown>) => Promise<T[]>;

const TOP_SPAN_NAMES = 20;
const mapBytes = (m: string) => `arraySum(arrayMap((k, v) -> length(k) + length(v), mapKeys(${m}), mapValues(${m})))`;
const textBytes = (column: string) => `arraySum(arrayMap(x -> length(x), ${column}))`;
/** Timestamp and Duration, then the text columns, maps, events and links of one row. */
const ROW_BYTES = `16 + length(TraceId) + length(SpanId) + length(ParentSpanId) + length(TraceState) + length(SpanName)
  + length(SpanKind) + length(ServiceName) + length(ScopeName) + length(ScopeVersion) + length(StatusCode) + length(StatusMessage)
  + ${mapBytes('SpanAttributes')} + ${mapBytes('ResourceAttributes')}
  + 8 * length(Events.Timestamp) + ${textBytes('Events.Name')} + arraySum(arrayMap(m -> ${mapBytes('m')}, Events.Attributes))
  + ${textBytes('Links.TraceId')} + ${textBytes('Links.SpanId')} + ${textBytes('Links.TraceState')}
  + arraySum(arrayMap(m -> ${mapBytes('m')}, Links.Attributes))`;

interface KeyRow {
  key: string;
  bytes: string;
  spans: string;
  distinct_values: string;
}

export async function costReport(rows: Rows, db: string, startNano: bigint, endNano: bigint): Promise<CostReport> {
  const p = new Params();
  const window = `Timestamp >= fromUnixTimestamp64Nano(${p.p(startNano, 'Int64')}) AND Timestamp <= fromUnixTimestamp64Nano(${p.p(endNano, 'Int64')})`;
  const from = `${db}.${ident(TABLES.traces)}`;
  const keysOf = (map: string) =>
    rows<KeyRow>(
      `SELECT k AS key, toString(sum(length(k) + length(v))) AS bytes, toString(count()) AS spans, toString(uniq(v)) AS distinct_values
       FROM ${from} ARRAY JOIN mapKeys(${map}) AS k, mapValues(${map}) AS v WHERE ${window} GROUP BY k`,
      p.values,
    );
  const [services, spanKeys, resourceKeys, eventKeys, spanNames] = await Promise.all([
    rows<{ service: string; spans: string; bytes: string; first: string; last: string }>(
      `SELECT ServiceName AS service, toString(count()) AS spans, toString(sum(${ROW_BYTES})) AS bytes,
         toString(min(toUnixTimestamp64Nano(Timestamp))) AS first, toString(max(toUnixTimestamp64Nano(Timestamp))) AS last
       FROM ${from} WHERE ${window} GROUP BY service ORDER BY sum(${ROW_BYTES}) DESC, service`,
      p.values,
    ),
    keysOf('SpanAttributes'),
    keysOf('ResourceAttributes'),
    rows<KeyRow>(
      `SELECT k AS key, toString(sum(length(k) + length(v))) AS bytes, toString(uniqExact(TraceId, SpanId)) AS spans, toString(uniq(v)) AS distinct_values
       FROM ${from} ARRAY JOIN Events.Attributes AS ea ARRAY JOIN mapKeys(ea) AS k, mapValues(ea) AS v WHERE ${window} GROUP BY k`,
      p.values,
    ),
    rows<{ service: string; name: string; spans: string; attrs: number }>(
      `SELECT ServiceName AS service, SpanName AS name, toString(count()) AS spans, avg(length(SpanAttributes)) AS attrs
       FROM ${from} WHERE ${window} GROUP BY service, name ORDER BY attrs DESC, count() DESC LIMIT ${TOP_SPAN_NAMES}`,
      p.values,
    ),
  ]);
  const keyRows = (scope: 'span' | 'event' | 'resource', list: KeyRow[]) =>
    list.map((r) => ({ scope, key: r.key, bytes: Number(r.bytes), spans: Number(r.spans), distinct: Number(r.distinct_values) }));
  const firsts = services.map((r) => BigInt(r.first));
  const lasts = services.map((r) => BigInt(r.last));
  return {
    spans: services.reduce((n, r) => n + Number(r.spans), 0),
    firstNano: firsts.length > 0 ? firsts.reduce((m, x) => (x < m ? x : m)) : null,
    lastNano: lasts.length > 0 ? lasts.reduce((m, x) => (x > m ? x : m)) : null,
    storedBytes: services.reduce((n, r) => n + Number(r.bytes), 0),
    services: services.map((r) => ({ service: r.service, spans: Number(r.spans), bytes: Number(r.bytes) })),
    attributes: [...keyRows('span', spanKeys), ...keyRows('resource', resourceKeys), ...keyRows('event', eventKeys)].sort((a, b) => b.bytes - a.bytes),
    spanNames: spanNames.map((r) => ({ service: r.service, name: r.name, spans: Number(r.spans), attributesPerSpan: Number(r.attrs) })),
  };
}
