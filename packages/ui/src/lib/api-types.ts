// Shapes of the /api/v1 answers the UI reads. Times are decimal-string nanoseconds.
import type { CohortComparison } from '@sextant/core';

/** A query type of core (query-types.ts) as JSON carries it: bigints become decimal strings. */
export type Wire<T> = T extends bigint ? string : T extends readonly (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

export interface TraceSummary {
  traceId: string;
  rootService: string;
  rootName: string;
  startUnixNano: string;
  durationNano: string;
  spanCount: number;
  errorCount: number;
  services: { name: string; spanCount: number; errorCount: number }[];
}

export interface TraceSearchResult {
  traces: TraceSummary[];
  nextCursor: string | null;
}

export interface DependencyNode {
  service: string;
  callCount: number;
  errorCount: number;
  virtual: boolean;
}

export interface DependencyEdge {
  parent: string;
  child: string;
  callCount: number;
  errorCount: number;
  errorRate: number;
  p50Nano: string;
  p95Nano: string;
  p99Nano: string;
  exampleTraceId: string;
}

export interface DependencyGraph {
  nodes: DependencyNode[];
  edges: DependencyEdge[];
}

export interface RedPoint {
  t: string;
  count: number;
  errorCount: number;
  rate: number;
  errorRate: number;
  p50Nano: string;
  p95Nano: string;
  p99Nano: string;
}

export interface RedOperation {
  service: string;
  operation: string;
  count: number;
  errorCount: number;
  rate: number;
  errorRate: number;
  p50Nano: string;
  p95Nano: string;
  p99Nano: string;
  totalNano: string;
  impact: number;
}

export interface RedResult {
  service: string | null;
  stepNano: string;
  series: RedPoint[];
  operations: RedOperation[];
}

/** GET /api/v1/cohort: the two groups' sizes and core's compareCohorts result. */
export interface CohortResult extends CohortComparison {
  selectionCount: number;
  baselineCount: number;
}
