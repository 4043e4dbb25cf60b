/**
 * What makes a selection of traces (say, the slow ones) different from a baseline: (a) where their critical
 * paths spend time, (b) which calls they make more or less often (extra fan-out, N+1 loops, retries, a missing
 * cache hit), and (c) which attribute values they over-represent (Honeycomb's BubbleUp). One pass per trace,
 * so it stays linear in the number of spans. Results are JSON-safe: durations are numbers of nanoseconds
 * (per-trace means are fractional).
 */
import type { AttrValue, KeyValue, Span } from '../model.js';
import { callPaths, pathStats } from './call-path.js';
import { criticalPath } from './critical-path.js';
import { buildTraceTree } from './tree.js';

export interface CriticalPathShare {
  service: string;
  operation: string;
  /** Mean critical-path time per trace. */
  selectionMeanNano: number;
  baselineMeanNano: number;
  /** Mean share of each trace's critical path (0..1). */
  selectionShare: number;
  baselineShare: number;
  deltaNano: number;
  /** A trace of each group where this operation holds the critical path longest (absent if none). */
  selectionExampleTraceId?: string;
  baselineExampleTraceId?: string;
}

export interface StructuralDifference {
  path: string;
  selectionMeanCount: number;
  baselineMeanCount: number;
  /** Mean summed duration of the path's spans per trace. */
  selectionMeanNano: number;
  baselineMeanNano: number;
  /** Extra time per selection trace that the difference accounts for. */
  effectNano: number;
  /** A trace of each group with the most calls on this path (absent if none). */
  selectionExampleTraceId?: string;
  baselineExampleTraceId?: string;
}

export interface AttributeAttribution {
  key: string;
  value: string;
  /** Share of traces (0..1) with at least one span, resource or event carrying key=value. */
  selectionShare: number;
  baselineShare: number;
  /** selectionShare − baselineShare. */
  separation: number;
  /** A selected trace carrying the value. */
  selectionExampleTraceId?: string;
}

export interface CohortComparison {
  criticalPath: CriticalPathShare[];
  structure: StructuralDifference[];
  attributes: AttributeAttribution[];
}

/** Attribute values longer than this are ids or payloads, not categories. */
const MAX_VALUE_LENGTH = 100;
const MAX_ROWS = 50;

interface AttributeCount {
  key: string;
  value: string;
  /** Traces with the pair. */
  traces: number;
  /** Index of the last trace counted, so that a pair counts once per trace. */
  lastTrace: number;
  firstTrace: number;
}

/**
 * key=value pairs in first-seen order, found by key then value: a trace has about a hundred attributes per
 * span, so building a combined key string per attribute dominated the whole comparison.
 */
class AttributeCounts {
  readonly inOrder: AttributeCount[] = [];
  private readonly byKey = new Map<string, Map<string, AttributeCount>>();

  get(key: string, value: string): AttributeCount | undefined {
    return this.byKey.get(key)?.get(value);
  }

  note(key: string, value: string, trace: number): void {
    let byValue = this.byKey.get(key);
    if (byValue === undefined) this.byKey.set(key, (byValue = new Map()));
    let count = byValue.get(value);
    if (count === undefined) {
      count = { key, value, traces: 0, lastTrace: -1, firstTrace: trace };
      byValue.set(value, count);
      this.inOrder.push(count);
    }
    if (count.lastTrace !== trace) {
      count.traces++;
      count.lastTrace = trace;
    }
  }
}

/** The trace (by index) where a row's value peaked: the example a person should open. */
interface Example {
  exampleTrace: number;
  exampleValue: number;
}

interface CohortTotals {
  traces: number;
  traceIds: string[];
  path: Map<string, { service: string; operation: string; nano: number; share: number } & Example>;
  structure: Map<string, { count: number; nano: number } & Example>;
  attributes: AttributeCounts;
}

function noteExample(row: Example, trace: number, value: number): void {
  if (value > row.exampleValue) {
    row.exampleValue = value;
    row.exampleTrace = trace;
  }
}

