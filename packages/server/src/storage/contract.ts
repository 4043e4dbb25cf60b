/**
 * The storage contract: what every engine (DuckDB, ClickHouse) offers, as small interfaces, and how an engine is
 * plugged in. Query semantics are defined here once; the conformance suite (test/storage/conformance.ts) holds
 * every engine to them. ARCHITECTURE.md describes the layers around it.
 */
import type {
  CostReport,
  CountingPlan,
  DependencyGraph,
  ExactCondition,
  IncomingLink,
  LogRecord,
  OperationInfo,
  RedResult,
  SearchResult,
  Span,
  SpanKind,
  StoreStats,
} from '@sextant/core';

export type {
  CostReport,
  DependencyEdge,
  DependencyGraph,
  DependencyNode,
  IncomingLink,
  OperationEdge,
  OperationInfo,
  Percentiles,
  RedOperation,
  RedPoint,
  RedResult,
  SearchResult,
  StoreStats,
  TraceSummary,
} from '@sextant/core';

export interface TagFilter {
  key: string;
  value: string;
}

/**
 * A trace search. Span-level filters (service, operation, spanKind, tags, min/maxDuration, errorsOnly) must all hold
 * for one and the same span; trace-level duration filters apply to the whole trace. All filters AND.
 */
export interface TraceQuery {
  service?: string;
  /**
   * The matching span was called from this service: its parent span belongs to it (traces that traverse the
   * dependency edge parentService → service).
   */
  parentService?: string;
  operation?: string;
  spanKind?: SpanKind;
  tags?: TagFilter[];
  minDurationNano?: bigint;
  maxDurationNano?: bigint;
  traceMinDurationNano?: bigint;
  traceMaxDurationNano?: bigint;
  errorsOnly?: boolean;
  /** Window on span start times, inclusive, ns since epoch. */
  startNano?: bigint;
  endNano?: bigint;
  /** Traces whose id starts with these lower-case hex digits (finding a trace from a pasted, shortened id). */
  traceIdPrefix?: string;
  /** Order of the whole match (and so of the pages): most recent first by default. */
  sort?: TraceSort;
  limit: number;
  cursor?: string;
}

export const TRACE_SORTS = ['recent', 'longest', 'shortest', 'spans', 'errors'] as const;
export type TraceSort = (typeof TRACE_SORTS)[number];

export interface RedQuery {
  service?: string;
  operation?: string;
  startNano: bigint;
  endNano: bigint;
  stepNano: bigint;
}

/** Writes canonical spans directly (tests, benchmarks, imports); ingest goes through BatchWriter instead. */
export interface TraceWriter {
  /** Resolves only when spans and logs are durable (committed). */
  write(spans: readonly Span[], logs: readonly LogRecord[]): Promise<void>;
}

/**
 * Bounds on one expensive read (a search, a graph, metrics), set by the query side (query/query-lane.ts). Past
 * `timeoutMs` the engine stops the work (DuckDB interrupts its statement) and rejects with QueryTimeoutError.
 */
export interface ReadLimits {
  timeoutMs: number;
}

/** A place in a trace's page order (start, span id, kind: the shared halves of a Zipkin span have one id). */
export interface TracePosition {
  startNano: bigint;
  spanId: string;
  kind: number;
}

export interface TraceReader {
  /**
   * The stored spans of a trace, ordered by start time; empty if unknown. With `maxSpans`, at most that many: the
   * earliest (the API asks one more than its cap, to know whether it truncated).
   */
  getTrace(traceId: string, maxSpans?: number): Promise<Span[]>;
  /**
   * Optional: the trace's next `limit` spans after `after` (null: from its first), by (start, span id, kind), so that a
   * big trace can be streamed a page at a time instead of held whole. Engines without it are read whole.
   */
  getTracePage?(traceId: string, after: TracePosition | null, limit: number): Promise<Span[]>;
  getTraces(traceIds: readonly string[]): Promise<Map<string, Span[]>>;
  searchTraces(q: TraceQuery, limits?: ReadLimits): Promise<SearchResult>;
  getLogs(traceId: string): Promise<LogRecord[]>;
  services(): Promise<string[]>;
  operations(service?: string): Promise<(OperationInfo & { service: string })[]>;
  attributeKeys(): Promise<string[]>;
  attributeValues(key: string): Promise<string[]>;
}

