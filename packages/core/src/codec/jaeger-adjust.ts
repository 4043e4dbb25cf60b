// What Jaeger's query service does to a trace before answering, unless the caller asks for raw traces: give the
// server half of a Zipkin shared span its own id (Jaeger's span-id deduper, which Jaeger UI needs: it keys spans
// by id) and correct clock skew (with our analysis, reported the way Jaeger reports it: a span warning).
import { SpanKind, type Span } from '../model.js';
import { correctClockSkew } from '../analysis/clock-skew.js';
import { buildTraceTree } from '../analysis/tree.js';

export interface JaegerView {
  spans: Span[];
  /** Jaeger's per-span warnings, by index into `spans`. */
  warnings: Map<number, string[]>;
}

function nextSpanId(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}

/**
 * Jaeger's DeduplicateClientServerSpanIDs: a server span whose id is also a client span's gets the smallest
 * unused id above the last one handed out (from 1), with the shared id as its parent; spans whose parent was
 * the shared id become children of the new id. Returns copies where anything changed.
 */
export function dedupeClientServerSpanIds(spans: readonly Span[]): Span[] {
  const byId = new Map<string, Span[]>();
  for (const s of spans) {
    const g = byId.get(s.spanId);
    if (g) g.push(s);
    else byId.set(s.spanId, [s]);
  }
  if (byId.size === spans.length) return spans.slice();
  const renamed = new Map<string, string>();
  let last = 0n;
  const out = spans.map((s) => {
    if (s.kind !== SpanKind.SERVER || !byId.get(s.spanId)!.some((o) => o.kind === SpanKind.CLIENT)) return s;
    let id = last + 1n;
    while (byId.has(nextSpanId(id))) id++;
    last = id;
    renamed.set(s.spanId, nextSpanId(id));
    return { ...s, parentSpanId: s.spanId, spanId: nextSpanId(id) };
  });
  return out.map((s) => {
    const parent = renamed.get(s.parentSpanId);
    return parent !== undefined && parent !== s.spanId ? { ...s, parentSpanId: parent } : s;
  });
}

/** Go's time.Duration.String(), which Jaeger's warnings use: 1.5ms, 2m3.000001s, -250µs. */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  let u = ns < 0n ? -ns : ns;
  const frac = (v: bigint, digits: number) => {
    const s = v.toString().padStart(digits, '0').replace(/0+$/, '');
    return s === '' ? '' : `.${s}`;
  };
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${u / 1000n}${frac(u % 1000n, 3)}µs`;
  if (u < 1_000_000_000n) return `${sign}${u / 1_000_000n}${frac(u % 1_000_000n, 6)}ms`;
  const h = u / 3_600_000_000_000n;
  u -= h * 3_600_000_000_000n;
  const m = u / 60_000_000_000n;
  u -= m * 60_000_000_000n;
  const s = `${u / 1_000_000_000n}${frac(u % 1_000_000_000n, 9)}s`;
  return `${sign}${h > 0n ? `${h}h` : ''}${h > 0n || m > 0n ? `${m}m` : ''}${s}`;
}

/** The trace as Jaeger's query service answers it: raw, or with ids made unique and clock skew corrected. */
export function jaegerView(spans: readonly Span[], raw: boolean): JaegerView {
  if (raw) return { spans: spans.slice(), warnings: new Map() };
  const unique = dedupeClientServerSpanIds(spans);
  const { spans: corrected, adjustments } = correctClockSkew(buildTraceTree(unique));
  const warnings = new Map<number, string[]>();
  for (const a of adjustments) warnings.set(a.node, [`This span's timestamps were adjusted by ${formatGoDuration(a.adjustNano)}`]);
  return { spans: corrected, warnings };
}

/** Where Jaeger keeps span warnings in OTLP answers (api/v3): a string-array attribute. */
export const JAEGER_WARNINGS_ATTR = '@jaeger@warnings';

/** The view's spans for an OTLP answer: warnings become the `@jaeger@warnings` attribute, as in Jaeger's v3 API. */
export function jaegerViewSpans(view: JaegerView): Span[] {
  if (view.warnings.size === 0) return view.spans;
  return view.spans.map((s, i) => {
    const w = view.warnings.get(i);
    return w === undefined ? s : { ...s, attributes: [...s.attributes, { key: JAEGER_WARNINGS_ATTR, value: w }] };
  });
}
