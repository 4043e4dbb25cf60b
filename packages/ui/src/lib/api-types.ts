// The /api/v1 answers the UI reads: core's query types as JSON carries them (Wire: nanoseconds as decimal
// strings), so the server and the UI share one definition of each answer.
import type * as core from '@sextant/core';
import type { Wire } from '@sextant/core';

export type { Wire };
export type TraceSummary = Wire<core.TraceSummary>;
export type TraceSearchResult = Wire<core.SearchResult>;
export type DependencyGraph = Wire<core.DependencyFigures>;
export type DependencyNode = DependencyGraph['nodes'][number];
export type DependencyEdge = DependencyGraph['edges'][number];
export type RedResult = Wire<core.RedFigures>;
export type RedPoint = RedResult['series'][number];
export type RedOperation = RedResult['operations'][number];
export type CohortResult = Wire<core.CohortFigures>;
export type IncomingLink = Wire<core.IncomingLink>;
export type CostAnswer = Wire<core.CostFigures>;
