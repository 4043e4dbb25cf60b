/**
 * A big trace as JSON text, a page at a time, made where the engine runs: for DuckDB in the store's own thread,
 * so the main thread receives only bytes (moved, not copied) and writes them out; no span object of a big trace
 * ever reaches it. Jaeger's adjustments (span-id dedup, clock skew) need the whole trace: they are worked out
 * first from a compact outline of every span (jaegerOutline), then applied span by span as the pages are encoded.
 */
import {
  adjustedSpan,
  encodeJaegerSpan,
  encodeJaegerTrace,
  jaegerView,
  jaegerViewSpans,
  type JaegerTrace,
  encodeOtlpJsonTraces,
  jaegerAdjustments,
  jaegerOutline,
  JaegerProcesses,
  withJaegerWarnings,
  type JaegerProcess,
  type JaegerSpanAdjustment,
  type Span,
} from '@sextant/core';
import type { TracePosition, TraceReader } from '../storage/contract.js';
import { jsonReplacer } from '../api/json-stream.js';
import { NotFoundError } from './errors.js';
import { TRACE_PAGE, truncationNote } from './traces.js';

/** Spans encoded as one OTLP resourceSpans group (each group names its resource and scope once). */
const OTLP_GROUP = 100;

/** OTLP resourceSpans elements (native, Tempo, Jaeger v3) or Jaeger UI spans (Jaeger's classic API). */
export type TraceFormat = 'otlp' | 'jaeger';

/** A Jaeger adjustment of the span stored at `at`. */
export type PlacedAdjustment = Omit<JaegerSpanAdjustment, 'node'> & { at: TracePosition };

/** Spans whose start lies in [startNano, endNano] (a Jaeger get-trace window); open ends when unset. */
export interface SpanWindow {
  startNano?: bigint;
  endNano?: bigint;
}

export interface PageRequest {
  format: TraceFormat;
  /** The last stored span to include (a plan's end). */
  until?: TracePosition | null;
  window?: SpanWindow;
  /** Adjustments in position order, from the first after the page's start (more than the page needs is fine). */
  adjustments?: readonly PlacedAdjustment[];
  /** Jaeger: adjustment warnings as the `@jaeger@warnings` attribute (api/v3) rather than Jaeger span warnings. */
  warningsAsAttribute?: boolean;
  /** Jaeger format: the processes already named by earlier pages. */
  processes?: Readonly<Record<string, JaegerProcess>>;
}

export interface EncodedPage {
  /** The page's JSON elements joined by commas, without brackets ('' when none). */
  json: Uint8Array;
  /** Spans encoded. */
  spans: number;
  /** Where the next page starts (the last span read), null when none was read. */
  last: TracePosition | null;
  /** Nothing comes after this page. */
  end: boolean;
  /** Adjustments of the request used by or before this page: the next page's list starts past them. */
  consumed: number;
  /** Jaeger format: processes this page named beyond `processes`. */
  newProcesses: Record<string, JaegerProcess>;
}

export interface JaegerPlan {
  /** Spans the answer holds (within the cap and the window); 0: not found. */
  spans: number;
  /** More spans are stored than the cap: the answer ends at `until`. */
  truncated: boolean;
  /** The last stored span within the cap. */
  until: TracePosition | null;
  adjustments: PlacedAdjustment[];
}

/** Whole traces of a search answer: Jaeger UI traces, or OTLP resourceSpans elements (api/v3), adjusted unless raw. */
export interface TracesRequest {
  format: TraceFormat;
  raw: boolean;
  /** On the first trace's first span (Jaeger's model has warnings per span only). */
  firstWarnings?: string[];
}

export interface EncodedTraces {
  /** JSON elements joined by commas, without brackets. */
  json: Uint8Array;
  /** Traces encoded (an id no longer stored is skipped). */
  traces: number;
}

