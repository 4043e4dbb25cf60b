// The per-trace analysis JSON of DESIGN.md: the same type whether the server or the browser computed it.
export type { TraceAnalysis } from '@sextant/core';
