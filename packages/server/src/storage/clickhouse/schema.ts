/**
 * DDL for the ClickHouse backend. The contrib tables (otel_traces, otel_traces_trace_id_ts and its view,
 * otel_logs) are the OpenTelemetry Collector `clickhouseexporter`'s, column for column, so that Sextant and a
 * Collector can share one database (facts from the exporter's internal/sqltemplates and its render tests).
 * Sextant's own tables sit beside them under a `sextant_` prefix, filled by materialised views or by Sextant's
 * linking pass; the contrib tables are never altered.
 */

export interface SchemaOptions {
  database: string;
  /** `ON CLUSTER` name; with it the tables become Replicated* and reads/writes go through Distributed tables. */
  cluster: string | null;
  /** Data younger than this is kept (ns); null keeps forever. */
  retentionNano: bigint | null;
  /** ClickHouse >= 26.2 has text indexes; the exporter uses them there instead of bloom filters. */
  fullTextSearch: boolean;
}

/** The first server version whose exporter DDL uses text indexes. */
export const FULL_TEXT_SEARCH_VERSION = [26, 2] as const;

export function hasFullTextSearch(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > FULL_TEXT_SEARCH_VERSION[0] || (major === FULL_TEXT_SEARCH_VERSION[0] && minor >= FULL_TEXT_SEARCH_VERSION[1]);
}

export const ident = (name: string): string => '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';

/** Names of the tables Sextant reads and writes. In cluster mode these are the Distributed tables. */
export const TABLES = {
  traces: 'otel_traces',
  traceIdTs: 'otel_traces_trace_id_ts',
  traceIdTsView: 'otel_traces_trace_id_ts_mv',
  logs: 'otel_logs',
  attributeKeys: 'sextant_attribute_keys',
  attributeKeysView: 'sextant_attribute_keys_mv',
  // Earlier versions kept RED in sextant_red_1m, filled by the view sextant_red_1m_mv; they are no longer read.
  red: 'sextant_red_distinct_1m',
  dependencies: 'sextant_dependencies_1m',
  attributeTypes: 'sextant_attribute_types',
} as const;

/** The local (per-shard) table behind a Distributed one in cluster mode. */
export const LOCAL_SUFFIX = '_local';

/** The exporter's TTL clause: the largest whole unit that divides the retention. */
export function ttlClause(retentionNano: bigint | null, timeExpr: string): string {
  if (retentionNano === null || retentionNano <= 0n) return '';
  const s = retentionNano / 1_000_000_000n;
  const units: [bigint, string][] = [[86_400n, 'Day'], [3_600n, 'Hour'], [60n, 'Minute']];
  for (const [size, unit] of units) if (s % size === 0n) return `TTL ${timeExpr} + toInterval${unit}(${s / size})`;
  return `TTL ${timeExpr} + toIntervalSecond(${s > 0n ? s : 1n})`;
}

interface Target {
  /** The table the rows are stored in (local in cluster mode). */
  stored: string;
  onCluster: string;
  engine: (kind: '' | 'Aggregating' | 'Summing' | 'Replacing') => string;
}

function target(o: SchemaOptions, name: string): Target {
  const stored = o.cluster ? name + LOCAL_SUFFIX : name;
  return {
    stored: `${ident(o.database)}.${ident(stored)}`,
    onCluster: o.cluster ? `ON CLUSTER ${ident(o.cluster)}` : '',
    engine: (kind) =>
      o.cluster
        ? `Replicated${kind}MergeTree('/clickhouse/tables/{shard}/{database}/${stored}', '{replica}')`
        : `${kind}MergeTree()`,
  };
}

