/**
 * What the query side of a Sextant server answers, in the model's own types (nanoseconds as bigint). The server's
 * storage contract returns these; the HTTP API serialises them (bigints as decimal strings), and the web UI
 * derives its JSON types from them, so each result has one definition.
 */
import type { SpanKind } from './model.js';

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

/** A span of another trace whose links point at a trace: the way back along a span link. */
export interface IncomingLink {
  traceId: string;
  spanId: string;
  service: string;
  name: string;
  startUnixNano: bigint;
  /** The span of the linked-to trace that the link names. */
  linkedSpanId: string;
}

export interface OperationInfo {
  name: string;
  spanKind: SpanKind;
}

/** Latency percentiles of a set of durations. */
export interface Percentiles {
  p50Nano: bigint;
  p95Nano: bigint;
  p99Nano: bigint;
}

export interface DependencyEdge extends Percentiles {
  parent: string;
  child: string;
  callCount: number;
  errorCount: number;
  exampleTraceId: string;
}

export interface OperationEdge extends DependencyEdge {
  parentOperation: string;
  childOperation: string;
}

export interface DependencyNode {
  service: string;
  callCount: number;
  errorCount: number;
  /** Named by its callers only (a database, a queue, an uninstrumented service). */
  virtual: boolean;
}

export interface DependencyGraph {
  nodes: DependencyNode[];
  edges: DependencyEdge[];
  operationEdges: OperationEdge[];
}

export interface RedPoint extends Percentiles {
  t: bigint;
  count: number;
  errorCount: number;
}

export interface RedOperation extends Percentiles {
  service: string;
  operation: string;
  count: number;
  errorCount: number;
  totalNano: bigint;
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
