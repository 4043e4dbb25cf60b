// What Jaeger's query service does to a trace before answering, unless the caller asks for raw traces: give the
// server half of a Zipkin shared span its own id (Jaeger's span-id deduper, which Jaeger UI needs: it keys spans
// by id) and correct clock skew (with our analysis, reported the way Jaeger reports it: a span warning).
import { SpanKind, type Span } from '../model.js';
import { correctClockSkew, shiftedSpan } from '../analysis/clock-skew.js';
import { buildTraceTree } from '../analysis/tree.js';
import { JAEGER_REF_TYPE_ATTR } from './jaeger-json.js';
import { ZIPKIN_ATTR } from './zipkin.js';

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

/** What jaegerView changes in one span (the span at `node` of the trace it was given). */
export interface JaegerSpanAdjustment {
  node: number;
  spanId?: string;
  parentSpanId?: string;
  /** Added to the span's start, end and event times. */
  shiftNano?: bigint;
  warnings?: string[];
}

/**
 * The part of a span that jaegerView reads (ids, kind, times, resource, links, the attributes that say how it
 * hangs off its parent): a big trace's adjustments are worked out from these while its spans are streamed.
 */
export function jaegerOutline(span: Span): Span {
  return {
    ...span,
    attributes: span.attributes.filter((kv) => kv.key === JAEGER_REF_TYPE_ATTR || kv.key === ZIPKIN_ATTR.shared),
    events: [],
  };
}

/** jaegerView's changes span by span, only for the spans it changes (`spans` may be jaegerOutline's). */
export function jaegerAdjustments(spans: readonly Span[]): JaegerSpanAdjustment[] {
  const view = jaegerView(spans, false);
  const out: JaegerSpanAdjustment[] = [];
  view.spans.forEach((s, node) => {
    const was = spans[node]!;
    const a: JaegerSpanAdjustment = { node };
    if (s.spanId !== was.spanId) a.spanId = s.spanId;
    if (s.parentSpanId !== was.parentSpanId) a.parentSpanId = s.parentSpanId;
    if (s.startTimeUnixNano !== was.startTimeUnixNano) a.shiftNano = s.startTimeUnixNano - was.startTimeUnixNano;
    const w = view.warnings.get(node);
    if (w) a.warnings = w;
    if (Object.keys(a).length > 1) out.push(a);
  });
  return out;
}

/** A span as jaegerView answers it, given its adjustment (warnings aside: they go where each API keeps them). */
export function adjustedSpan(span: Span, a: Omit<JaegerSpanAdjustment, 'node'>): Span {
  const moved = a.shiftNano !== undefined ? shiftedSpan(span, a.shiftNano) : span;
  if (a.spanId === undefined && a.parentSpanId === undefined) return moved;
  return { ...moved, spanId: a.spanId ?? span.spanId, parentSpanId: a.parentSpanId ?? span.parentSpanId };
}

/** Where Jaeger keeps span warnings in OTLP answers (api/v3): a string-array attribute. */
export const JAEGER_WARNINGS_ATTR = '@jaeger@warnings';

/** The view's spans for an OTLP answer: warnings become the `@jaeger@warnings` attribute, as in Jaeger's v3 API. */
export function jaegerViewSpans(view: JaegerView): Span[] {
  if (view.warnings.size === 0) return view.spans;
  return view.spans.map((s, i) => withJaegerWarnings(s, view.warnings.get(i)));
}

/** A span for an OTLP answer with Jaeger's warnings on it (api/v3), or as it is when there are none. */
export function withJaegerWarnings(span: Span, warnings: readonly string[] | undefined): Span {
  return warnings === undefined ? span : { ...span, attributes: [...span.attributes, { key: JAEGER_WARNINGS_ATTR, value: [...warnings] }] };
}
