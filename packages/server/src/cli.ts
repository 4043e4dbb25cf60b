/**
 * The `sextant` command. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad input; errors go to stderr as
 * one sentence.
 */
import { Command, CommanderError, Option } from 'commander';
import { analyzeTrace, parseDurationText, formatTraceReport, groupByTrace } from '@sextant/core';
import { startSextant, type RunningSextant, type SextantOptions } from './server.js';
import { registerCheckCommand } from './check-command.js';
import { readTraceFiles } from './trace-files.js';
import { UsageError } from './usage-error.js';
import { ExposureRefused, isLoopbackHost } from './auth/exposure.js';
import type { QueryAuthMode } from './auth/query-auth.js';
import { runStdioMcp } from './mcp/stdio.js';


const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

export function parseSize(text: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = (m?.[2] || 'b').toLowerCase();
  if (!m || !(unit in SIZE_UNITS)) throw new UsageError(`${name}: '${text}' is not a size (examples: 500MB, 10GB, 2GiB)`);
  return Math.round(Number(m[1]) * SIZE_UNITS[unit]!);
}

function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name}: '${text}' is not a positive whole number`);
  return n;
}

function parsePort(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${name}: '${text}' is not a port number`);
  return n;
}

function durationOption(text: string, name: string): bigint | null {
  if (text === '0' || text === 'forever' || text === 'none') return null;
  const nano = parseDurationText(text);
  if (nano === null) throw new UsageError(`${name}: '${text}' is not a duration (examples: 250ms, 1.5s, 2m, 1h30m, 7d)`);
  return nano;
}

/** A positive duration in whole milliseconds (a query cannot run forever: that is what the flag prevents). */
function queryTimeoutOption(text: string): number {
  const nano = parseDurationText(text);
  if (nano === null || nano < 1_000_000n) throw new UsageError(`--query-timeout: '${text}' is not a duration of at least 1ms (examples: 500ms, 30s, 2m)`);
  return Number(nano / 1_000_000n);
}

type ServeOptions = Record<string, string | boolean | undefined>;

/** A comma-separated flag value (flags and env vars alike). */
function listOption(value: string | boolean | undefined): string[] {
  return typeof value === 'string' ? value.split(',').map((v) => v.trim()).filter(Boolean) : [];
}

function booleanOption(text: string, name: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new UsageError(`${name}: '${text}' is not true or false`);
}

function choiceOption<T extends string>(text: string, name: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`${name}: '${text}' is not one of ${choices.join(', ')}`);
}

/** --storage, --role and the ClickHouse flags. */
function storageFromOptions(o: ServeOptions): Pick<SextantOptions, 'storage' | 'storageOptions' | 'role'> {
  const storage = choiceOption(o.storage as string, '--storage', ['duckdb', 'clickhouse'] as const);
  const role = choiceOption(o.role as string, '--role', ['ingest', 'query', 'all'] as const);
  if (role !== 'all' && storage !== 'clickhouse') throw new UsageError(`--role ${role} needs --storage clickhouse: the embedded DuckDB store lives in one process`);
  if (storage !== 'clickhouse') {
    // DuckDB caches the database in memory up to its own limit (80 % of RAM unless told): part of what the server holds.
    return o.duckdbMemoryLimit ? { storage, role, storageOptions: { memoryLimit: `${Math.floor(parseSize(o.duckdbMemoryLimit as string, '--duckdb-memory-limit') / 1024)}KiB` } } : { storage, role };
  }
  if (!o.clickhouseUrl) {
    throw new UsageError('--storage clickhouse needs --clickhouse-url (http(s)://user:password@host:8123/database, or chdb:DIR for the embedded engine)');
  }
  return {
    storage,
    role,
    storageOptions: {
      url: o.clickhouseUrl as string,
      createSchema: booleanOption(o.clickhouseCreateSchema as string, '--clickhouse-create-schema'),
      cluster: (o.clickhouseCluster as string | undefined) ?? null,
    },
  };
}