/** A log search (`GET /api/v1/logs`). All filters AND; the most recent lines first. */
export interface LogQuery {
  /** Window on the line's time (its observed time when it has none), inclusive, ns since epoch. */
  startNano: bigint;
  endNano: bigint;
  /** The resource's service.name. */
  service?: string;
  /** Lines at least this severe: an OTLP severity number (1–24; 9 INFO, 13 WARN, 17 ERROR, 21 FATAL). */
  minSeverity?: number;
  /** A case-insensitive substring of the body (of its text form, for a structured body). */
  text?: string;
  /** key=value on the line's attributes or its resource's attributes, typed as in trace search. */
  attributes?: TagFilter[];
  /** Only the lines of this trace. */
  traceId?: string;
  limit: number;
  /** Lines at exactly `endNano` already shown (a cursor's count): left out, in the engine's order. */
  skip?: number;
}

export interface LogSearchResult {
  logs: LogRecord[];
  /** More lines matched than `limit`: the answer holds the most recent ones. */
  more: boolean;
  /** Where the next (older) page starts, when `more`: a window ending at `endNano`, skipping `skip` lines there. */
  next: { endNano: bigint; skip: number } | null;
}

/** Most lines one log search returns, and the longest text it may look for. */
export const MAX_LOG_LIMIT = 1000;
export const MAX_LOG_TEXT = 1000;
/** Most lines of one timestamp a cursor may skip: far above real logs, low enough that a forged cursor stays cheap. */
export const MAX_LOG_SKIP = 100_000;

/** The limits every engine applies to a log search before running it; QueryError (400) past them. */
export function checkLogQuery(q: LogQuery): void {
  const n = q.attributes?.length ?? 0;
  if (n > MAX_TAG_FILTERS) throw new QueryError(`a log search may have at most ${MAX_TAG_FILTERS} attribute filters; this one has ${n}`);
  if ((q.text?.length ?? 0) > MAX_LOG_TEXT) throw new QueryError(`text: at most ${MAX_LOG_TEXT} characters`);
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LOG_LIMIT) throw new QueryError(`limit: a whole number from 1 to ${MAX_LOG_LIMIT}`);
  const skip = q.skip ?? 0;
  if (!Number.isInteger(skip) || skip < 0 || skip > MAX_LOG_SKIP) throw new QueryError(`cursor: skips at most ${MAX_LOG_SKIP} lines`);
}

/** Most incoming links one lookup returns. */
export const MAX_INCOMING_LINKS = 200;

export interface LogAndLinkReader {
  searchLogs(q: LogQuery): Promise<LogSearchResult>;
  /**
   * Spans of other traces that link to a span of `traceId`, most recent first, at most `limit`, among the spans that
   * started in `window` (inclusive, ns): a bound on the scan, as links are not indexed.
   */
  linksTo(traceId: string, limit: number, window: { startNano: bigint; endNano: bigint }): Promise<IncomingLink[]>;
}

export interface DependencyReader {
  /** The service (and operation) dependency graph of spans started in [startNano, endNano]. */
  dependencies(startNano: bigint, endNano: bigint, limits?: ReadLimits): Promise<DependencyGraph>;
}

export interface MetricsReader {
  /** Rate, errors and duration of entry spans (server, consumer, roots). */
  red(q: RedQuery, limits?: ReadLimits): Promise<RedResult>;
}

/** A TraceQL counting plan (core's countingPlan) over a time range, counted per step by the engine. */
export interface SpanCountQuery {
  conditions: ExactCondition[];
  groupBy: CountingPlan['groupBy'];
  /** Spans with start in [startNano, endNano); step i starts at firstStepNano + i·stepNano. */
  startNano: bigint;
  endNano: bigint;
  firstStepNano: bigint;
  stepNano: bigint;
}

export interface SpanCountRow {
  step: number;
  /** Group values in groupBy order: strings for service and name, numbers for kind, status and the bucket (ns). */
  keys: (string | number)[];
  count: number;
  /** The slowest span of the group and step. */
  exemplar: { traceId: string; spanId: string; startNano: bigint; durationNano: number };
}

/**
 * The TraceQL reader capability. TraceQL runs on every engine through TraceReader (the pushed-down span
 * conditions become a TraceQuery, the evaluator reads the candidate traces); an engine that offers countSpans
 * also answers counting metrics (`{ exact conditions } | rate() by(columns)`) in one scan, with no bound.
 * `services` and the span columns mean what they mean in TraceQuery; `status` is the OTLP status code.
 */
export interface TraceQLReader {
  countSpans?(q: SpanCountQuery, limits?: ReadLimits): Promise<SpanCountRow[]>;
}

