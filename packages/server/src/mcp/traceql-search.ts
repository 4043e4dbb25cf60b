/**
 * search_traces with a TraceQL query: checked here first so a malformed query comes back as a tool error that
 * shows where it broke, then run by the query server's Tempo search (the same engine Grafana uses), whose
 * answer lists the matching spans of each trace.
 */
import { parseTraceQL, TraceQLError, type TempoKeyValue, type TempoSearchResponse } from '@sextant/core';
import { BoundedText, clip } from './budget.js';
import type { SextantClient } from './client.js';
import { dur, when } from './render.js';

/** The parser's sentence, then the query's line with a caret under the column it names. */
export function traceqlErrorText(query: string, err: TraceQLError): string {
  const line = query.split('\n')[err.line - 1] ?? '';
  const from = Math.max(0, err.column - 1 - 60);
  const excerpt = clip(line.slice(from, from + 120), 130);
  return `${err.message}\n  ${excerpt}\n  ${' '.repeat(Math.max(0, err.column - 1 - from))}^`;
}

/** Parses the query or throws an Error an agent can act on; metrics queries belong elsewhere. */
export function checkSpansetQuery(query: string): void {
  let metrics: boolean;
  try {
    metrics = parseTraceQL(query).metrics !== undefined;
  } catch (e) {
    if (e instanceof TraceQLError) throw new Error(`traceql: ${traceqlErrorText(query, e)}`);
    throw e;
  }
  if (metrics) throw new Error('traceql: this is a metrics query (| rate(), | quantile_over_time(…)); search_traces takes spanset queries such as { span.http.response.status_code >= 500 }');
}

function attrText(kv: TempoKeyValue): string {
  // protojson carries int64 as a string: only string values are quoted.
  const [type, v] = Object.entries(kv.value)[0] ?? ['', undefined];
  return `${clip(kv.key, 100)}=${clip(type === 'stringValue' ? JSON.stringify(v) : String(v), 120)}`;
}

export async function traceqlSearch(
  client: SextantClient,
  args: { traceql: string; limit: number; spansPerTrace: number; window: { start?: string; end?: string }; maxTokens: number },
): Promise<BoundedText> {
  checkSpansetQuery(args.traceql);
  const res = (await client.get('/api/search', {
    q: args.traceql,
    limit: String(args.limit),
    spss: String(args.spansPerTrace),
    ...args.window,
  })) as TempoSearchResponse;
  const out = new BoundedText(args.maxTokens);
  const m = res.metrics;
  const bounded = m.additionalMetrics.truncated === '1';
  out.add(
    `${res.traces.length} traces match${res.traces.length === args.limit ? ` (limit ${args.limit} reached; more may exist)` : ''}, most recent first; ` +
      `inspected ${m.inspectedTraces} traces, ${m.inspectedSpans} spans` +
      (bounded ? `; stopped at the bound of ${m.additionalMetrics.candidateBound} candidate traces: narrow the window or the query for a complete answer` : ''),
  );
  const lines = res.traces.map((t) => {
    const head =
      `${t.traceID} ${clip(t.rootServiceName, 80)} ${clip(t.rootTraceName, 120)}: ${dur(BigInt(t.durationMs) * 1_000_000n)}, ` +
      `started ${when(t.startTimeUnixNano)}, ${t.spanSets.reduce((a, s) => a + s.matched, 0)} matching spans`;
    const spans = t.spanSets.flatMap((set) => [
      ...(set.attributes?.length ? [`  spanset ${set.attributes.map(attrText).join(' ')}: ${set.matched} spans`] : []),
      ...set.spans.map((s) => {
        const service = s.attributes.find((a) => a.key === 'service.name');
        const rest = s.attributes.filter((a) => a !== service);
        const svc = typeof service?.value.stringValue === 'string' ? clip(service.value.stringValue, 80) : '?';
        return `  span ${s.spanID} ${svc} ${clip(s.name, 120)} ${dur(s.durationNanos)}${rest.length ? ` ${rest.map(attrText).join(' ')}` : ''}`;
      }),
    ]);
    return { head, spans };
  });
  out.rows(
    lines,
    (l) => [l.head, ...l.spans].join('\n'),
    'traces',
    () => 'lower limit or spansPerTrace, narrow the query, or raise maxTokens',
  );
  return out;
}