function startFromOptions(o: ServeOptions): Promise<RunningSextant> {
  return startSextant({
    ...storageFromOptions(o),
    dataDir: o.data as string,
    memory: o.memory === true || o.memory === 'true' || o.memory === '1',
    host: o.host as string,
    port: parsePort(o.port as string, '--port'),
    otlpGrpcPort: parsePort(o.otlpGrpcPort as string, '--otlp-grpc-port'),
    otlpHttpPort: parsePort(o.otlpHttpPort as string, '--otlp-http-port'),
    zipkinPort: parsePort(o.zipkinPort as string, '--zipkin-port'),
    jaegerHttpPort: parsePort(o.jaegerHttpPort as string, '--jaeger-http-port'),
    jaegerGrpcPort: parsePort(o.jaegerGrpcPort as string, '--jaeger-grpc-port'),
    retentionNano: durationOption(o.retention as string, '--retention'),
    maxSizeBytes: o.maxSize ? parseSize(o.maxSize as string, '--max-size') : null,
    maxBodyBytes: parseSize(o.maxBody as string, '--max-body'),
    maxIngestMemoryBytes: parseSize(o.maxIngestMemory as string, '--max-ingest-memory'),
    maxTraceSpans: positiveInt(o.maxTraceSpans as string, '--max-trace-spans'),
    maxSearchSpans: positiveInt(o.maxSearchSpans as string, '--max-search-spans'),
    queryTimeoutMs: queryTimeoutOption(o.queryTimeout as string),
    queryConcurrency: positiveInt(o.queryConcurrency as string, '--query-concurrency'),
    corsOrigins: listOption(o.corsOrigins),
    ingestCorsOrigins: listOption(o.ingestCorsOrigins),
    allowedHosts: listOption(o.allowedHosts),
    ...authFromOptions(o),
  });
}

const AUTH_MODES: QueryAuthMode[] = ['none', 'token', 'oidc'];

function authFromOptions(o: ServeOptions): Pick<SextantOptions, 'ingestKeys' | 'queryAuth' | 'allowAnonymous'> {
  const explicit = o.auth as string | undefined;
  if (explicit !== undefined && !AUTH_MODES.includes(explicit as QueryAuthMode)) throw new UsageError(`--auth: '${explicit}' is not one of ${AUTH_MODES.join(', ')}`);
  const issuer = o.oidcIssuer as string | undefined;
  // Configuring a credential for the UI turns its authentication on; an explicit --auth wins.
  const mode: QueryAuthMode = (explicit as QueryAuthMode | undefined) ?? (issuer ? 'oidc' : o.apiToken || o.browserToken ? 'token' : 'none');
  if (mode === 'oidc' && (!issuer || !o.oidcClientId)) throw new UsageError('--auth oidc needs --oidc-issuer and --oidc-client-id');
  if (issuer && !URL.canParse(issuer)) throw new UsageError(`--oidc-issuer: '${issuer}' is not a URL`);
  return {
    ingestKeys: listOption(o.ingestKey),
    allowAnonymous: o.allowAnonymous === true || o.allowAnonymous === 'true' || o.allowAnonymous === '1',
    queryAuth: {
      mode,
      browserToken: (o.browserToken as string | undefined) ?? null,
      apiTokens: listOption(o.apiToken),
      oidc: mode === 'oidc' ? { issuer: issuer!, clientId: o.oidcClientId as string, clientSecret: (o.oidcClientSecret as string | undefined) ?? null, scopes: o.oidcScopes as string } : null,
      publicUrl: (o.publicUrl as string | undefined) ?? null,
    },
  };
}