/** In cluster mode, the Distributed table over a local one, sharded as given. */
function distributed(o: SchemaOptions, name: string, shardingKey: string): string[] {
  if (!o.cluster) return [];
  const db = ident(o.database);
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.${ident(name)} ON CLUSTER ${ident(o.cluster)} AS ${db}.${ident(name + LOCAL_SUFFIX)}
ENGINE = Distributed(${ident(o.cluster)}, ${db}, ${ident(name + LOCAL_SUFFIX)}, ${shardingKey})`,
  ];
}

function tracesTable(o: SchemaOptions): string {
  const t = target(o, TABLES.traces);
  const indexes = o.fullTextSearch
    ? `    INDEX idx_trace_id TraceId TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_items ResourceAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_span_attr_items SpanAttributeItems TYPE text(tokenizer = 'array'),`
    : `    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,`;
  return `CREATE TABLE IF NOT EXISTS ${t.stored} ${t.onCluster} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
${indexes}
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = ${t.engine('')}
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
${ttlClause(o.retentionNano, 'toDateTime(Timestamp)')}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;
}

function traceIdTsTable(o: SchemaOptions): string {
  const t = target(o, TABLES.traceIdTs);
  return `CREATE TABLE IF NOT EXISTS ${t.stored} ${t.onCluster} (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = ${t.engine('Aggregating')}
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
${ttlClause(o.retentionNano, 'toDateTime(Start)')}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;
}

/**
 * Materialised views read the table the rows are inserted into: the local table in cluster mode (a Distributed
 * insert lands there on each shard), so every shard keeps its own lookup rows and aggregates.
 */
function view(o: SchemaOptions, name: string, to: string, select: string): string {
  const db = ident(o.database);
  const suffix = o.cluster ? LOCAL_SUFFIX : '';
  const on = o.cluster ? `ON CLUSTER ${ident(o.cluster)}` : '';
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${ident(name + suffix)} ${on}
TO ${db}.${ident(to + suffix)}
AS ${select.replaceAll('{traces}', `${db}.${ident(TABLES.traces + suffix)}`)}`;
}

function traceIdTsView(o: SchemaOptions): string {
  return view(o, TABLES.traceIdTsView, TABLES.traceIdTs, `SELECT
    TraceId,
    min(toDateTime(Timestamp)) AS Start,
    max(toDateTime(Timestamp)) AS End
FROM {traces}
WHERE TraceId != ''
GROUP BY TraceId`);
}

