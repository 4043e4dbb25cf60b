/**
 * DuckDB schema. One row per span with the columns every search and aggregation touches kept as plain, typed
 * columns (ids as integers: 16+8+8 bytes instead of 64 hex chars), and the long tail (attributes, events, links)
 * as compact JSON text compressed with ZSTD, which measured ~49 B/span against ~92 B/span for DuckDB's default
 * FSST on the same synthetic load. Resources and scopes repeat across spans, so they live once in side tables
 * keyed by a content hash. Attribute keys and a bounded sample of values per key feed autocomplete. Per-minute
 * rollups (rollups.ts) keep the dependency graph and RED fast whatever the window.
 */
export const SCHEMA_VERSION = 2;

export const DDL = [
  `CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS spans (
    trace_id UHUGEINT NOT NULL,
    span_id UBIGINT NOT NULL,
    parent_span_id UBIGINT NOT NULL,
    start_ns BIGINT NOT NULL,
    duration_ns BIGINT NOT NULL,
    service VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    kind UTINYINT NOT NULL,
    status_code UTINYINT NOT NULL,
    is_error BOOLEAN NOT NULL,
    status_message VARCHAR,
    trace_state VARCHAR,
    flags UINTEGER NOT NULL,
    resource_id UBIGINT NOT NULL,
    scope_id UBIGINT NOT NULL,
    attributes VARCHAR NOT NULL USING COMPRESSION zstd,
    events VARCHAR USING COMPRESSION zstd,
    links VARCHAR USING COMPRESSION zstd,
    dropped VARCHAR,
    -- Derived at ingest for the dependency links, so that they never parse JSON per span: the service a span
    -- names at its other end (core's remoteServiceName; version 1 files kept it for non-server spans only, with
    -- peer.service beside it).
    remote_service VARCHAR,
    peer_service VARCHAR,
    -- The ingest batch that wrote the span (increasing): rollups fold spans in batch order.
    batch_seq UBIGINT NOT NULL DEFAULT 0
  )`,
  // Version 1 files lack batch_seq: their spans get 0 and are folded into the rollups on the first pass.
  `ALTER TABLE spans ADD COLUMN IF NOT EXISTS batch_seq UBIGINT DEFAULT 0`,
  // Spans refer to these by small sequential ids (they bit-pack to a byte or two per span, where a 64-bit hash
  // would cost 8); key_hash identifies identical content across restarts.
  `CREATE TABLE IF NOT EXISTS resources (id UBIGINT NOT NULL, key_hash UBIGINT NOT NULL, service VARCHAR NOT NULL,
    attributes VARCHAR NOT NULL, dropped UINTEGER NOT NULL, schema_url VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS scopes (id UBIGINT NOT NULL, key_hash UBIGINT NOT NULL, name VARCHAR NOT NULL,
    version VARCHAR NOT NULL, attributes VARCHAR NOT NULL, dropped UINTEGER NOT NULL, schema_url VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS logs (
    time_ns BIGINT NOT NULL,
    observed_ns BIGINT NOT NULL,
    trace_id UHUGEINT,
    span_id UBIGINT,
    service VARCHAR NOT NULL,
    severity_number UTINYINT NOT NULL,
    severity_text VARCHAR,
    body VARCHAR USING COMPRESSION zstd,
    attributes VARCHAR NOT NULL USING COMPRESSION zstd,
    dropped UINTEGER NOT NULL,
    flags UINTEGER NOT NULL,
    event_name VARCHAR,
    resource_id UBIGINT NOT NULL,
    scope_id UBIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS attr_values (key VARCHAR NOT NULL, value VARCHAR NOT NULL)`,
  // Per-minute rollups. A fold pass adds the rows of the spans it folds and merges the minutes it touched into one
  // row per key (older files may hold several, which reads sum); `bucket` is a latency sketch bucket (sketch.ts),
  // with the exact extremes it saw.
  `CREATE TABLE IF NOT EXISTS rollup_edges (minute BIGINT NOT NULL, parent VARCHAR NOT NULL, child VARCHAR NOT NULL,
    parent_op VARCHAR NOT NULL, child_op VARCHAR NOT NULL, virtual BOOLEAN NOT NULL, bucket SMALLINT NOT NULL,
    calls UBIGINT NOT NULL, errors UBIGINT NOT NULL, dmin BIGINT NOT NULL, dmax BIGINT NOT NULL, example UHUGEINT NOT NULL)`,
  // RED of entry spans (server, consumer, roots) per service and operation.
  `CREATE TABLE IF NOT EXISTS rollup_red (minute BIGINT NOT NULL, service VARCHAR NOT NULL, operation VARCHAR NOT NULL,
    bucket SMALLINT NOT NULL, calls UBIGINT NOT NULL, errors UBIGINT NOT NULL, total_ns HUGEINT NOT NULL, dmin BIGINT NOT NULL,
    dmax BIGINT NOT NULL)`,
  // Every service with spans in a minute, entry spans or not (the graph's nodes).
  // `ex` is the minute's exemplar span for TraceQL counting metrics (rollups.ts EXEMPLAR_SQL).
  `CREATE TABLE IF NOT EXISTS rollup_services (minute BIGINT NOT NULL, service VARCHAR NOT NULL, spans UBIGINT NOT NULL,
    ex STRUCT(d BIGINT, t UHUGEINT, s UBIGINT, st BIGINT))`,
  // Files from before the exemplar: their minutes lack one, and counting metrics over them read the spans.
  `ALTER TABLE rollup_services ADD COLUMN IF NOT EXISTS ex STRUCT(d BIGINT, t UHUGEINT, s UBIGINT, st BIGINT)`,
  // Where trace ids lie (trace-locator.ts): a Bloom filter of the trace ids of each sealed run of ingest batches.
  `CREATE TABLE IF NOT EXISTS trace_blooms (seq_first UBIGINT NOT NULL, seq_last UBIGINT NOT NULL, min_ns BIGINT NOT NULL,
    traces UBIGINT NOT NULL, hashes UTINYINT NOT NULL, bits BLOB NOT NULL)`,
  // The first filters were built with 10 probes and stored without the count.
  `ALTER TABLE trace_blooms ADD COLUMN IF NOT EXISTS hashes UTINYINT DEFAULT 10`,
];