/** Encoded pages of traces; TraceReaders offer it in their own thread (storage/thread/) or on this one. */
export interface TraceEncoding {
  /** Several small traces read and encoded whole (a search answer's, a batch of about a page of spans). */
  encodeTraces(traceIds: string[], req: TracesRequest): Promise<EncodedTraces>;
  encodeTracePage(traceId: string, after: TracePosition | null, limit: number, req: PageRequest): Promise<EncodedPage>;
  /** Reads the trace once (compactly) for what Jaeger's answer needs to know before its first span. */
  planJaegerTrace(traceId: string, maxSpans: number, window: SpanWindow, raw: boolean, noteTruncation: boolean): Promise<JaegerPlan>;
}

export function positionOf(span: Span): TracePosition {
  return { startNano: span.startTimeUnixNano, spanId: span.spanId, kind: span.kind };
}

/** The page order of the engines: start, then span id (fixed-width lower-case hex, so as text), then kind. */
export function comparePositions(a: TracePosition, b: TracePosition): number {
  if (a.startNano !== b.startNano) return a.startNano < b.startNano ? -1 : 1;
  if (a.spanId !== b.spanId) return a.spanId < b.spanId ? -1 : 1;
  return a.kind - b.kind;
}

function inWindow(span: Span, w: SpanWindow | undefined): boolean {
  return w === undefined || ((w.startNano === undefined || span.startTimeUnixNano >= w.startNano) && (w.endNano === undefined || span.startTimeUnixNano <= w.endNano));
}

/** JSON elements joined by commas (no brackets). */
function elements(xs: readonly unknown[]): string {
  return xs.length === 0 ? '' : JSON.stringify(xs, jsonReplacer).slice(1, -1);
}

function joined(parts: string[]): string {
  return parts.filter((p) => p !== '').join(',');
}

/** The TraceEncoding of a reader, run on the thread that calls it. */
/** One trace as Jaeger's query service answers it (see jaegerView); `traceWarnings` go on its first span. */
export function jaegerTraceOf(spans: readonly Span[], raw: boolean, traceWarnings: readonly string[] = []): JaegerTrace {
  const view = jaegerView(spans, raw);
  if (traceWarnings.length > 0 && view.spans.length > 0) view.warnings.set(0, [...traceWarnings, ...(view.warnings.get(0) ?? [])]);
  return encodeJaegerTrace(view.spans, view.warnings);
}

