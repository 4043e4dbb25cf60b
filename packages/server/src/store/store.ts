/** The store contract: query semantics are defined here once, whatever engine sits behind them. */
import type { CountingPlan, ExactCondition, LogRecord, Span, SpanKind } from '@sextant/core';

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
  /**
   * TraceQL reader capability: spans counted per step and group for a counting plan, in the engine. Optional:
   * without it TraceQL metrics are evaluated over candidate traces (bounded).
   */
  countSpans?(q: SpanCountQuery): Promise<SpanCountRow[]>;
  stats(): Promise<StoreStats>;
  /** Deletes the oldest data until it is younger than maxAgeNano and smaller than maxBytes. */
  enforceRetention(maxAgeNano: bigint | null, maxBytes: number | null): Promise<{ deletedSpans: number }>;
  close(): Promise<void>;
}

/** Thrown for a query that cannot be answered as asked (bad cursor etc.): the API maps it to 400. */
export class QueryError extends Error {}