function logsTable(o: SchemaOptions): string {
  const t = target(o, TABLES.logs);
  const materialized = [
    'k8s.cluster.name',
    'k8s.container.name',
    'k8s.deployment.name',
    'k8s.namespace.name',
    'k8s.node.name',
    'k8s.pod.name',
    'k8s.pod.uid',
    'deployment.environment.name',
  ]
    .map((k) => `    ${ident(`__otel_materialized_${k}`)} LowCardinality(String) MATERIALIZED ResourceAttributes['${k}'] CODEC(ZSTD(1)),`)
    .join('\n');
  const indexes = o.fullTextSearch
    ? `    INDEX idx_trace_id TraceId TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_lower_body lower(Body) TYPE text(tokenizer = 'splitByNonAlpha')`
    : `    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_lower_body lower(Body) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8`;
  return `CREATE TABLE IF NOT EXISTS ${t.stored} ${t.onCluster} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    EventName String CODEC(ZSTD(1)),
${materialized}
${indexes}
) ENGINE = ${t.engine('')}
PARTITION BY toDate(Timestamp)
ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)
${ttlClause(o.retentionNano, 'toDateTime(Timestamp)')}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;
}

/**
 * The spans RED counts (a service's entry spans: server, consumer and roots), in both enum spellings: current
 * exporters write `Server`, older ones `SPAN_KIND_SERVER`.
 */
export const ENTRY_SPAN = `(SpanKind IN ('Server', 'Consumer', 'SPAN_KIND_SERVER', 'SPAN_KIND_CONSUMER') OR ParentSpanId = '')`;
export const IS_ERROR = `(StatusCode IN ('Error', 'STATUS_CODE_ERROR'))`;

/**
 * Attribute keys and up to 200 of their values per day, for autocomplete: bounded per key however many distinct
 * values (ids, timestamps) a key has, and never a scan of the spans.
 */
function attributeKeysTable(o: SchemaOptions): string {
  const t = target(o, TABLES.attributeKeys);
  return `CREATE TABLE IF NOT EXISTS ${t.stored} ${t.onCluster} (
    Day Date CODEC(ZSTD(1)),
    Key LowCardinality(String) CODEC(ZSTD(1)),
    Values AggregateFunction(groupUniqArray(200), String)
) ENGINE = ${t.engine('Aggregating')}
PARTITION BY Day
ORDER BY (Key, Day)
${ttlClause(o.retentionNano, 'Day')}
SETTINGS ttl_only_drop_parts = 1`;
}

function attributeKeysView(o: SchemaOptions): string {
  // Values longer than 200 characters are ids or payloads, not something to pick from a list ('' is dropped on read).
  return view(o, TABLES.attributeKeysView, TABLES.attributeKeys, `SELECT toDate(Timestamp) AS Day, kv.1 AS Key,
    groupUniqArrayState(200)(if(length(kv.2) <= 200, kv.2, '')) AS Values
FROM {traces}
ARRAY JOIN arrayConcat(CAST(SpanAttributes, 'Array(Tuple(String, String))'), CAST(ResourceAttributes, 'Array(Tuple(String, String))')) AS kv
GROUP BY Day, Key`);
}

/** Each attribute key's value types as Sextant wrote them (attribute-types.ts); a few rows per key, ever. */
function attributeTypesTable(o: SchemaOptions): string {
  const t = target(o, TABLES.attributeTypes);
  return `CREATE TABLE IF NOT EXISTS ${t.stored} ${t.onCluster} (
    Key String CODEC(ZSTD(1)),
    Type LowCardinality(String) CODEC(ZSTD(1))
) ENGINE = ${t.engine('Replacing')}
ORDER BY (Key, Type)`;
}

/**
 * RED per service, operation and minute of entry spans, each span counted once (a span re-sent to the exporter's
 * plain MergeTree is stored twice): written by the linking pass (dependencies.ts) from the distinct spans it
 * loads, not by a materialised view, which sees each insert alone and would count a re-sent span again. Latency
 * is the shared sketch (stored/sketch.ts): calls per bucket with each bucket's exact extremes, summed at query
 * time. Inserts carry a per-minute deduplication token, as the dependency table's do.
 */
function redTable(o: SchemaOptions): string {
  const t = target(o, TABLES.red);
  return `CREATE TABLE IF NOT EXISTS ${t.stored} ${t.onCluster} (
    Minute DateTime CODEC(Delta, ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    Calls SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Errors SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    TotalDuration SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Latency SimpleAggregateFunction(sumMap, Map(Int16, UInt64)) CODEC(ZSTD(1)),
    LatencyMin SimpleAggregateFunction(minMap, Map(Int16, UInt64)) CODEC(ZSTD(1)),
    LatencyMax SimpleAggregateFunction(maxMap, Map(Int16, UInt64)) CODEC(ZSTD(1))
) ENGINE = ${t.engine('Aggregating')}
PARTITION BY toDate(Minute)
ORDER BY (Minute, ServiceName, SpanName)
${ttlClause(o.retentionNano, 'Minute')}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 100000`;
}

/**
 * Service and operation edges per minute, written by Sextant's background linking pass (dependencies.ts), which
 * aggregates in JavaScript: so latency is a log-bucket histogram (bucket → calls) that Sextant can build and
 * ClickHouse can sum, rather than a sketch state only ClickHouse can make. Inserts carry a per-minute
 * deduplication token, which this table honours even unreplicated.
 */
function dependenciesTable(o: SchemaOptions): string {
  const t = target(o, TABLES.dependencies);
  return `CREATE TABLE IF NOT EXISTS ${t.stored} ${t.onCluster} (
    Minute DateTime CODEC(Delta, ZSTD(1)),
    Parent LowCardinality(String) CODEC(ZSTD(1)),
    Child LowCardinality(String) CODEC(ZSTD(1)),
    ParentOperation LowCardinality(String) CODEC(ZSTD(1)),
    ChildOperation LowCardinality(String) CODEC(ZSTD(1)),
    Calls SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Errors SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Latency SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)) CODEC(ZSTD(1)),
    ExampleTraceId SimpleAggregateFunction(min, String) CODEC(ZSTD(1))
) ENGINE = ${t.engine('Aggregating')}
PARTITION BY toDate(Minute)
ORDER BY (Minute, Parent, Child, ParentOperation, ChildOperation)
${ttlClause(o.retentionNano, 'Minute')}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 100000`;
}

/** The contrib tables in the exporter's order: traces, the trace-id lookup and its view, logs. */
export function contribDdl(o: SchemaOptions): string[] {
  return [
    tracesTable(o),
    ...distributed(o, TABLES.traces, 'cityHash64(TraceId)'),
    traceIdTsTable(o),
    ...distributed(o, TABLES.traceIdTs, 'cityHash64(TraceId)'),
    traceIdTsView(o),
    logsTable(o),
    ...distributed(o, TABLES.logs, 'cityHash64(TraceId)'),
  ];
}

/**
 * Tables that exist are never altered, so a `--retention` other than the TTL an existing table was made with is
 * not applied: one warning per such table, with the statement that would apply it. `ddl` is what Sextant would
 * have created (its TTL clause is what --retention asks for); `tables` is system.tables' name and engine_full.
 */
export function ttlWarnings(o: SchemaOptions, ddl: readonly string[], tables: readonly { name: string; engine_full: string }[]): string[] {
  const warnings: string[] = [];
  const squash = (t: string) => t.replace(/\s+/g, '');
  for (const statement of ddl) {
    const name = /^CREATE TABLE IF NOT EXISTS `[^`]+`\.`([^`]+)`/.exec(statement)?.[1];
    // The tables that take a TTL are made to drop whole parts (views and Distributed tables are not).
    if (name === undefined || !statement.includes('ttl_only_drop_parts')) continue;
    const table = tables.find((t) => t.name === name);
    if (!table) continue;
    const wanted = /\nTTL ([^\n]+)/.exec(statement)?.[1] ?? null;
    const has = /\bTTL (.+?)(?: SETTINGS |$)/.exec(table.engine_full)?.[1] ?? null;
    if (squash(wanted ?? '') === squash(has ?? '')) continue;
    const qualified = `${ident(o.database)}.${ident(name)}`;
    const fix = wanted === null ? `ALTER TABLE ${qualified} REMOVE TTL` : `ALTER TABLE ${qualified} MODIFY TTL ${wanted}`;
    warnings.push(`${qualified} has ${has === null ? 'no TTL (rows are kept until deleted)' : `TTL ${has}`}, --retention asks for ${wanted === null ? 'none' : `TTL ${wanted}`}; to apply it: ${fix}`);
  }
  return warnings;
}

/** Sextant's own tables and the views that fill them (they need otel_traces to exist). */
export function sextantDdl(o: SchemaOptions): string[] {
  return [
    attributeKeysTable(o),
    ...distributed(o, TABLES.attributeKeys, 'rand()'),
    attributeKeysView(o),
    redTable(o),
    ...distributed(o, TABLES.red, 'rand()'),
    dependenciesTable(o),
    ...distributed(o, TABLES.dependencies, 'rand()'),
    attributeTypesTable(o),
    ...distributed(o, TABLES.attributeTypes, 'rand()'),
  ];
}

export function databaseDdl(o: SchemaOptions): string {
  return `CREATE DATABASE IF NOT EXISTS ${ident(o.database)}${o.cluster ? ` ON CLUSTER ${ident(o.cluster)}` : ''}`;
}