export function traceEncodingOf(reader: Pick<TraceReader, 'getTrace' | 'getTracePage' | 'getTraces'>): TraceEncoding {
  const page = reader.getTracePage?.bind(reader);
  // An engine without paging is read whole once per page asked: only engines with few spans per trace lack it.
  const read = page ?? (async (traceId: string, after: TracePosition | null, limit: number) => {
    const all = await reader.getTrace(traceId);
    const from = after === null ? 0 : all.findIndex((s) => comparePositions(positionOf(s), after) > 0);
    return from < 0 ? [] : all.slice(from, from + limit);
  });

  let planning: Promise<void> = Promise.resolve();
  const encoding: TraceEncoding = {
    async encodeTraces(traceIds, req) {
      const byId = await reader.getTraces(traceIds);
      const parts: string[] = [];
      let traces = 0;
      for (const id of traceIds) {
        const spans = byId.get(id);
        if (spans === undefined || spans.length === 0) continue;
        const warnings = traces === 0 ? (req.firstWarnings ?? []) : [];
        traces++;
        if (req.format === 'jaeger') {
          parts.push(JSON.stringify(jaegerTraceOf(spans, req.raw, warnings)));
          continue;
        }
        const out = jaegerViewSpans(jaegerView(spans, req.raw));
        for (let i = 0; i < out.length; i += OTLP_GROUP) parts.push(elements(encodeOtlpJsonTraces(out.slice(i, i + OTLP_GROUP)).resourceSpans));
      }
      return { json: new TextEncoder().encode(joined(parts)), traces };
    },

    async encodeTracePage(traceId, after, limit, req) {
      const stored = await read(traceId, after, limit);
      const until = req.until ?? null;
      const within = until === null ? stored : stored.filter((s) => comparePositions(positionOf(s), until) <= 0);
      const lastRead = within.length > 0 ? positionOf(within[within.length - 1]!) : null;
      const end = within.length < limit || (until !== null && lastRead !== null && comparePositions(lastRead, until) >= 0);
      const adjustments = req.adjustments ?? [];
      let consumed = 0;
      const spans: Span[] = [];
      const warnings: (string[] | undefined)[] = [];
      for (const s of within) {
        const pos = positionOf(s);
        while (consumed < adjustments.length && comparePositions(adjustments[consumed]!.at, pos) < 0) consumed++;
        const a = consumed < adjustments.length && comparePositions(adjustments[consumed]!.at, pos) === 0 ? adjustments[consumed++] : undefined;
        if (!inWindow(s, req.window)) continue;
        spans.push(a ? adjustedSpan(s, a) : s);
        warnings.push(a?.warnings);
      }
      const newProcesses: Record<string, JaegerProcess> = {};
      let text: string;
      if (req.format === 'jaeger') {
        const table = new JaegerProcesses(req.processes);
        const known = new Set(Object.keys(req.processes ?? {}));
        text = elements(spans.map((s, i) => encodeJaegerSpan(s, table, warnings[i])));
        for (const [id, p] of Object.entries(table.processes)) if (!known.has(id)) newProcesses[id] = p;
      } else {
        const out = req.warningsAsAttribute ? spans.map((s, i) => withJaegerWarnings(s, warnings[i])) : spans;
        const parts: string[] = [];
        for (let i = 0; i < out.length; i += OTLP_GROUP) parts.push(elements(encodeOtlpJsonTraces(out.slice(i, i + OTLP_GROUP)).resourceSpans));
        text = joined(parts);
      }
      return { json: new TextEncoder().encode(text), spans: spans.length, last: lastRead, end, consumed, newProcesses };
    },

    planJaegerTrace(traceId, maxSpans, window, raw, noteTruncation) {
      // One plan at a time: a plan holds every span's outline, so concurrent big reads would hold several; the
      // thread is one core either way, so waiting costs no throughput.
      const run = planning.then(() => plan(traceId, maxSpans, window, raw, noteTruncation));
      planning = run.then(() => undefined, () => undefined);
      return run;
    },
  };

  return encoding;

  async function plan(traceId: string, maxSpans: number, window: SpanWindow, raw: boolean, noteTruncation: boolean): Promise<JaegerPlan> {
    // Raw answers change no span: counting them is all (the first is kept for a truncation warning).
    const outlines: Span[] = [];
    let kept = 0;
    let after: TracePosition | null = null;
    let seen = 0;
    let truncated = false;
    let until: TracePosition | null = null;
    for (;;) {
      const want = Math.min(TRACE_PAGE, maxSpans + 1 - seen);
      const stored = await read(traceId, after, want);
      for (const s of stored) {
        if (++seen > maxSpans) {
          truncated = true;
          break;
        }
        until = positionOf(s);
        if (!inWindow(s, window)) continue;
        if (!raw || kept === 0) outlines.push(jaegerOutline(s));
        kept++;
      }
      if (truncated || stored.length < want) break;
      after = positionOf(stored[stored.length - 1]!);
    }
    const adjustments: PlacedAdjustment[] = raw ? [] : jaegerAdjustments(outlines).map(({ node, ...a }) => ({ at: positionOf(outlines[node]!), ...a }));
    if (truncated && noteTruncation && outlines.length > 0) {
      const note = truncationNote({ maxSpans });
      const first = positionOf(outlines[0]!);
      const head = adjustments[0];
      if (head && comparePositions(head.at, first) === 0) head.warnings = [note, ...(head.warnings ?? [])];
      else adjustments.unshift({ at: first, warnings: [note] });
    }
    return { spans: kept, truncated, until, adjustments };
  }
}