function scalar(v: AttrValue): string | undefined {
  if (typeof v === 'string') return v.length <= MAX_VALUE_LENGTH ? v : undefined;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

function collect(traces: readonly (readonly Span[])[]): CohortTotals {
  const totals: CohortTotals = {
    traces: traces.length,
    traceIds: traces.map((t) => t[0]?.traceId ?? ''),
    path: new Map(),
    structure: new Map(),
    attributes: new AttributeCounts(),
  };
  for (let t = 0; t < traces.length; t++) {
    const spans = traces[t];
    if (spans.length === 0) continue;
    const tree = buildTraceTree(spans);

    const sections = criticalPath(tree);
    let pathNano = 0;
    const perOp = new Map<string, { service: string; operation: string; nano: number }>();
    for (const s of sections) {
      const nano = Number(s.endNano - s.startNano);
      pathNano += nano;
      const key = `${tree.services[s.node]}\u0000${spans[s.node].name}`;
      const row = perOp.get(key) ?? { service: tree.services[s.node], operation: spans[s.node].name, nano: 0 };
      row.nano += nano;
      perOp.set(key, row);
    }
    for (const [key, row] of perOp) {
      const acc = totals.path.get(key) ?? { service: row.service, operation: row.operation, nano: 0, share: 0, exampleTrace: -1, exampleValue: 0 };
      acc.nano += row.nano;
      noteExample(acc, t, row.nano);
      acc.share += pathNano > 0 ? row.nano / pathNano : 0;
      totals.path.set(key, acc);
    }

    for (const [path, s] of pathStats(tree, callPaths(tree))) {
      const acc = totals.structure.get(path) ?? { count: 0, nano: 0, exampleTrace: -1, exampleValue: 0 };
      acc.count += s.count;
      noteExample(acc, t, s.count);
      acc.nano += s.totalNano;
      totals.structure.set(path, acc);
    }

    // Count each key=value once per trace; resources are shared objects, so each is read once.
    const seenResources = new Set<object>();
    const note = (attrs: readonly KeyValue[]) => {
      for (const kv of attrs) {
        const v = scalar(kv.value);
        if (v !== undefined) totals.attributes.note(kv.key, v, t);
      }
    };
    for (const s of spans) {
      note(s.attributes);
      if (!seenResources.has(s.resource)) {
        seenResources.add(s.resource);
        note(s.resource.attributes);
      }
      for (const e of s.events) note(e.attributes);
    }
  }
  return totals;
}

const mean = (sum: number, n: number) => (n > 0 ? sum / n : 0);

function exampleId(totals: CohortTotals, row: Example | undefined): string | undefined {
  return row && row.exampleTrace >= 0 ? totals.traceIds[row.exampleTrace] || undefined : undefined;
}

export function compareCohorts(selection: readonly (readonly Span[])[], baseline: readonly (readonly Span[])[]): CohortComparison {
  const sel = collect(selection);
  const base = collect(baseline);

  const criticalPathRows: CriticalPathShare[] = [];
  for (const key of new Set([...sel.path.keys(), ...base.path.keys()])) {
    const s = sel.path.get(key);
    const b = base.path.get(key);
    const row = (s ?? b)!;
    const selectionMeanNano = mean(s?.nano ?? 0, sel.traces);
    const baselineMeanNano = mean(b?.nano ?? 0, base.traces);
    criticalPathRows.push({
      service: row.service,
      operation: row.operation,
      selectionMeanNano,
      baselineMeanNano,
      selectionShare: mean(s?.share ?? 0, sel.traces),
      baselineShare: mean(b?.share ?? 0, base.traces),
      deltaNano: selectionMeanNano - baselineMeanNano,
      selectionExampleTraceId: exampleId(sel, s),
      baselineExampleTraceId: exampleId(base, b),
    });
  }
  criticalPathRows.sort((x, y) => y.deltaNano - x.deltaNano);

  const structure: StructuralDifference[] = [];
  for (const path of new Set([...sel.structure.keys(), ...base.structure.keys()])) {
    const s = sel.structure.get(path) ?? { count: 0, nano: 0, exampleTrace: -1, exampleValue: 0 };
    const b = base.structure.get(path) ?? { count: 0, nano: 0, exampleTrace: -1, exampleValue: 0 };
    const selectionMeanCount = mean(s.count, sel.traces);
    const baselineMeanCount = mean(b.count, base.traces);
    // Only a change in how often a call happens is structural; the same calls running slower are (a)'s business.
    if (Math.abs(selectionMeanCount - baselineMeanCount) < 0.5) continue;
    const selectionMeanNano = mean(s.nano, sel.traces);
    const baselineMeanNano = mean(b.nano, base.traces);
    structure.push({
      path,
      selectionMeanCount,
      baselineMeanCount,
      selectionMeanNano,
      baselineMeanNano,
      effectNano: selectionMeanNano - baselineMeanNano,
      selectionExampleTraceId: exampleId(sel, s),
      baselineExampleTraceId: exampleId(base, b),
    });
  }
  structure.sort((x, y) => Math.abs(y.effectNano) - Math.abs(x.effectNano) || Math.abs(y.selectionMeanCount - y.baselineMeanCount) - Math.abs(x.selectionMeanCount - x.baselineMeanCount));

  const attributes: AttributeAttribution[] = [];
  // A pair only the baseline has cannot separate the selection, so the selection's pairs are all there is to read.
  for (const { key, value, traces, firstTrace } of sel.attributes.inOrder) {
    const selectionShare = mean(traces, sel.traces);
    const baselineShare = mean(base.attributes.get(key, value)?.traces ?? 0, base.traces);
    const separation = selectionShare - baselineShare;
    if (separation <= 0) continue;
    attributes.push({ key, value, selectionShare, baselineShare, separation, selectionExampleTraceId: sel.traceIds[firstTrace] || undefined });
  }
  attributes.sort((x, y) => y.separation - x.separation || y.selectionShare - x.selectionShare);

  return {
    criticalPath: criticalPathRows.slice(0, MAX_ROWS),
    structure: structure.slice(0, MAX_ROWS),
    attributes: attributes.slice(0, MAX_ROWS),
  };
}
