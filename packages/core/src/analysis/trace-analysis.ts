/**
 * One trace, every analysis: the DESIGN.md "Analysis JSON (one trace)" document (bigints as decimal strings so
 * that `JSON.stringify` works) and the terminal report `sextant analyze` prints. Clock skew is corrected first
 * and every later analysis sees the corrected times.
 */
import { serviceName, type Span } from '../model.js';
import { clockShifts } from './clock-skew.js';
import { criticalPath } from './critical-path.js';
import { dependencyLinks, type DependencyLink } from './dependencies.js';
import { analyzeErrors, errorReason } from './errors.js';
import { formatDuration, formatPercent, printable } from './format.js';
import { analyzeGenAi, type GenAiAnalysis } from './genai.js';
import { findRepeatedCalls, type RepeatedCallFinding } from './n-plus-one.js';
import { qualityFindings, type QualityFinding } from './quality.js';
import { selfTimeStats, selfTimes, type SelfTimeRow } from './self-time.js';
import { buildTraceTree, retimeTree } from './tree.js';

/** SelfTimeRow with every bigint as a decimal string. */
export type SelfTimeJson = { [K in keyof SelfTimeRow]: SelfTimeRow[K] extends bigint ? string : SelfTimeRow[K] };

export interface TraceAnalysis {
  traceId: string;
  spanCount: number;
  services: string[];
  startUnixNano: string;
  durationNano: string;
  rootSpanIds: string[];
  criticalPath: { spanId: string; startUnixNano: string; endUnixNano: string; service: string; operation: string }[];
  /** Per service and operation, largest self time first. */
  selfTime: (SelfTimeJson & { operation: string })[];
  /** Per service, largest self time first. */
  selfTimeByService: SelfTimeJson[];
  errors: { errorSpanIds: string[]; rootCauseSpanIds: string[] };
  dependencies: DependencyLink[];
  clockSkew: { spanId: string; adjustNano: string }[];
  quality: QualityFinding[];
  /** The repeated-call findings, with their durations as decimal strings like every time in this JSON. */
  nPlusOne: (Omit<RepeatedCallFinding, 'totalNano' | 'wallNano'> & { totalNano: string; wallNano: string })[];
  /** Deepest nesting level (a lone root is depth 0). */
  depth: number;
  /** Model calls, tool calls, tokens and the conversation, for traces with GenAI spans (absent otherwise). */
  genAi?: GenAiAnalysis;
}

function selfTimeJson(row: SelfTimeRow): SelfTimeJson {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? v.toString() : v;
  return out as SelfTimeJson;
}

export function analyzeTrace(input: readonly Span[]): TraceAnalysis {
  const skewed = buildTraceTree(input);
  const skew = clockShifts(skewed);
  // Same structure, corrected times: child order and bounds follow the corrected clock.
  const tree = skew.adjustments.length > 0 ? retimeTree(skewed, skew.shiftNano) : skewed;
  const { spans, services } = tree;
  const self = selfTimes(tree);
  const errors = analyzeErrors(tree);
  let depth = 0;
  for (const d of tree.depth) if (d > depth) depth = d;
  const genAi = analyzeGenAi(tree);
  return {
    traceId: spans[0]?.traceId ?? '',
    spanCount: spans.length,
    services: [...new Set(services)].sort(),
    startUnixNano: tree.startNano.toString(),
    durationNano: (tree.endNano - tree.startNano).toString(),
    rootSpanIds: tree.roots.map((i) => spans[i].spanId),
    criticalPath: criticalPath(tree).map((s) => ({
      spanId: s.spanId,
      startUnixNano: s.startNano.toString(),
      endUnixNano: s.endNano.toString(),
      service: services[s.node],
      operation: spans[s.node].name,
    })),
    selfTime: selfTimeStats(tree, 'operation', self).map(
      (r) => ({ ...selfTimeJson(r), operation: r.operation ?? '' }),
    ),
    selfTimeByService: selfTimeStats(tree, 'service', self).map(selfTimeJson),
    errors: {
      errorSpanIds: errors.errorNodes.map((i) => spans[i].spanId),
      rootCauseSpanIds: errors.rootCauseNodes.map((i) => spans[i].spanId),
    },
    dependencies: dependencyLinks(tree),
    clockSkew: skew.adjustments.map((a) => ({ spanId: a.spanId, adjustNano: a.adjustNano.toString() })),
    quality: qualityFindings(tree, skew.adjustments),
    nPlusOne: findRepeatedCalls(tree).map((f) => ({
      ...f,
      totalNano: f.totalNano.toString(),
      wallNano: f.wallNano.toString(),
    })),
    depth,
    ...(genAi ? { genAi } : {}),
  };
}

