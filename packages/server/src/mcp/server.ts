/**
 * The Sextant MCP server: tools for progressive disclosure (find traces, open one's overview, drill into its
 * critical path, spans and errors), a resource per trace's analysis JSON, and prompts that chain the tools.
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { SextantClient } from './client.js';
import { registerQueryTools } from './query-tools.js';
import { registerTraceTools } from './trace-tools.js';
import { TraceLoader, type TraceCache } from './trace-loader.js';

const VERSION = '0.1.0';

const INSTRUCTIONS =
  'Sextant holds distributed traces (OpenTelemetry). Work from the general to the particular: list_services or get_red to find a slow ' +
  'or failing endpoint, search_traces to pick traces, get_trace_overview for one trace (critical path, errors, root causes), then ' +
  'get_trace_spans / get_span / get_trace_errors / get_trace_logs for details. compare_cohorts explains what slow or failing requests do ' +
  'differently. Every tool takes maxTokens; an answer that did not fit ends with a [truncated: …] marker saying how to get the rest. ' +
  'Durations carry their units; times are UTC.';

/** What one MCP session needs. */
export interface McpContext {
  client: SextantClient;
  traces: TraceLoader;
}

export function mcpContext(client: SextantClient, cache?: TraceCache): McpContext {
  return { client, traces: new TraceLoader(client, cache) };
}

export function createMcpServer(ctx: McpContext): McpServer {
  const server = new McpServer({ name: 'sextant', version: VERSION }, { instructions: INSTRUCTIONS });
  registerQueryTools(server, ctx.client);
  registerTraceTools(server, ctx.traces, ctx.client);

  server.registerResource(
    'trace-analysis',
    new ResourceTemplate('sextant://traces/{traceId}/analysis', { list: undefined }),
    {
      title: 'Trace analysis JSON',
      description: "One trace's full analysis document (critical path, self time, errors, dependencies, quality, repeated calls), as GET /api/v1/traces/{id}/analysis answers it",
      mimeType: 'application/json',
    },
    async (uri, { traceId }) => {
      const id = String(traceId);
      if (!/^([0-9a-fA-F]{16}){1,2}$/.test(id)) throw new Error(`'${id}' is not a trace id (32 hexadecimal characters)`);
      const analysis = await ctx.client.get(`/api/v1/traces/${id}/analysis`);
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(analysis) }] };
    },
  );

  server.registerPrompt(
    'investigate_slow_endpoint',
    {
      title: 'Investigate a slow endpoint',
      description: 'Find out why an endpoint is slow: its latency, typical slow traces, their critical path, and what slow requests do differently.',
      argsSchema: {
        service: z.string().describe('service of the endpoint'),
        operation: z.string().optional().describe('the endpoint (span name), e.g. "GET /checkout"'),
        threshold: z.string().optional().describe('what counts as slow, e.g. 500ms (default: about its p95)'),
      },
    },
    ({ service, operation, threshold }) => {
      const target = operation ? `${operation} of service ${service}` : `service ${service}`;
      return {
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text: [
                `Investigate why ${target} is slow, using the Sextant tools.`,
                `1. get_red service=${JSON.stringify(service)}${operation ? ` operation=${JSON.stringify(operation)}` : ''} lookback=1h: its p50/p95/p99 and which operations carry the most time.`,
                `2. search_traces for slow examples: service, operation and traceMinDuration=${threshold ?? '<about the p95 from step 1>'}.`,
                '3. get_trace_overview on one or two of them: where the critical path spends its time, errors, repeated calls.',
                '4. get_trace_spans mode=critical_path, then get_span on the spans that dominate it.',
                '5. compare_cohorts with selection = the slow traces and baseline "rest", to see what slow requests do differently.',
                'Report the cause in one paragraph, naming the service, operation and span ids that show it, with durations.',
              ].join('\n'),
            },
          },
        ],
      };
    },
  );

  server.registerPrompt(
    'explain_trace_errors',
    {
      title: 'Explain why a trace failed',
      description: 'Name the root cause of a failed trace and how the failure travelled up to the caller.',
      argsSchema: { traceId: z.string().describe('the failed trace') },
    },
    ({ traceId }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: [
              `Explain why trace ${traceId} failed, using the Sextant tools.`,
              `1. get_trace_errors traceId=${traceId}: the root causes and the chain of calls above them.`,
              '2. get_span on each root cause (status, exception events, attributes) and get_trace_logs for its span.',
              '3. get_trace_overview if the failure may be a timeout or a retry storm (critical path, repeated calls).',
              'Answer with the root cause span id, service and operation, the error message, and how the error reached the caller.',
            ].join('\n'),
          },
        },
      ],
    }),
  );
  return server;
}
