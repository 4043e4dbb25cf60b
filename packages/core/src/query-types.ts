/**
 * What the query side of a Sextant server answers, in the model's own types (nanoseconds as bigint). The server's
 * storage contract returns these; the HTTP API serialises them (bigints as decimal strings), and the web UI
 * derives its JSON types from them, so each result has one definition.
 */
import type { CohortComparison } from './analysis/cohort.js';
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

/**
 * A query type as the HTTP API carries it in JSON: nanosecond bigints become decimal strings (the API's reply
 * serialiser does exactly this), everything else is unchanged. Clients of the API use `Wire<T>` instead of
 * restating the shapes.
 */
export type Wire<T> = T extends bigint
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

/** The API adds rates derived from the counts (see the server's query figures). */
export interface Rated {
  /** errorCount / count, 0 when count is 0. */
  errorRate: number;
}

/** GET /api/v1/dependencies. */
export interface DependencyFigures {
  nodes: DependencyNode[];
  edges: (DependencyEdge & Rated)[];
  operationEdges: (OperationEdge & Rated)[];
}

/** GET /api/v1/red: counts per step and per operation with request rates (per second) and shares of time. */
export interface RedFigures {
  service: string | null;
  stepNano: bigint;
  series: (RedPoint & Rated & { rate: number })[];
  operations: (RedOperation & Rated & { rate: number; /** Share of all operations' summed time. */ impact: number })[];
}

/** GET /api/v1/cohort: the two groups' sizes and core's comparison of them. */
export interface CohortFigures extends CohortComparison {
  selectionCount: number;
  baselineCount: number;
}

/** Where an attribute key lives, for what it costs. */
export type CostScope = 'span' | 'resource' | 'event';

/** What the stored spans of a window cost (each engine's costs.ts says how it counts bytes). */
export interface CostReport {
  spans: number;
  /** First and last span start in the window (null when it is empty). */
  firstNano: bigint | null;
  lastNano: bigint | null;
  /** Bytes of span data in the window, uncompressed: the spans' rows plus the resources they use, once each. */
  storedBytes: number;
  services: { service: string; spans: number; bytes: number }[];
  /** Per attribute key and where it lives; `spans` carry it, `distinct` values are estimated (a sketch). */
  attributes: { scope: CostScope; key: string; bytes: number; spans: number; distinct: number }[];
  /** The span names with the most attributes per span. */
  spanNames: { service: string; name: string; spans: number; attributesPerSpan: number }[];
}

/** Bytes the receivers took in for one service in one minute. */
export interface IngestMinute {
  service: string;
  /** Start of the minute, ms since the epoch. */
  minute: number;
  bytes: number;
  spans: number;
}

/** What the cost figures mean for a team, at the pace of the window's data. */
export interface CostAdvice {
  bytesPerDay: number;
  diskBytesPerDay: number;
  maxSizeBytes: number | null;
  retentionDays: number | null;
  daysKeptAtMaxSize: number | null;
  /** The costliest keys nobody searched by, and what dropping each would save. */
  drop: { scope: CostScope; key: string; share: number; bytesPerDay: number; searches: number }[];
}

/** GET /api/v1/cost: the engine's cost report with shares, search counts, ingest per minute and the advice. */
export interface CostFigures {
  start: bigint;
  end: bigint;
  spans: number;
  storedBytes: number;
  databaseBytes: number;
  services: (CostReport['services'][number] & { share: number })[];
  attributes: (CostReport['attributes'][number] & { share: number; spanShare: number; searches: number })[];
  spanNames: CostReport['spanNames'];
  ingest: IngestMinute[];
  advice: CostAdvice;
}

export interface StoreStats {
  spans: number;
  traces: number;
  logs: number;
  bytes: number;
}
