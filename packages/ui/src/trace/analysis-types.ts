// The per-trace analysis JSON of DESIGN.md as the UI reads it. Nanosecond fields arrive as decimal strings
// from the API and may be bigints when the analysis ran in the browser, so both are accepted.
type Nano = string | bigint;

export interface TraceAnalysis {
  traceId: string;
  spanCount: number;
  services: string[];
  startUnixNano: Nano;
  durationNano: Nano;
  rootSpanIds: string[];
  criticalPath: { spanId: string; startUnixNano: Nano; endUnixNano: Nano }[];
  selfTime: { service: string; operation: string; count: number; totalNano: Nano; selfNano: Nano }[];
  errors: { errorSpanIds: string[]; rootCauseSpanIds: string[] };
  dependencies: { parent: string; child: string; callCount: number; errorCount: number }[];
  clockSkew: { spanId: string; adjustNano: Nano }[];
  quality: { check: string; spanIds: string[]; message: string }[];
}