/** A trace's encoded pages for an answer, and whether spans were left out at the cap. */
export interface EncodedTrace {
  parts: AsyncIterable<Uint8Array>;
  /** Known at once (`decided`) when the trace fits a page or the cap is within it, else once `parts` ended. */
  truncated: () => { maxSpans: number } | null;
  decided: boolean;
}

/** A stored trace's OTLP resourceSpans elements, at most `maxSpans` spans, a page at a time (NotFoundError when none). */
export async function otlpTrace(encoding: TraceEncoding, traceId: string, maxSpans: number): Promise<EncodedTrace> {
  const otlp: PageRequest = { format: 'otlp' };
  const firstSize = Math.min(TRACE_PAGE, maxSpans);
  const first = await encoding.encodeTracePage(traceId, null, firstSize, otlp);
  if (first.spans === 0) throw new NotFoundError(`trace ${traceId} not found`);
  // At the cap, one more span says whether the trace goes on.
  const goesOn = async (after: TracePosition | null) => (await encoding.encodeTracePage(traceId, after, 1, otlp)).spans > 0;
  if (first.end) return { parts: once(first.json), truncated: () => null, decided: true };
  if (firstSize === maxSpans) {
    const cut = (await goesOn(first.last)) ? { maxSpans } : null;
    return { parts: once(first.json), truncated: () => cut, decided: true };
  }
  let truncated: { maxSpans: number } | null = null;
  async function* parts(): AsyncGenerator<Uint8Array> {
    let page = first;
    let sent = 0;
    for (;;) {
      yield page.json;
      sent += page.spans;
      if (page.end) return;
      const want = Math.min(TRACE_PAGE, maxSpans - sent);
      if (want === 0) {
        if (await goesOn(page.last)) truncated = { maxSpans };
        return;
      }
      page = await encoding.encodeTracePage(traceId, page.last, want, otlp);
    }
  }
  return { parts: parts(), truncated: () => truncated, decided: false };
}

async function* once(part: Uint8Array): AsyncGenerator<Uint8Array> {
  yield part;
}

/**
 * The pages of a planned (Jaeger) answer, with the plan's adjustments applied; Jaeger processes named along the
 * way are added to `processes` (the answer writes the table after the spans).
 */
export async function* plannedTrace(
  encoding: TraceEncoding,
  traceId: string,
  plan: JaegerPlan,
  req: Omit<PageRequest, 'until' | 'adjustments' | 'processes'>,
  processes: Record<string, JaegerProcess>,
): AsyncGenerator<Uint8Array> {
  let after: TracePosition | null = null;
  let used = 0;
  for (;;) {
    // A page reads at most TRACE_PAGE spans, so it uses at most that many adjustments.
    const adjustments = plan.adjustments.slice(used, used + TRACE_PAGE);
    const page = await encoding.encodeTracePage(traceId, after, TRACE_PAGE, { ...req, until: plan.until, adjustments, processes });
    Object.assign(processes, page.newProcesses);
    used += page.consumed;
    yield page.json;
    if (page.end || page.last === null) return;
    after = page.last;
  }
}

/**
 * The traces of a search answer, read and encoded where the engine runs in batches of about a page of spans (a
 * bigger trace alone); `onTraces` hears how many each batch held.
 */
export async function* encodedTraces(
  encoding: TraceEncoding,
  traces: readonly { traceId: string; spans: number }[],
  req: TracesRequest,
  onTraces: (n: number) => void = () => undefined,
): AsyncGenerator<Uint8Array> {
  let warnings = req.firstWarnings;
  let batch: string[] = [];
  let spans = 0;
  const flush = async () => {
    const r = await encoding.encodeTraces(batch, { ...req, firstWarnings: warnings });
    if (r.traces > 0) warnings = undefined;
    onTraces(r.traces);
    batch = [];
    spans = 0;
    return r.json;
  };
  for (const t of traces) {
    if (batch.length > 0 && spans + t.spans > TRACE_PAGE) yield await flush();
    batch.push(t.traceId);
    spans += t.spans;
  }
  if (batch.length > 0) yield await flush();
}