export interface Maintenance {
  stats(limits?: ReadLimits): Promise<StoreStats>;
  /** Deletes the oldest data until it is younger than maxAgeNano and smaller than maxBytes. */
  enforceRetention(maxAgeNano: bigint | null, maxBytes: number | null): Promise<{ deletedSpans: number }>;
  /** Finishes what was accepted and releases the engine. */
  close(): Promise<void>;
}

/** Everything the query side reads: what the HTTP API and query/ depend on. */
export interface SpanStore extends TraceWriter, TraceReader, LogAndLinkReader, DependencyReader, MetricsReader, TraceQLReader, Maintenance {}

/** A batch of spans in an engine's own write form (columns, rows...): `n` spans. */
export interface EncodedBatch {
  readonly n: number;
}

/**
 * Turns canonical spans into the engine's write form. Runs on the thread that received the request, so that
 * decoding and encoding share the machine with the store's own work.
 */
export interface BatchEncoder<B extends EncodedBatch> {
  encode(spans: readonly Span[]): B;
  /** Buffers of a batch that may be moved (not copied) to the store's thread. */
  transferables(batch: B): ArrayBuffer[];
}

/** Commits encoded batches; where ingest's group commit writes. */
export interface BatchWriter<B extends EncodedBatch> {
  /** One transaction (or one acknowledged insert) for everything given: durable when it resolves. */
  writeBatches(batches: readonly B[], logs: readonly LogRecord[]): Promise<void>;
}

/** An open engine: the store and its ingest writer. */
export interface StorageBackend<B extends EncodedBatch = EncodedBatch> extends SpanStore, BatchWriter<B> {
  /** Where the data lives, for people (a file path, a URL without credentials); null when in memory. */
  readonly location: string | null;
}

export interface StorageCapabilities {
  /**
   * The engine does its own heavy work in process (DuckDB): it runs in a worker thread of its own so that the
   * receiving thread stays free. An engine that only talks to a server runs on the main thread.
   */
  ownThread: boolean;
  /** enforceRetention can bound the size on disk (maxBytes); otherwise only by age. */
  sizeRetention: boolean;
  /** How many writeBatches calls may run at once (one commits while the next appends). */
  concurrentWrites: number;
  /** The backend implements CostReader (what stored traces cost); the API answers 501 for engines without it. */
  costs: boolean;
}

/** The cost capability (`StorageCapabilities.costs`). */
export interface CostReader {
  costReport(startNano: bigint, endNano: bigint, limits?: ReadLimits): Promise<CostReport>;
}

/** Options every engine understands; each engine adds its own (connection URL, data directory...). */
export interface CommonStorageOptions {
  /** Maximum age of stored data in ns (null: keep forever). */
  retentionNano: bigint | null;
  /** Maximum stored size in bytes (null: unbounded), where the engine supports it. */
  maxSizeBytes: number | null;
  /** How often background retention runs. */
  retentionIntervalMs: number;
}

/**
 * How an engine is plugged in (storage/engines.ts lists them). Options must be plain data: an engine with
 * `ownThread` is opened inside a worker thread from them.
 */
export interface StorageEngine<B extends EncodedBatch = EncodedBatch, O extends CommonStorageOptions = CommonStorageOptions> {
  readonly name: string;
  readonly capabilities: StorageCapabilities;
  createEncoder(): BatchEncoder<B>;
  open(options: O): Promise<StorageBackend<B>>;
}

/** A query that cannot be answered as asked (bad cursor etc.): the API maps it to 400. */
export class QueryError extends Error {
  override name = 'QueryError';
}

/**
 * Most attribute filters one search may carry. Each is a condition on every candidate span; hundreds of them make
 * one query run for many seconds (and hold back everything queued behind it), so more is refused up front.
 */
export const MAX_TAG_FILTERS = 32;

/** The limits every engine applies to a search before running it; QueryError (400) past them. */
export function checkSearchLimits(q: TraceQuery): void {
  const n = q.tags?.length ?? 0;
  if (n > MAX_TAG_FILTERS) throw new QueryError(`a search may have at most ${MAX_TAG_FILTERS} attribute filters; this one has ${n}`);
}

/** The engine cannot be reached right now (a server down, a connection refused): a retryable answer (503). */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

/** An expensive read ran past its ReadLimits and was stopped: the API answers 504 naming --query-timeout. */
export class QueryTimeoutError extends Error {
  override name = 'QueryTimeoutError';
}
