/** MCP tools about one trace (or two): overview, spans, one span, errors, logs, comparison. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import {
  childrenOf,
  decodeOtlpJsonLogs,
  durationNano,
  errorReason,
  formatAttrValue,
  formatTraceReport,
  getAttr,
  startOf,
  StatusCode,
  type KeyValue,
  type TraceComparison,
} from '@sextant/core';
import { BoundedText, clip, maxTokensSchema } from './budget.js';
import type { SextantClient } from './client.js';
import { spanIdSchema, traceIdSchema } from './args.js';
import { dur, kindName, offset, pct, spanLabel, when } from './render.js';
import type { LoadedTrace, TraceLoader } from './trace-loader.js';

export function textResult(out: BoundedText) {
  return { content: [{ type: 'text' as const, text: out.text() }] };
}

function nodeOf(trace: LoadedTrace, spanId: string): number {
  const node = trace.tree.byId.get(spanId.toLowerCase()) ?? trace.tree.byId.get(spanId);
  if (node === undefined) throw new Error(`span ${spanId} is not in trace ${trace.traceId} (get_trace_spans lists its spans)`);
  return node;
}

const pageShape = {
  offset: z.number().int().min(0).default(0).describe('rows to skip (from the previous answer\'s "offset=" hint)'),
  limit: z.number().int().min(1).max(500).default(50).describe('rows per page'),
};

function pageMarker(out: BoundedText, total: number, from: number, shown: number): void {
  if (from + shown < total && !out.full) out.marker(`${total - from - shown} more rows not shown; call again with offset=${from + shown}`);
}

function attrLines(attrs: readonly KeyValue[], indent: string, max: number): string[] {
  return attrs.map((kv) => `${indent}${clip(kv.key, 100)} = ${clip(typeof kv.value === 'string' ? JSON.stringify(kv.value) : formatAttrValue(kv.value), max)}`);
}

export function registerTraceTools(server: McpServer, traces: TraceLoader, client: SextantClient): void {
  server.registerTool(
    'get_trace_overview',
    {
      title: 'Trace overview',
      description:
        'Summary of one trace without its spans: root, duration, services, span count, where the critical path spends its time, ' +
        'self time, errors and their root causes, repeated calls (N+1, fan-out), dependency edges and instrumentation-quality findings. ' +
        'Start here after search_traces; then drill in with get_trace_spans, get_trace_errors or get_span.',
      inputSchema: { traceId: traceIdSchema, maxTokens: maxTokensSchema(2500) },
    },
    async ({ traceId, maxTokens }) => {
      const trace = await traces.load(traceId);
      const out = new BoundedText(maxTokens);
      const lines = formatTraceReport(trace.analysis, trace.spans).trimEnd().split('\n');
      const g = trace.analysis.genAi;
      // The report lists GenAI last; an agent looking at an LLM run should learn that early, whatever its budget.
      if (g) lines.splice(3, 0, `  GenAI: ${g.modelCalls} model calls, ${g.toolCalls} tool calls, ${g.inputTokens} tokens in, ${g.outputTokens} tokens out (get_genai_steps lists the conversation)`);
      for (const line of lines) {
        if (!out.add(line)) {
          out.marker('the rest of the overview; raise maxTokens, or use get_trace_spans / get_trace_errors for the details');
          break;
        }
      }
      out.add('');
      out.add(`Next: get_trace_spans traceId=${trace.traceId} mode=critical_path (what held the request up); get_trace_errors; get_span traceId spanId.`);
      return textResult(out);
    },
  );

  server.registerTool(
    'get_trace_spans',
    {
      title: 'Spans of a trace, paged',
      description:
        'Spans of one trace, a page at a time. mode=critical_path: the spans the request waited on, in order, with the time each ' +
        'holds the critical path. mode=children: the direct children of spanId (of the root when omitted). mode=subtree: the spans ' +
        'under spanId down to maxDepth levels, depth-first. Each row: span id, service, name, duration, start offset, errors.',
      inputSchema: {
        traceId: traceIdSchema,
        mode: z.enum(['critical_path', 'children', 'subtree']).default('critical_path'),
        spanId: spanIdSchema.optional().describe('span whose children/subtree to list (children/subtree modes; default: the root)'),
        maxDepth: z.number().int().min(1).max(50).default(3).describe('subtree mode: levels below spanId'),
        ...pageShape,
        maxTokens: maxTokensSchema(),
      },
    },
    async ({ traceId, mode, spanId, maxDepth, offset: from, limit, maxTokens }) => {
      const trace = await traces.load(traceId);
      const { tree, analysis } = trace;
      const out = new BoundedText(maxTokens);
      const errorSet = new Set(analysis.errors.errorSpanIds);
      const rootCauses = new Set(analysis.errors.rootCauseSpanIds);
      const flags = (node: number) => {
        const id = tree.spans[node].spanId;
        return rootCauses.has(id) ? ' [ERROR, root cause]' : errorSet.has(id) ? ' [ERROR]' : '';
      };
      if (mode === 'critical_path') {
        // One row per span in path order, with all its sections' time.
        const onPath = new Map<string, bigint>();
        let pathNano = 0n;
        for (const s of analysis.criticalPath) {
          const t = BigInt(s.endUnixNano) - BigInt(s.startUnixNano);
          onPath.set(s.spanId, (onPath.get(s.spanId) ?? 0n) + t);
          pathNano += t;
        }
        const rows = [...onPath.entries()];
        out.add(`Critical path of trace ${trace.traceId}: ${dur(pathNano)} over ${rows.length} spans (rows ${from + 1}–${Math.min(rows.length, from + limit)} of ${rows.length}, in path order)`);
        const page = rows.slice(from, from + limit);
        const shown = out.rows(
          page,
          ([id, t], i) => {
            const node = tree.byId.get(id)!;
            return `${from + i + 1}. ${spanLabel(tree, node)}: ${dur(t)} on the path (${pct(Number(t) / Number(pathNano))}), span ${dur(durationNano(tree.spans[node]))} at ${offset(tree, node)}, ${kindName(tree.spans[node].kind)}${flags(node)}`;
          },
          'spans',
          (n) => `call again with offset=${from + n}`,
        );
        pageMarker(out, rows.length, from, shown);
        return textResult(out);
      }
      const top = spanId === undefined ? null : nodeOf(trace, spanId);
      const starts = top === null ? [...tree.roots] : [top];
      const rows: { node: number; level: number }[] = [];
      if (mode === 'children') {
        for (const s of starts) {
          if (top === null) rows.push({ node: s, level: 0 });
          else for (const c of childrenOf(tree, s)) rows.push({ node: c, level: 0 });
        }
      } else {
        const stack = starts.map((node) => ({ node, level: 0 })).reverse();
        while (stack.length > 0) {
          const r = stack.pop()!;
          rows.push(r);
          if (r.level >= maxDepth) continue;
          const kids = childrenOf(tree, r.node);
          for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i]!, level: r.level + 1 });
        }
      }
      const what = top === null ? (mode === 'children' ? 'root spans' : 'spans from the root') : mode === 'children' ? `children of ${tree.spans[top].spanId}` : `spans under ${tree.spans[top].spanId} (${maxDepth} levels)`;
      out.add(`Trace ${trace.traceId} (${tree.spans.length} spans): ${what}, rows ${Math.min(rows.length, from + 1)}–${Math.min(rows.length, from + limit)} of ${rows.length}`);
      const page = rows.slice(from, from + limit);
      const shown = out.rows(
        page,
        ({ node, level }) => {
          const kids = tree.childStart[node + 1]! - tree.childStart[node]!;
          return `${'  '.repeat(level)}${spanLabel(tree, node)} ${dur(durationNano(tree.spans[node]))} at ${offset(tree, node)}${kids > 0 ? `, ${kids} children` : ''}${flags(node)}`;
        },
        'spans',
        (n) => `call again with offset=${from + n}`,
      );
      pageMarker(out, rows.length, from, shown);
      return textResult(out);
    },
  );

  server.registerTool(
    'get_span',
    {
      title: 'One span in detail',
      description: 'Everything one span carries: name, kind, status, timing, parent, attributes, resource, events (exceptions, logs) and links. Long values are clipped.',
      inputSchema: { traceId: traceIdSchema, spanId: spanIdSchema, maxTokens: maxTokensSchema(1500) },
    },
    async ({ traceId, spanId, maxTokens }) => {
      const trace = await traces.load(traceId);
      const { tree, analysis } = trace;
      const node = nodeOf(trace, spanId);
      const s = tree.spans[node];
      const out = new BoundedText(maxTokens);
      const parent = tree.parent[node]!;
      let onPath = 0n;
      for (const c of analysis.criticalPath) if (c.spanId === s.spanId) onPath += BigInt(c.endUnixNano) - BigInt(c.startUnixNano);
      out.add(`Span ${spanLabel(tree, node)} in trace ${trace.traceId}`);
      out.add(`  kind ${kindName(s.kind)}, status ${s.status.code === StatusCode.ERROR ? 'ERROR' : s.status.code === StatusCode.OK ? 'OK' : 'UNSET'}${s.status.message ? ` (${clip(s.status.message, 300)})` : ''}`);
      out.add(`  duration ${dur(durationNano(s))}, starts at ${offset(tree, node)} (${when(startOf(tree, node))}), ${onPath > 0n ? `${dur(onPath)} on the critical path` : 'not on the critical path'}`);
      out.add(`  parent ${parent >= 0 ? spanLabel(tree, parent) : s.parentSpanId ? `${s.parentSpanId} (not in the trace)` : 'none (root)'}, ${childrenOf(tree, node).length} children`);
      const reason = errorReason(s);
      if (reason !== undefined) out.add(`  error: ${clip(reason, 400)}${analysis.errors.rootCauseSpanIds.includes(s.spanId) ? ' (a root cause: nothing below it failed)' : ''}`);
      const sections: [string, string[]][] = [
        [`Attributes (${s.attributes.length})`, attrLines(s.attributes, '  ', 300)],
        [`Resource (${s.resource.attributes.length})`, attrLines(s.resource.attributes, '  ', 120)],
        [`Events (${s.events.length})`, s.events.flatMap((e) => [`  +${dur(e.timeUnixNano - tree.startNano)} ${clip(e.name, 120)}`, ...attrLines(e.attributes, '    ', 300)])],
        [`Links (${s.links.length})`, s.links.map((l) => `  trace ${l.traceId} span ${l.spanId}`)],
      ];
      if (s.scope.name) out.add(`  instrumentation scope ${clip(s.scope.name, 120)} ${clip(s.scope.version, 40)}`);
      for (const [title, lines] of sections) {
        if (lines.length === 0) continue;
        if (!out.add(title)) break;
        out.rows(lines, (l) => l, 'lines', () => 'raise maxTokens to see them');
        if (out.full) break;
      }
      return textResult(out);
    },
  );

  server.registerTool(
    'get_trace_errors',
    {
      title: 'Errors of a trace',
      description:
        'The failed spans of one trace, root causes first (error spans whose failure nothing below them explains), each with its reason ' +
        '(status message, HTTP 5xx, exception type and message) and, for root causes, the call chain from the root.',
      inputSchema: { traceId: traceIdSchema, ...pageShape, maxTokens: maxTokensSchema() },
    },
    async ({ traceId, offset: from, limit, maxTokens }) => {
      const trace = await traces.load(traceId);
      const { tree, analysis } = trace;
      const out = new BoundedText(maxTokens);
      const roots = analysis.errors.rootCauseSpanIds;
      const rootSet = new Set(roots);
      const ordered = [...roots, ...analysis.errors.errorSpanIds.filter((id) => !rootSet.has(id))];
      out.add(`Trace ${trace.traceId}: ${analysis.errors.errorSpanIds.length} error spans, ${roots.length} root causes`);
      const page = ordered.slice(from, from + limit);
      const shown = out.rows(
        page,
        (id) => {
          const node = tree.byId.get(id)!;
          const reason = clip(errorReason(tree.spans[node]) ?? 'error', 300);
          if (!rootSet.has(id)) return `  error ${spanLabel(tree, node)}: ${reason}`;
          const chain: string[] = [];
          for (let p = tree.parent[node]!; p >= 0 && chain.length < 8; p = tree.parent[p]!) chain.push(`${clip(tree.services[p], 40)}:${clip(tree.spans[p].name, 60)}`);
          return `  ROOT CAUSE ${spanLabel(tree, node)}: ${reason}${chain.length ? `\n    called via ${chain.reverse().join(' > ')}` : ''}`;
        },
        'error spans',
        (n) => `call again with offset=${from + n}`,
      );
      pageMarker(out, ordered.length, from, shown);
      return textResult(out);
    },
  );

  server.registerTool(
    'get_genai_steps',
    {
      title: 'An LLM agent run, step by step',
      description:
        'For traces of LLM agents (OpenTelemetry gen_ai.* spans): the model calls, tool calls and agent steps in the order they started, ' +
        'each with model, tokens in → out, duration, and the messages it added to the conversation (clipped to maxText characters each). ' +
        'get_trace_overview has the totals and where the run\'s critical path went (model vs tools vs other).',
      inputSchema: {
        traceId: traceIdSchema,
        ...pageShape,
        maxText: z.number().int().min(40).max(4000).default(300).describe('characters kept of each message part'),
        maxTokens: maxTokensSchema(),
      },
    },
    async ({ traceId, offset: from, limit, maxText, maxTokens }) => {
      const trace = await traces.load(traceId);
      const g = trace.analysis.genAi;
      const out = new BoundedText(maxTokens);
      if (g === undefined) {
        out.add(`Trace ${trace.traceId} has no GenAI spans (no gen_ai.operation.name, gen_ai.request.model, gen_ai.tool.name or gen_ai.agent.name).`);
        return textResult(out);
      }
      const start = BigInt(trace.analysis.startUnixNano);
      out.add(`Trace ${trace.traceId}: ${g.modelCalls} model calls, ${g.toolCalls} tool calls, ${g.inputTokens} tokens in, ${g.outputTokens} tokens out; steps ${from + 1}–${Math.min(g.steps.length, from + limit)} of ${g.steps.length}`);
      const page = g.steps.slice(from, from + limit);
      const shown = out.rows(
        page,
        (s, i) => {
          const head =
            `${from + i + 1}. ${s.spanId} ${s.kind} ${clip(s.name, 120)}${s.model ? ` [${clip(s.model, 60)}]` : ''}: ` +
            `${s.inputTokens !== undefined || s.outputTokens !== undefined ? `${s.inputTokens ?? 0} → ${s.outputTokens ?? 0} tokens, ` : ''}` +
            `${dur(s.durationNano)} at +${dur(BigInt(s.startUnixNano) - start)}${s.error ? ' [ERROR]' : ''}`;
          const msgs = [...s.input, ...s.output].flatMap((m) =>
            m.parts.map((p) =>
              p.type === 'tool_call'
                ? `     ${m.role} → ${clip(p.toolName ?? 'tool', 80)}(${clip(p.text, maxText)})`
                : p.type === 'tool_result'
                  ? `     ${m.role} ← ${clip(p.text, maxText)}`
                  : `     ${m.role}: ${clip(p.text, maxText)}`,
            ),
          );
          return [head, ...msgs].join('\n');
        },
        'steps',
        (n) => `call again with offset=${from + n}, or a smaller maxText`,
      );
      pageMarker(out, g.steps.length, from, shown);
      return textResult(out);
    },
  );

  server.registerTool(
    'get_trace_logs',
    {
      title: 'Logs of a trace or span',
      description: 'Log records correlated with a trace (OTLP logs carrying its trace id), oldest first; with spanId, only that span\'s.',
      inputSchema: { traceId: traceIdSchema, spanId: spanIdSchema.optional(), ...pageShape, maxTokens: maxTokensSchema() },
    },
    async ({ traceId, spanId, offset: from, limit, maxTokens }) => {
      const doc = await client.get(`/api/v1/traces/${traceId}/logs`);
      let logs = decodeOtlpJsonLogs(doc).items.sort((a, b) => (a.timeUnixNano < b.timeUnixNano ? -1 : a.timeUnixNano > b.timeUnixNano ? 1 : 0));
      if (spanId !== undefined) logs = logs.filter((l) => l.spanId === spanId.toLowerCase());
      const out = new BoundedText(maxTokens);
      out.add(`${logs.length} log records for trace ${traceId.toLowerCase()}${spanId ? ` span ${spanId}` : ''}`);
      const page = logs.slice(from, from + limit);
      const shown = out.rows(
        page,
        (l) => {
          const service = getAttr(l.resource.attributes, 'service.name');
          return `  ${when(l.timeUnixNano)} ${l.severityText || `severity ${l.severityNumber}`} ${clip(typeof service === 'string' ? service : '?', 60)} span ${l.spanId || '-'}: ${clip(formatAttrValue(l.body), 400)}`;
        },
        'log records',
        (n) => `call again with offset=${from + n}`,
      );
      pageMarker(out, logs.length, from, shown);
      return textResult(out);
    },
  );

  server.registerTool(
    'compare_traces',
    {
      title: 'Compare two traces',
      description: 'Two traces aligned by call path (service:operation / …): subtrees only in B (added) or only in A (missing), calls that got slower or faster, calls made a different number of times.',
      inputSchema: { a: traceIdSchema.describe('the reference trace'), b: traceIdSchema.describe('the trace to explain'), maxTokens: maxTokensSchema() },
    },
    async ({ a, b, maxTokens }) => {
      const c = (await client.get('/api/v1/compare', { a, b })) as TraceComparison;
      const out = new BoundedText(maxTokens);
      out.add(`A ${c.traceIdA}: ${dur(c.durationNanoA)}; B ${c.traceIdB}: ${dur(c.durationNanoB)} (${c.durationNanoB >= c.durationNanoA ? '+' : '-'}${dur(Math.abs(c.durationNanoB - c.durationNanoA))})`);
      const sections: [string, string[]][] = [
        ['Slower in B', c.slower.map((p) => `  ${clip(p.path, 300)}: ${dur(p.totalNanoA)} → ${dur(p.totalNanoB)} (+${dur(p.deltaNano)}), calls ${p.countA} → ${p.countB}`)],
        ['Only in B (added)', c.added.map((s) => `  ${clip(s.path, 300)}: ${s.count} calls, ${dur(s.totalNano)}`)],
        ['Only in A (missing from B)', c.missing.map((s) => `  ${clip(s.path, 300)}: ${s.count} calls, ${dur(s.totalNano)}`)],
        ['Call count changed', c.countChanged.map((p) => `  ${clip(p.path, 300)}: ${p.countA} → ${p.countB} calls`)],
        ['Faster in B', c.faster.map((p) => `  ${clip(p.path, 300)}: ${dur(p.totalNanoA)} → ${dur(p.totalNanoB)} (-${dur(-p.deltaNano)})`)],
      ];
      for (const [title, lines] of sections) {
        if (lines.length === 0) continue;
        if (!out.add(`${title} (${lines.length})`)) break;
        // At most 15 rows a section, so that a long first section does not hide the others.
        out.rows(lines.slice(0, 15), (l) => l, 'paths', () => 'raise maxTokens');
        if (lines.length > 15 && !out.full) out.add(`  … ${lines.length - 15} more`);
        if (out.full) break;
      }
      return textResult(out);
    },
  );
}
