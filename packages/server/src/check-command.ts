/**
 * `sextant check`: the instrumentation rules over trace files (offline) or over a running Sextant's recent
 * traces (through its HTTP API), as a CI step. Exit 0 when every rule passes, 1 when one fails, 2 for bad usage.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import {
  checkTraces,
  decodeTraceFile,
  defaultRulesConfig,
  groupByTrace,
  parseRulesConfig,
  RulesConfigError,
  serviceName,
  type RulesConfig,
  type Span,
} from '@sextant/core';
import { parseDurationNano, parseTimeNano } from './query/search-params.js';
import { formatCheckJunit, formatCheckText } from './check-report.js';
import { readTraceFiles } from './trace-files.js';
import { UsageError } from './usage-error.js';

export interface CheckOptions {
  url?: string;
  since: string;
  start?: string;
  end?: string;
  service?: string[];
  rules?: string;
  expect?: string[];
  format: string;
  limit: string;
}

const PAGE = 1000;

function rulesFrom(o: CheckOptions): RulesConfig {
  let config = defaultRulesConfig();
  if (o.rules) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(o.rules, 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(`--rules ${o.rules}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    try {
      config = parseRulesConfig(json, config);
    } catch (err) {
      if (err instanceof RulesConfigError) throw new UsageError(`--rules ${o.rules}: ${err.message}`);
      throw err;
    }
  }
  config.expect.push(...(o.expect ?? []));
  return config;
}

async function getJson<T>(url: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new Error(`cannot reach Sextant at ${new URL(url).origin}: ${(err as Error).cause ? ((err as Error).cause as Error).message : (err as Error).message}`);
  }
  if (res.status !== 200) throw new Error(`${new URL(url).pathname} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

/** The traces of the window, read through the native API: search pages, then each trace in full. */
async function tracesFromServer(base: string, start: bigint, end: bigint, services: readonly string[], limit: number): Promise<Span[][]> {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const service of services.length > 0 ? services : [undefined]) {
    let cursor: string | undefined;
    do {
      const q = new URLSearchParams({ start: String(start), end: String(end), limit: String(Math.min(PAGE, limit - ids.length)) });
      if (service !== undefined) q.set('service', service);
      if (cursor) q.set('cursor', cursor);
      const page = await getJson<{ traces: { traceId: string }[]; nextCursor?: string | null }>(`${base}/api/v1/traces?${q}`);
      for (const t of page.traces) if (!seen.has(t.traceId)) (seen.add(t.traceId), ids.push(t.traceId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && ids.length < limit);
  }
  const traces: Span[][] = [];
  for (const id of ids) {
    const res = await fetch(`${base}/api/v1/traces/${id}`, { signal: AbortSignal.timeout(30_000) });
    if (res.status === 404) continue; // deleted by retention since the search
    if (res.status !== 200) throw new Error(`/api/v1/traces/${id} answered ${res.status}`);
    traces.push(decodeTraceFile(await res.text()).result.items);
  }
  return traces;
}

export async function runCheck(files: string[], o: CheckOptions): Promise<number> {
  if (o.format !== 'text' && o.format !== 'json' && o.format !== 'junit') throw new UsageError(`--format: '${o.format}' is not one of text, json, junit`);
  if (files.length > 0 && o.url) throw new UsageError('give trace files or --url, not both');
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit: '${o.limit}' is not a positive whole number`);
  const config = rulesFrom(o);
  const services = o.service ?? [];
  let traces: Span[][];
  let source: string;
  if (files.length > 0) {
    traces = groupByTrace(readTraceFiles(files));
    if (services.length > 0) traces = traces.filter((t) => t.some((s) => services.includes(serviceName(s))));
    source = files.length === 1 ? files[0] : `${files.length} files`;
  } else {
    const base = (o.url ?? 'http://127.0.0.1:16686').replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(base)) throw new UsageError(`--url: '${base}' is not an http(s) URL`);
    let start: bigint;
    let end: bigint;
    try {
      end = o.end ? parseTimeNano(o.end, '--end') : BigInt(Date.now()) * 1_000_000n;
      start = o.start ? parseTimeNano(o.start, '--start') : end - parseDurationNano(o.since, '--since');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    traces = await tracesFromServer(base, start, end, services, limit);
    source = o.start ? `${base}, from ${o.start}${o.end ? ` to ${o.end}` : ''}` : `${base}, last ${o.since}`;
  }
  const report = checkTraces(traces, config);
  if (o.format === 'json') process.stdout.write(JSON.stringify({ source, ...report }, null, 2) + '\n');
  else if (o.format === 'junit') process.stdout.write(formatCheckJunit(report, source));
  else process.stdout.write(formatCheckText(report, source));
  return report.ok ? 0 : 1;
}

/** Repeatable, comma-separated list options: a variadic option would swallow the file arguments after it. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('run the instrumentation rules over trace files or a running Sextant’s recent traces; exit 1 when a rule fails')
    .argument('[files...]', 'trace files (OTLP JSON, Jaeger JSON, Zipkin v2 JSON); without them, reads --url')
    .option('--url <url>', 'Sextant to read recent traces from', 'http://127.0.0.1:16686')
    .option('--since <age>', 'how far back to read (e.g. 10m, 1h)', '10m')
    .option('--start <time>', 'read traces from this time instead (RFC 3339 or Unix nanoseconds), e.g. when the CI job started')
    .option('--end <time>', 'read traces up to this time (default now)')
    .option('--service <names>', 'only traces through these services (comma separated, repeatable)', collect, [])
    .option('--rules <file>', 'JSON rules file: severities, thresholds, expect')
    .option('--expect <items>', 'services or service:operation that must appear (comma separated, repeatable)', collect, [])
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json', 'junit']).default('text'))
    .option('--limit <n>', 'most traces to read from the server', '1000')
    .action(async (files: string[], o: CheckOptions, cmd: Command) => {
      // --url has a default, so only an explicit one conflicts with files.
      const explicitUrl = cmd.getOptionValueSource('url') === 'cli' || cmd.getOptionValueSource('url') === 'env';
      program.setOptionValue('exit', await runCheck(files, { ...o, url: explicitUrl || files.length === 0 ? o.url : undefined }));
    });
}