function untilSignal(onSignal: (signal: string) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      onSignal(signal).then(resolve, (err) => {
        process.stderr.write(`sextant: error while stopping: ${(err as Error).message}\n`);
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** What the start-up message says about authentication; never a secret except the login URL, on purpose. */
function securityLines(o: ServeOptions, sextant: RunningSextant): string[] {
  const auth = authFromOptions(o);
  const lines: string[] = [];
  if (sextant.loginUrl) lines.push(`  Log in:          ${sextant.loginUrl}`);
  else if (auth.queryAuth?.mode === 'oidc') lines.push(`  Log in:          through ${auth.queryAuth.oidc!.issuer}`);
  if (auth.ingestKeys?.length) lines.push('  Receivers need the ingest key: OTEL_EXPORTER_OTLP_HEADERS="authorization=Bearer <key>"');
  if (!isLoopbackHost(o.host as string) && (auth.queryAuth?.mode === 'none' || !auth.ingestKeys?.length)) {
    lines.push(`  Warning: listening on ${o.host as string} with parts open to anyone without authentication (--allow-anonymous).`);
  }
  return lines;
}

async function serve(o: ServeOptions): Promise<number> {
  const sextant = await startFromOptions(o);
  // Without its store the server can only fail requests: exit so that a supervisor restarts it (everything
  // acknowledged is committed, so nothing acknowledged is lost).
  sextant.onStoreDeath((err) => {
    process.stderr.write(`sextant: ${err.message}; exiting.\n`);
    process.exit(1);
  });
  const where = o.memory && o.storage !== 'clickhouse' ? 'in memory (nothing is kept after exit)' : `in ${sextant.storageLocation}`;
  process.stdout.write(
    [
      `Sextant is ready. Storing ${where}.`,
      `  Web UI and API   ${sextant.urls.api ?? 'off (--role ingest)'}`,
      `  OTLP/gRPC        ${sextant.urls.otlpGrpc ?? 'off'}`,
      `  OTLP/HTTP        ${sextant.urls.otlpHttp ?? 'off'}   (POST /v1/traces, /v1/logs)`,
      `  Zipkin           ${sextant.urls.zipkin ?? 'off'}   (POST /api/v2/spans: JSON, protobuf; /api/v1/spans: JSON, Thrift)`,
      `  Jaeger HTTP      ${sextant.urls.jaegerHttp ?? 'off'}   (POST /api/traces: jaeger.thrift)`,
      `  Jaeger gRPC      ${sextant.urls.jaegerGrpc ?? 'off'}   (jaeger.api_v2.CollectorService/PostSpans)`,
      ...securityLines(o, sextant),
      `Point an OpenTelemetry SDK at it: OTEL_EXPORTER_OTLP_ENDPOINT=${sextant.urls.otlpHttp ?? sextant.urls.otlpGrpc}`,
      '',
    ].join('\n'),
  );
  await untilSignal(async (signal) => {
    process.stdout.write(`\nsextant: ${signal} received, finishing writes and closing the store...\n`);
    await sextant.close();
  });
  return 0;
}

async function isSextantRunning(apiUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${apiUrl}/api/health`, { signal: AbortSignal.timeout(1000) });
    const status = ((await res.json()) as { status?: string }).status;
    return res.status === 200 && (status === 'ok' || status === 'degraded');
  } catch {
    return false;
  }
}

/**
 * The demo shop is part of the Sextant repository, not of the published server: it is loaded only for
 * `sextant demo`, so that @sextant/server installs without it.
 */
async function loadDemo(): Promise<typeof import('@sextant/demo')> {
  try {
    return await import('@sextant/demo');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String((err as Error).message).includes('@sextant/demo')) throw err;
    throw new UsageError('`sextant demo` needs the demo shop (@sextant/demo), which comes with the Sextant repository: run it from a clone (npm install && npm run build)');
  }
}

async function demo(o: ServeOptions): Promise<number> {
  const scenario = (o.scenario as string | undefined) ?? 'none';
  const { isScenarioName, runLoad, SCENARIO_NAMES, startDemo } = await loadDemo();
  if (!isScenarioName(scenario)) throw new UsageError(`--scenario: '${scenario}' is not one of ${SCENARIO_NAMES.join(', ')}`);
  const host = o.host as string;
  const apiUrl = `http://${host}:${parsePort(o.port as string, '--port')}`;
  let sextant: RunningSextant | null = null;
  let otlpEndpoint = `http://${host}:${parsePort(o.otlpHttpPort as string, '--otlp-http-port')}`;
  let sextantUrl = apiUrl;
  if (await isSextantRunning(apiUrl)) {
    process.stdout.write(`Using the Sextant already running at ${apiUrl}.\n`);
  } else {
    sextant = await startFromOptions(o);
    otlpEndpoint = sextant.urls.otlpHttp!;
    sextantUrl = sextant.urls.api ?? apiUrl;
    process.stdout.write(`Started Sextant at ${sextantUrl} (storing ${o.memory ? 'in memory' : `in ${sextant.storageLocation}`}).\n`);
  }
  const shop = await startDemo({
    otlpEndpoint,
    scenario,
    // Port 0 means "any free ports", as for the server's own listeners.
    basePort: parsePort(o.demoPort as string, '--demo-port') || undefined,
    host,
    sextantUrl,
  });
  const abort = new AbortController();
  const durationText = o.duration as string | undefined;
  const durationMs = durationText ? Number(durationOption(durationText, '--duration') ?? 0n) / 1e6 : Infinity;
  process.stdout.write(
    [
      `The demo shop is running: ${shop.gatewayUrl} (its control page switches fault scenarios).`,
      `Scenario: ${scenario}. Others: ${SCENARIO_NAMES.join(', ')}.`,
      `Open ${sextantUrl} to explore the traces; press Ctrl-C to stop.`,
      '',
    ].join('\n'),
  );
  const load = runLoad({ gatewayUrl: shop.gatewayUrl, durationMs: durationMs || Infinity, concurrency: Number(o.concurrency), signal: abort.signal });
  const stopAll = async () => {
    abort.abort();
    await load.catch(() => undefined);
    await shop.stop();
    if (sextant) await sextant.close();
  };
  if (durationMs && Number.isFinite(durationMs)) {
    const stats = await load;
    process.stdout.write(`Load finished: ${stats.requests} requests, ${stats.errors} errors.\n`);
    if (stats.requests > 0 && stats.errors === stats.requests) {
      process.stderr.write('sextant: every demo request failed; see the messages above.\n');
    }
    await stopAll();
  } else {
    await untilSignal(async () => {
      process.stdout.write('\nStopping the demo...\n');
      await stopAll();
    });
  }
  return 0;
}

function analyze(files: string[], o: { json?: boolean }): number {
  const traces = groupByTrace(readTraceFiles(files));
  const analyses = traces.map((spans) => analyzeTrace(spans));
  if (o.json) {
    process.stdout.write(JSON.stringify({ traces: analyses }, null, 2) + '\n');
  } else {
    process.stdout.write(traces.map((spans, i) => formatTraceReport(analyses[i]!, spans)).join('\n\n') + '\n');
  }
  return 0;
}

function addServeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data <dir>', 'directory of the DuckDB store').default('./sextant-data').env('SEXTANT_DATA'))
    .addOption(new Option('--memory', 'keep everything in memory (nothing survives a restart)').env('SEXTANT_MEMORY'))
    .addOption(new Option('--host <host>', 'address to listen on (loopback by default; binding elsewhere exposes it)').default('127.0.0.1').env('SEXTANT_HOST'))
    .addOption(new Option('--port <port>', 'web UI and query API port').default('16686').env('SEXTANT_PORT'))
    .addOption(new Option('--otlp-grpc-port <port>', 'OTLP/gRPC receiver port').default('4317').env('SEXTANT_OTLP_GRPC_PORT'))
    .addOption(new Option('--otlp-http-port <port>', 'OTLP/HTTP receiver port').default('4318').env('SEXTANT_OTLP_HTTP_PORT'))
    .addOption(new Option('--zipkin-port <port>', 'Zipkin receiver port (v2 JSON/protobuf, v1 JSON/Thrift)').default('9411').env('SEXTANT_ZIPKIN_PORT'))
    .addOption(new Option('--jaeger-http-port <port>', "Jaeger collector HTTP port (jaeger.thrift on POST /api/traces)").default('14268').env('SEXTANT_JAEGER_HTTP_PORT'))
    .addOption(new Option('--jaeger-grpc-port <port>', 'Jaeger collector gRPC port (api_v2 CollectorService)').default('14250').env('SEXTANT_JAEGER_GRPC_PORT'))
    .addOption(new Option('--retention <age>', 'delete data older than this (e.g. 7d, 12h; 0 keeps forever)').default('7d').env('SEXTANT_RETENTION'))
    .addOption(new Option('--max-size <size>', 'delete the oldest data beyond this database size (e.g. 10GB)').env('SEXTANT_MAX_SIZE'))
    .addOption(new Option('--max-body <size>', 'largest accepted request body, after decompression').default('8MiB').env('SEXTANT_MAX_BODY'))
    .addOption(new Option('--storage <engine>', 'duckdb (embedded, one process) or clickhouse (a server or chdb; scales out)').default('duckdb').env('SEXTANT_STORAGE'))
    .addOption(new Option('--duckdb-memory-limit <size>', "DuckDB's cache and working memory (default: DuckDB's own, 80 % of RAM)").env('SEXTANT_DUCKDB_MEMORY_LIMIT'))
    .addOption(new Option('--clickhouse-url <url>', 'http(s)://user:password@host:8123/database (database otel when omitted) or chdb:DIR[?database=NAME]').env('SEXTANT_CLICKHOUSE_URL'))
    .addOption(new Option('--clickhouse-create-schema <bool>', 'create the OpenTelemetry Collector exporter tables when missing').default('true').env('SEXTANT_CLICKHOUSE_CREATE_SCHEMA'))
    .addOption(new Option('--clickhouse-cluster <name>', 'create tables ON CLUSTER, Replicated*MergeTree with Distributed tables in front').env('SEXTANT_CLICKHOUSE_CLUSTER'))
    .addOption(new Option('--role <role>', 'ingest (receivers only), query (API and UI only) or all').default('all').env('SEXTANT_ROLE'))
    .addOption(new Option('--max-ingest-memory <size>', 'memory for requests being received, decoded and committed; past it receivers answer 503 / UNAVAILABLE with Retry-After').default('256MiB').env('SEXTANT_MAX_INGEST_MEMORY'))
    .addOption(new Option('--max-trace-spans <n>', 'most spans a trace-by-id answer holds (the earliest); beyond it the answer is marked truncated').default('500000').env('SEXTANT_MAX_TRACE_SPANS'))
    .addOption(new Option('--max-search-spans <n>', 'most spans a search answer of full traces (Jaeger API) holds; traces past it are left out, marked').default('100000').env('SEXTANT_MAX_SEARCH_SPANS'))
    .addOption(new Option('--query-timeout <duration>', 'time limit of one search, TraceQL, metrics or graph query; past it the query is stopped and answered 504').default('30s').env('SEXTANT_QUERY_TIMEOUT'))
    .addOption(new Option('--query-concurrency <n>', 'expensive queries run at once; others wait up to 10 s, then get 503 with Retry-After').default('2').env('SEXTANT_QUERY_CONCURRENCY'))
    .addOption(new Option('--cors-origins <origins>', 'comma-separated origins whose pages may call the query API (none: only the UI itself)').env('SEXTANT_CORS_ORIGINS'))
    .addOption(new Option('--ingest-cors-origins <origins>', 'comma-separated origins whose pages may send spans to OTLP/HTTP and Zipkin (browser SDKs)').env('SEXTANT_INGEST_CORS_ORIGINS'))
    .addOption(new Option('--ingest-key <keys>', 'key the receivers require (Authorization: Bearer or x-api-key; comma-separated to rotate)').env('SEXTANT_INGEST_KEY'))
    .addOption(new Option('--auth <mode>', 'authentication of the UI and query API: none, token (login URL printed at start) or oidc').env('SEXTANT_AUTH'))
    .addOption(new Option('--browser-token <token>', 'the login URL\'s token (generated at start by default)').env('SEXTANT_BROWSER_TOKEN'))
    .addOption(new Option('--api-token <tokens>', 'bearer tokens for scripts and Grafana (comma-separated)').env('SEXTANT_API_TOKENS'))
    .addOption(new Option('--oidc-issuer <url>', 'OpenID Connect issuer for UI login').env('SEXTANT_OIDC_ISSUER'))
    .addOption(new Option('--oidc-client-id <id>', 'OpenID Connect client id').env('SEXTANT_OIDC_CLIENT_ID'))
    .addOption(new Option('--oidc-client-secret <secret>', 'OpenID Connect client secret (none: a public client)').env('SEXTANT_OIDC_CLIENT_SECRET'))
    .addOption(new Option('--oidc-scopes <scopes>', 'scopes requested at login').default('openid email profile').env('SEXTANT_OIDC_SCOPES'))
    .addOption(new Option('--public-url <url>', 'the URL users open, when a proxy stands in front (login redirects; https makes cookies Secure)').env('SEXTANT_PUBLIC_URL'))
    .addOption(new Option('--allow-anonymous', 'allow listening beyond loopback without authentication').env('SEXTANT_ALLOW_ANONYMOUS'))
    .addOption(new Option('--allowed-hosts <names>', 'comma-separated host names to answer besides loopback names and IP addresses (.example.com: a domain and its subdomains)').env('SEXTANT_ALLOWED_HOSTS'));
}

export function buildProgram(): Command {
  const program = new Command('sextant')
    .description('Sextant: distributed tracing that explains where requests went and why')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });

  addServeOptions(
    program
      .command('serve')
      .description('start the receivers (OTLP gRPC/HTTP, Zipkin, Jaeger), the embedded store, the API and the web UI'),
  ).action(async (o) => {
      program.setOptionValue('exit', await serve(o));
    });

  const demoCmd = program
    .command('demo')
    .description('start Sextant (unless one is running), the demo shop and load, to learn tracing on real traces')
    .option('--scenario <name>', 'fault scenario, e.g. slow-db (an unknown name lists them all)', 'none')
    .option('--demo-port <port>', 'port of the shop gateway and control page (the shop uses the next 9 too; 0: any free ports)', '8080')
    .option('--concurrency <n>', 'simulated shoppers', '2')
    .option('--duration <time>', 'stop after this long (e.g. 30s); runs until Ctrl-C by default');
  addServeOptions(demoCmd).action(async (o) => {
    program.setOptionValue('exit', await demo(o));
  });

  program
    .command('analyze')
    .description('analyse trace files offline (OTLP JSON, Jaeger JSON or Zipkin v2 JSON, auto-detected)')
    .argument('<files...>', 'trace files')
    .option('--json', 'print the analysis JSON instead of a report')
    .action((files: string[], o: { json?: boolean }) => {
      program.setOptionValue('exit', analyze(files, o));
    });

  registerCheckCommand(program);
  program
    .command('mcp')
    .description('serve the Model Context Protocol on stdio for a running Sextant (agents: Claude Desktop, IDEs); the server also serves it at /api/mcp')
    .addOption(new Option('--url <url>', 'the Sextant to query').default('http://127.0.0.1:16686').env('SEXTANT_URL'))
    .addOption(new Option('--token <token>', 'API token (one of its --api-token values), when that Sextant requires one').env('SEXTANT_API_TOKEN'))
    .action(async (o: { url: string; token?: string }) => {
      if (!/^https?:\/\/[^/]/.test(o.url)) throw new UsageError(`--url: '${o.url}' is not an http(s) URL`);
      await runStdioMcp(o.url, o.token);
      program.setOptionValue('exit', 0);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return (program.getOptionValue('exit') as number | undefined) ?? 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError || err instanceof ExposureRefused) {
      process.stderr.write(`sextant: ${err.message}\n`);
      return 2;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      process.stderr.write(`sextant: a port is already in use (${(err as Error).message.replace(/^listen /, '')}); choose another with --port and friends.\n`);
      return 1;
    }
    process.stderr.write(`sextant: ${(err as Error).message}\n`);
    return 1;
  }
}
