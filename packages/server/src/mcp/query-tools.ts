/** MCP tools over many traces: services, search, dependencies, RED, cohorts. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { CohortFigures, DependencyFigures, OperationInfo, RedFigures, SearchResult, Wire } from '@sextant/core';
import { BoundedText, clip, maxTokensSchema } from './budget.js';
import { queryString, type SextantClient } from './client.js';
import { filterParams, filterSchema, filterShape, windowParams, windowShape, type Filters } from './args.js';
import { dur, kindName, pct, when } from './render.js';
import { textResult } from './trace-tools.js';
import { traceqlSearch } from './traceql-search.js';

const MAX_SERVICES = 100;

export function registerQueryTools(server: McpServer, client: SextantClient): void {
  server.registerTool(
    'list_services',
    {
      title: 'Services and operations',
      description: 'The services that sent traces, each with its operations (span names) and their span kinds. With service: only that service\'s operations.',
      inputSchema: { service: z.string().max(200).optional(), maxTokens: maxTokensSchema() },
    },
    async ({ service, maxTokens }) => {
      const out = new BoundedText(maxTokens);
      const all = service !== undefined ? [service] : ((await client.get('/api/v1/services')) as { services: string[] }).services;
      out.add(service !== undefined ? `Operations of ${clip(service, 200)}:` : `${all.length} services (operations as name [span kind]):`);
      const shownServices = all.slice(0, MAX_SERVICES);
      const ops = await Promise.all(
        shownServices.map(async (s) => ((await client.get(`/api/v1/services/${encodeURIComponent(s)}/operations`)) as { operations: Wire<OperationInfo>[] }).operations),
      );
      const shown = out.rows(
        shownServices.map((s, i) => ({ s, ops: ops[i]! })),
        ({ s, ops }) => `${clip(s, 200)}: ${ops.length === 0 ? 'no operations' : ops.map((o) => `${clip(o.name, 150)} [${kindName(o.spanKind)}]`).join('; ')}`,
        'services',
        () => 'ask for one service at a time (service=…) or raise maxTokens',
      );
      if (shown === shownServices.length && all.length > MAX_SERVICES) out.marker(`${all.length - MAX_SERVICES} more services not shown; ask for one by name`);
      return textResult(out);
    },
  );

  server.registerTool(
    'search_traces',
    {
      title: 'Search traces',
      description:
        'Traces most recent first, one line each with trace id, root service and operation, duration and start time. Either structured ' +
        'filters (all must hold; span-level filters for one and the same span; span and error counts per trace; paged by cursor) or a ' +
        'TraceQL query (traceql, e.g. { span.gen_ai.usage.input_tokens > 1000 } or { resource.service.name = "api" && status = error } ' +
        '>> { kind = client }), which also lists the matching span ids of each trace (spansPerTrace). Slow endpoint: service + operation + ' +
        'traceMinDuration. Failures: errorsOnly. Pass a trace id to get_trace_overview next.',
      inputSchema: {
        ...filterShape,
        traceql: z.string().min(1).max(4000).optional().describe('a TraceQL spanset query; combines with the window (lookback/start/end) only'),
        spansPerTrace: z.number().int().min(0).max(50).default(3).describe('with traceql: matching spans listed per trace'),
        limit: z.number().int().min(1).max(200).default(20),
        cursor: z.string().max(500).optional().describe('nextCursor of the previous page (structured filters only)'),
        maxTokens: maxTokensSchema(),
      },
    },
    async ({ limit, cursor, maxTokens, traceql, spansPerTrace, ...filters }) => {
      if (traceql !== undefined) {
        const mixed = Object.keys(filters).filter((k) => !(k in windowShape) && filters[k as keyof Filters] !== undefined);
        if (cursor !== undefined) mixed.push('cursor');
        if (mixed.length > 0) throw new Error(`traceql does not combine with ${mixed.join(', ')}: write those conditions into the TraceQL query`);
        return textResult(await traceqlSearch(client, { traceql, limit, spansPerTrace, window: windowParams(filters), maxTokens }));
      }
      const res = (await client.get('/api/v1/traces', { ...filterParams(filters), limit: String(limit), cursor })) as Wire<SearchResult>;
      const out = new BoundedText(maxTokens);
      out.add(`${res.traces.length} traces${res.nextCursor ? ' (more exist)' : ''}, most recent first:`);
      const shown = out.rows(
        res.traces,
        (t) =>
          `${t.traceId} ${clip(t.rootService, 80)} ${clip(t.rootName, 120)}: ${dur(t.durationNano)}, ${t.spanCount} spans, ${t.errorCount} errors, ` +
          `${t.services.length} services, started ${when(t.startUnixNano)}`,
        'traces',
        () => 'narrow the filters or lower limit',
      );
      if (shown === res.traces.length && res.nextCursor) out.add(`Next page: cursor=${res.nextCursor}`);
      return textResult(out);
    },
  );

  server.registerTool(
    'get_dependencies',
    {
      title: 'Service dependencies with RED per edge',
      description: 'The service graph over a window (default the last hour): each edge caller → callee with calls, errors, error rate, p50/p95/p99 latency and an example trace id. Busiest edges first.',
      inputSchema: { ...windowShape, service: z.string().max(200).optional().describe('only edges into or out of this service'), maxTokens: maxTokensSchema() },
    },
    async ({ service, maxTokens, ...w }) => {
      const window = windowParams(w, '1h');
      const graph = (await client.get('/api/v1/dependencies', window)) as Wire<DependencyFigures>;
      const edges = graph.edges.filter((e) => service === undefined || e.parent === service || e.child === service).sort((a, b) => b.callCount - a.callCount);
      const out = new BoundedText(maxTokens);
      out.add(`${edges.length} edges from ${when(window.start!)} to ${when(window.end!)}:`);
      out.rows(
        edges,
        (e) =>
          `${clip(e.parent, 80)} → ${clip(e.child, 80)}: ${e.callCount} calls, ${e.errorCount} errors (${pct(e.errorRate)}), ` +
          `p50 ${dur(e.p50Nano)}, p95 ${dur(e.p95Nano)}, p99 ${dur(e.p99Nano)}, example trace ${e.exampleTraceId}`,
        'edges',
        () => 'filter by service or raise maxTokens',
      );
      return textResult(out);
    },
  );

  server.registerTool(
    'get_red',
    {
      title: 'Rate, errors, duration',
      description:
        'RED metrics over a window (default the last hour) for a service, an operation of it, or everything: per operation the request count, ' +
        'rate, error rate, p50/p95/p99 and impact (share of all time spent), largest impact first; and p95 over time.',
      inputSchema: {
        service: z.string().max(200).optional(),
        operation: z.string().max(500).optional(),
        ...windowShape,
        maxTokens: maxTokensSchema(),
      },
    },
    async ({ service, operation, maxTokens, ...w }) => {
      const window = windowParams(w, '1h');
      const red = (await client.get('/api/v1/red', { service, operation, ...window, step: undefined })) as Wire<RedFigures>;
      const out = new BoundedText(maxTokens);
      const count = red.series.reduce((a, p) => a + p.count, 0);
      const errors = red.series.reduce((a, p) => a + p.errorCount, 0);
      const seconds = Number(BigInt(window.end!) - BigInt(window.start!)) / 1e9;
      out.add(
        `${service ? clip(service, 100) : 'all services'}${operation ? ` ${clip(operation, 150)}` : ''} from ${when(window.start!)} to ${when(window.end!)}: ` +
          `${count} spans (${(count / seconds).toFixed(3)}/s), ${errors} errors (${pct(count ? errors / count : 0)})`,
      );
      const busy = red.series.filter((p) => p.count > 0);
      if (busy.length > 0) {
        const worst = busy.reduce((a, p) => (Number(p.p95Nano) > Number(a.p95Nano) ? p : a));
        out.add(`p95 per ${dur(red.stepNano)} bucket: worst ${dur(worst.p95Nano)} at ${when(worst.t)}, latest ${dur(busy[busy.length - 1]!.p95Nano)}`);
      }
      out.add('Operations (largest impact first):');
      out.rows(
        [...red.operations].sort((a, b) => b.impact - a.impact),
        (o) =>
          `  ${clip(o.service, 80)} ${clip(o.operation, 150)}: ${o.count} calls (${o.rate.toFixed(3)}/s), errors ${pct(o.errorRate)}, ` +
          `p50 ${dur(o.p50Nano)}, p95 ${dur(o.p95Nano)}, p99 ${dur(o.p99Nano)}, impact ${pct(o.impact)}`,
        'operations',
        () => 'ask about one service or operation, or raise maxTokens',
      );
      return textResult(out);
    },
  );

  server.registerTool(
    'compare_cohorts',
    {
      title: 'What a group of traces does differently',
      description:
        'Cohort comparison: traces matching `selection` (e.g. the slow ones: traceMinDuration) against `baseline` (other filters, ' +
        'or "rest": every other trace of the selection\'s window). Answers where their critical paths spend more time, which calls they make ' +
        'more or less often (N+1, retries, missing cache hits), and which attribute values they over-represent, each with an example trace id.',
      inputSchema: {
        selection: filterSchema,
        baseline: z.union([z.literal('rest'), filterSchema]).default('rest'),
        maxTraces: z.number().int().min(2).max(2000).default(300).describe('traces per group'),
        maxTokens: maxTokensSchema(),
      },
    },
    async ({ selection, baseline, maxTraces, maxTokens }) => {
      const res = (await client.get('/api/v1/cohort', {
        selection: queryString(filterParams(selection)),
        baseline: baseline === 'rest' ? 'rest' : queryString(filterParams(baseline)),
        max: String(maxTraces),
      })) as Wire<CohortFigures>;
      const out = new BoundedText(maxTokens);
      out.add(`Selection ${res.selectionCount} traces vs baseline ${res.baselineCount} traces (means per trace).`);
      if (res.selectionCount === 0 || res.baselineCount === 0) {
        out.add(res.selectionCount === 0 ? 'No trace matches the selection: widen its filters or window.' : 'The baseline is empty: widen its filters or window.');
        return textResult(out);
      }
      const ex = (id?: string) => (id ? `, e.g. trace ${id}` : '');
      const sections: [string, string[]][] = [
        [
          'Critical path, by operation (largest difference first)',
          res.criticalPath.map(
            (r) => `  ${clip(r.service, 80)} ${clip(r.operation, 150)}: ${dur(r.selectionMeanNano)} vs ${dur(r.baselineMeanNano)} (${r.deltaNano >= 0 ? '+' : '-'}${dur(Math.abs(r.deltaNano))}), share ${pct(r.selectionShare)} vs ${pct(r.baselineShare)}${ex(r.selectionExampleTraceId)}`,
          ),
        ],
        [
          'Calls made a different number of times',
          res.structure.map(
            (r) => `  ${clip(r.path, 300)}: ${r.selectionMeanCount.toFixed(2)} vs ${r.baselineMeanCount.toFixed(2)} calls, ${dur(r.selectionMeanNano)} vs ${dur(r.baselineMeanNano)}, accounts for ${dur(r.effectNano)}${ex(r.selectionExampleTraceId)}`,
          ),
        ],
        [
          'Attribute values over-represented in the selection',
          res.attributes.map((r) => `  ${clip(r.key, 100)}=${clip(r.value, 100)}: in ${pct(r.selectionShare)} of selection vs ${pct(r.baselineShare)} of baseline${ex(r.selectionExampleTraceId)}`),
        ],
      ];
      for (const [title, lines] of sections) {
        if (!out.add(`${title} (${lines.length}):`)) break;
        out.rows(lines.slice(0, 12), (l) => l, 'rows', () => 'raise maxTokens');
        if (lines.length > 12 && !out.full) out.add(`  … ${lines.length - 12} more`);
        if (out.full) break;
      }
      return textResult(out);
    },
  );
}