const TOP = 10;

function table(rows: string[][], alignRight: readonly boolean[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (alignRight[c] ? cell.padStart(widths[c]) : c === r.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}

function more(count: number, shown: number, what: string): string[] {
  return count > shown ? [`  … ${count - shown} more ${what}`] : [];
}

/**
 * The report `sextant analyze` prints for one trace. `spans` are the trace's spans (for names and error
 * reasons); the report never prints raw attribute values other than error messages, names and services.
 */
export function formatTraceReport(analysis: TraceAnalysis, spans: readonly Span[]): string {
  const byId = new Map<string, Span>();
  for (const s of spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
  const label = (id: string) => {
    const s = byId.get(id);
    return s ? `${serviceName(s)} ${s.name}` : id;
  };
  const traceNano = BigInt(analysis.durationNano);
  const share = (nano: bigint) => (traceNano > 0n ? formatPercent(Number(nano) / Number(traceNano)) : '-');
  const started = new Date(Number(BigInt(analysis.startUnixNano) / 1_000_000n)).toISOString();
  const lines: string[] = [];

  lines.push(`Trace ${analysis.traceId}`);
  lines.push(
    `  ${analysis.spanCount} spans, ${analysis.services.length} services, depth ${analysis.depth}, ` +
      `duration ${formatDuration(traceNano)}, started ${started}`,
  );
  if (analysis.rootSpanIds.length > 0) lines.push(`  root: ${label(analysis.rootSpanIds[0])}`);

  const path = analysis.criticalPath;
  const pathNano = path.reduce((a, s) => a + BigInt(s.endUnixNano) - BigInt(s.startUnixNano), 0n);
  lines.push('', `Critical path: ${formatDuration(pathNano)} in ${path.length} sections`);
  if (pathNano > 0n && pathNano * 10n < traceNano * 9n) {
    lines.push(
      `  (the root span covers ${share(pathNano)} of the trace; work after it ended did not hold it up and is not on the path)`,
    );
  }
  const pathShare = (nano: bigint) => formatPercent(Number(nano) / Number(pathNano));
  // Where the path spends its time, by operation: a long path is unreadable section by section.
  const onPath = new Map<string, { service: string; operation: string; nano: bigint; sections: number }>();
  for (const s of path) {
    const key = `${s.service}\u0000${s.operation}`;
    const row = onPath.get(key) ?? { service: s.service, operation: s.operation, nano: 0n, sections: 0 };
    row.nano += BigInt(s.endUnixNano) - BigInt(s.startUnixNano);
    row.sections++;
    onPath.set(key, row);
  }
  const pathRows = [...onPath.values()].sort((a, b) => (a.nano > b.nano ? -1 : a.nano < b.nano ? 1 : 0));
  if (pathRows.length > 0) {
    const shown = pathRows.slice(0, TOP);
    lines.push(
      ...table(
        [['time', 'share', 'sections', 'service', 'operation'], ...shown.map((r) => [formatDuration(r.nano), pathShare(r.nano), String(r.sections), r.service, r.operation])],
        [true, true, true, false, false],
      ).map((l) => `  ${l}`),
      ...more(pathRows.length, shown.length, 'operations on the path'),
    );
  }

  lines.push('', 'Self time (time not spent waiting on children)');
  const selfShown = analysis.selfTime.slice(0, TOP);
  lines.push(
    ...table(
      [
        ['self', 'share', 'count', 'total', 'service', 'operation'],
        ...selfShown.map((r) => [formatDuration(BigInt(r.selfNano)), share(BigInt(r.selfNano)), String(r.count), formatDuration(BigInt(r.totalNano)), r.service, r.operation]),
      ],
      [true, true, true, true, false, false],
    ).map((l) => `  ${l}`),
    ...more(analysis.selfTime.length, selfShown.length, 'operations'),
  );

  const { errorSpanIds, rootCauseSpanIds } = analysis.errors;
  lines.push('', `Errors: ${errorSpanIds.length} error spans, ${rootCauseSpanIds.length} root causes`);
  for (const id of rootCauseSpanIds.slice(0, TOP)) {
    const s = byId.get(id);
    lines.push(`  root cause ${id}: ${label(id)}${s ? ` — ${errorReason(s) ?? ''}` : ''}`);
  }
  lines.push(...more(rootCauseSpanIds.length, TOP, 'root causes'));

  lines.push('', `Dependencies: ${analysis.dependencies.length} edges`);
  const deps = [...analysis.dependencies].sort((a, b) => b.callCount - a.callCount);
  const depShown = deps.slice(0, 2 * TOP);
  if (depShown.length > 0) {
    lines.push(
      ...table(
        [['calls', 'errors', 'edge'], ...depShown.map((d) => [String(d.callCount), String(d.errorCount), `${d.parent} → ${d.child}`])],
        [true, true, false],
      ).map((l) => `  ${l}`),
      ...more(deps.length, depShown.length, 'edges'),
    );
  }

  if (analysis.nPlusOne.length > 0) {
    lines.push('', 'Repeated calls (N+1 / fan-out)');
    for (const f of analysis.nPlusOne.slice(0, TOP)) {
      lines.push(
        `  ${f.count}× ${f.service} ${f.operation} (${f.pattern}, ${formatDuration(BigInt(f.totalNano))} total, ` +
          `${formatDuration(BigInt(f.wallNano))} wall) under ${label(f.parentSpanId)}`,
      );
      if (f.statement !== undefined) lines.push(`      ${f.statement.length > 120 ? `${f.statement.slice(0, 117)}...` : f.statement}`);
    }
    lines.push(...more(analysis.nPlusOne.length, TOP, 'repeated calls'));
  }

  if (analysis.genAi) lines.push('', ...genAiReport(analysis.genAi));

  lines.push('', analysis.quality.length === 0 ? 'Quality: no findings' : 'Quality');
  for (const q of analysis.quality) {
    const sample = q.spanIds.slice(0, 3).join(', ') + (q.spanIds.length > 3 ? ', …' : '');
    lines.push(`  ${q.check}: ${q.message} [${sample}]`);
  }
  return lines.map(printable).join('\n') + '\n';
}

/** The GenAI lines of the report: calls, tokens, and where each agent run's critical path went. */
function genAiReport(g: GenAiAnalysis): string[] {
  const lines = [`GenAI: ${g.modelCalls} model calls, ${g.toolCalls} tool calls, ${g.inputTokens} tokens in, ${g.outputTokens} tokens out`];
  for (const m of g.models.slice(0, TOP)) {
    lines.push(`  model ${m.model}: ${m.calls} calls, ${m.inputTokens} → ${m.outputTokens} tokens, ${formatDuration(BigInt(m.totalNano))}`);
  }
  for (const t of g.tools.slice(0, TOP)) {
    lines.push(`  tool ${t.tool}: ${t.calls} calls${t.errors ? ` (${t.errors} failed)` : ''}, ${formatDuration(BigInt(t.totalNano))}`);
  }
  for (const r of g.runs.slice(0, TOP)) {
    const parts = [BigInt(r.criticalPath.modelNano), BigInt(r.criticalPath.toolNano), BigInt(r.criticalPath.otherNano)];
    const total = parts.reduce((x, y) => x + y, 0n);
    const share = (n: bigint) => `${formatDuration(n)} (${total > 0n ? formatPercent(Number(n) / Number(total)) : '-'})`;
    lines.push(
      `  run ${r.spanId} ${r.name} (${formatDuration(BigInt(r.durationNano))}): critical path in model ${share(parts[0])}, tools ${share(parts[1])}, other ${share(parts[2])}`,
    );
  }
  return lines;
}
