/** The store contract: query semantics are defined here once, whatever engine sits behind them. */
import type { LogRecord, Span, SpanKind } from '@sextant/core';

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
  limit: number;
  cursor?: string;
}

export interface TraceSummary {
  traceId: string;
  rootService: string;
  rootName: string;
  startUnixNano: bigint;
  durationNano: bigint;
  spanCount: number;
  errorCount: number;
  /** Spans whose parent is not in the stored trace (broken propagation or not yet arrived). */
  orphanCount: number;
  services: { name: string; spanCount: number; errorCount: number }[];
}

export interface SearchResult {
  traces: TraceSummary[];
  nextCursor: string | null;
}

export interface OperationInfo {
  name: string;
  spanKind: SpanKind;
}

export interface DependencyEdge {
  parent: string;
  child: string;
  callCount: number;
  errorCount: number;
  p50Nano: bigint;
  p95Nano: bigint;
  p99Nano: bigint;
  exampleTraceId: string;
}

export interface OperationEdge extends DependencyEdge {
  parentOperation: string;
  childOperation: string;
}

export interface DependencyGraph {
  nodes: { service: string; callCount: number; errorCount: number; virtual: boolean }[];
  edges: DependencyEdge[];
  operationEdges: OperationEdge[];
}

export interface RedPoint {
  t: bigint;
  count: number;
  errorCount: number;
  p50Nano: bigint;
  p95Nano: bigint;
  p99Nano: bigint;
}

export interface RedOperation {
  service: string;
  operation: string;
  count: number;
  errorCount: number;
  p50Nano: bigint;
  p95Nano: bigint;
  p99Nano: bigint;
  totalNano: bigint;
}

export interface RedQuery {
  service?: string;
  operation?: string;
  startNano: bigint;
  endNano: bigint;
  stepNano: bigint;
}

export interface RedResult {
  series: RedPoint[];
  operations: RedOperation[];
}

export interface StoreStats {
  spans: number;
  traces: number;
  logs: number;
  bytes: number;
}

export interface SpanStore {
  /** Resolves only when spans and logs are durable (committed). */
  write(spans: readonly Span[], logs: readonly LogRecord[]): Promise<void>;
  /** All stored spans of a trace; empty if unknown. */
  getTrace(traceId: string): Promise<Span[]>;
  getTraces(traceIds: readonly string[]): Promise<Map<string, Span[]>>;
  searchTraces(q: TraceQuery): Promise<SearchResult>;
  getLogs(traceId: string): Promise<LogRecord[]>;
  services(): Promise<string[]>;
  operations(service?: string): Promise<(OperationInfo & { service: string })[]>;
  attributeKeys(): Promise<string[]>;
  attributeValues(key: string): Promise<string[]>;
  dependencies(startNano: bigint, endNano: bigint): Promise<DependencyGraph>;
  red(q: RedQuery): Promise<RedResult>;
  stats(): Promise<StoreStats>;
  /** Deletes the oldest data until it is younger than maxAgeNano and smaller than maxBytes. */
  enforceRetention(maxAgeNano: bigint | null, maxBytes: number | null): Promise<{ deletedSpans: number }>;
  close(): Promise<void>;
}

/** What the stored spans of a window cost (see storage costs.ts for how bytes are counted). */
export interface CostReport {
  spans: number;
  /** First and last span start in the window (null when it is empty). */
  firstNano: bigint | null;
  lastNano: bigint | null;
  /** Bytes of span data in the window, uncompressed: the spans' rows plus the resources they use, once each. */
  storedBytes: number;
  services: { service: string; spans: number; bytes: number }[];
  /** Per attribute key and where it lives; `spans` carry it, `distinct` values are estimated (a sketch). */
  attributes: { scope: 'span' | 'resource' | 'event'; key: string; bytes: number; spans: number; distinct: number }[];
  /** The span names with the most attributes per span. */
  spanNames: { service: string; name: string; spans: number; attributesPerSpan: number }[];
}

/**
 * An engine capability: the cost of stored traces. Engines that cannot compute it do not implement it, and the
 * API says so (501) instead of guessing.
 */
export interface CostReader {
  costReport(startNano: bigint, endNano: bigint): Promise<CostReport>;
}

/** Thrown for a query that cannot be answered as asked (bad cursor etc.): the API maps it to 400. */
export class QueryError extends Error {}
