/** Starts everything `sextant serve` runs: store, ingest pipeline, receivers, query API + UI, retention. */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { openStorage } from './storage/open.js';
import type { CostReader, SpanStore, StorageBackend } from './storage/contract.js';
import { BatchIngestor } from './ingest/ingestor.js';
import { IngestMeter } from './ingest/ingest-meter.js';
import { createOtlpHttpReceiver } from './receivers/otlp-http.js';
import { createZipkinReceiver } from './receivers/zipkin-http.js';
import { startOtlpGrpcReceiver, type GrpcReceiver } from './receivers/otlp-grpc.js';
import { createJaegerHttpReceiver } from './receivers/jaeger-http.js';
import { startJaegerGrpcReceiver } from './receivers/jaeger-grpc.js';
import { createApiServer, type ReceiverPorts } from './api/app.js';
import { hostCheck } from './security/hosts.js';
import { NO_CONTENT_CSP, UI_CSP } from './security/browser-policy.js';
import { resolveAuth, type AuthSettings } from './auth/config.js';
import { IngestBudget } from './receivers/admission.js';

export interface SextantOptions extends AuthSettings {
  /** Storage engine (storage/engines.ts); 'duckdb' by default. */
  storage?: string;
  /** Options of a storage engine other than DuckDB (DuckDB takes dataDir and memory). */
  storageOptions?: Record<string, unknown>;
  /** Directory of the DuckDB file; ignored when `memory` is true. */
  dataDir?: string;
  memory?: boolean;
  host?: string;
  port?: number;
  otlpGrpcPort?: number;
  otlpHttpPort?: number;
  zipkinPort?: number;
  /** Jaeger's legacy collector ports (jaeger.thrift over HTTP, api_v2 gRPC); off unless given (the CLI gives 14268, 14250). */
  jaegerHttpPort?: number;
  jaegerGrpcPort?: number;
  /** Maximum age of stored data in ns (null: keep forever). */
  retentionNano?: bigint | null;
  /** Maximum database size in bytes (null: unbounded). */
  maxSizeBytes?: number | null;
  /** Largest accepted request body (after decompression), bytes. */
  maxBodyBytes?: number;
  /** Most spans one trace-by-id answer holds; the answer is marked truncated beyond it. */
  maxTraceSpans?: number;
  /** Most spans a search answer of full traces (Jaeger's search) holds; traces past it are left out, marked. */
  maxSearchSpans?: number;
  /** Time limit of one expensive read (search, TraceQL, metrics, graph) in ms; 504 past it. */
  queryTimeoutMs?: number;
  /** Expensive reads run at once; more wait (briefly, then 503). */
  queryConcurrency?: number;
  /** How long an expensive read may wait for a slot before 503 (default: the query timeout, at most 10 s). */
  queryQueueWaitMs?: number;
  /** Memory the receivers may hold for requests being read, decoded and committed; past it they answer 503. */
  maxIngestMemoryBytes?: number;
  /** Static files of the web UI; defaults to packages/ui/dist beside this package. */
  uiDir?: string | null;
  /** Origins whose pages may call the query API (`*`: any). None by default: only the UI itself. */
  corsOrigins?: string[];
  /** Origins whose pages may send to OTLP/HTTP and Zipkin (browser SDKs). None by default. */
  ingestCorsOrigins?: string[];
  /** Host names answered besides loopback names, IP literals and `host` (`.example.com` covers subdomains; `*` all). */
  allowedHosts?: string[];
  /** How often retention runs (default once a minute). */
  retentionIntervalMs?: number;
  /** Receivers to start; all by default. */
  receivers?: { otlpGrpc?: boolean; otlpHttp?: boolean; zipkin?: boolean; jaegerHttp?: boolean; jaegerGrpc?: boolean };
  /**
   * What this process does: `ingest` runs only the receivers (stateless: a request is answered once the engine
   * has acknowledged its insert), `query` only the API and UI, `all` both. Split roles need an engine that
   * several processes share (ClickHouse).
   */
  role?: Role;
}

export type Role = 'ingest' | 'query' | 'all';

export interface RunningSextant {
  /** `api` is null on an ingest-only process. */
  urls: { api: string | null; otlpHttp: string | null; otlpGrpc: string | null; zipkin: string | null; jaegerHttp: string | null; jaegerGrpc: string | null };
  /** The store, for queries. */
  store: SpanStore;
  /** Where the data lives (a file, a URL without credentials); null when in memory. */
  storageLocation: string | null;
  /** Called once if the store fails for good while the server runs (its thread died): the server cannot go on. */
  onStoreDeath(listener: (err: Error) => void): void;
  /** Where a browser logs in with the token generated at start (token authentication only). */
  loginUrl: string | null;
  close(): Promise<void>;
}

export const DEFAULT_MAX_INGEST_MEMORY = 256 * 1024 * 1024;

export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui/dist', import.meta.url));

async function listen(app: FastifyInstance, host: string, port: number): Promise<number> {
  await app.listen({ host, port });
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}

function urlFor(host: string, port: number, scheme = 'http'): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startSextant(opts: SextantOptions = {}): Promise<RunningSextant> {
  const host = opts.host ?? '127.0.0.1';
  const maxBody = opts.maxBodyBytes ?? 8 * 1024 * 1024;
  const hosts = hostCheck(host, opts.allowedHosts ?? []);
  const ingestBrowser = { hosts, corsOrigins: opts.ingestCorsOrigins ?? [], corsMethods: 'POST', contentSecurityPolicy: NO_CONTENT_CSP };
  const role = opts.role ?? 'all';
  const engine = opts.storage ?? 'duckdb';
  if (role !== 'all' && engine === 'duckdb') throw new Error(`--role ${role} needs --storage clickhouse: the embedded DuckDB store lives in one process`);
  const enabled =
    role === 'query'
      ? { otlpGrpc: false, otlpHttp: false, zipkin: false, jaegerHttp: false, jaegerGrpc: false }
      : { otlpGrpc: true, otlpHttp: true, zipkin: true, jaegerHttp: opts.jaegerHttpPort !== undefined, jaegerGrpc: opts.jaegerGrpcPort !== undefined, ...opts.receivers };
  let ready = false;
  const auth = await resolveAuth(host, opts);
  const budget = new IngestBudget(opts.maxIngestMemoryBytes ?? DEFAULT_MAX_INGEST_MEMORY);

  const storage = await openStorage(engine, {
    ...(engine === 'duckdb' ? { dataDir: opts.memory ? null : (opts.dataDir ?? 'sextant-data'), checkpointWalBytes: 64 * 1024 * 1024 } : {}),
    ...opts.storageOptions,
    // Background work on shared data (ClickHouse's dependency linking) is for query processes.
    background: role !== 'ingest',
    retentionNano: opts.retentionNano ?? null,
    maxSizeBytes: opts.maxSizeBytes ?? null,
    retentionIntervalMs: opts.retentionIntervalMs ?? 60_000,
  });
  const store = storage.backend;
  const ingestMeter = new IngestMeter();
  const ingestor = new BatchIngestor(storage.encoder, store, {
    maxQueuedItems: 200_000,
    concurrentWrites: storage.capabilities.concurrentWrites,
    retentionNano: opts.retentionNano ?? null,
    meter: ingestMeter,
  });
  const closers: (() => Promise<void>)[] = [];
  try {
    const ports: ReceiverPorts = { otlpHttp: null, otlpGrpc: null, zipkin: null, jaegerHttp: null, jaegerGrpc: null };
    let apiUrl: string | null = null;
    if (role !== 'ingest') {
    const api = await createApiServer(store, {
      uiDir: opts.uiDir === undefined ? DEFAULT_UI_DIR : opts.uiDir,
      isReady: () => ready,
      receiverPorts: () => ports,
      browser: { hosts, corsOrigins: opts.corsOrigins ?? [], corsMethods: 'GET, POST', contentSecurityPolicy: UI_CSP },
      auth: auth.query,
      cost: {
        engine,
        reader: storage.capabilities.costs ? (store as StorageBackend & CostReader) : null,
        retentionNano: opts.retentionNano ?? null,
        maxSizeBytes: opts.maxSizeBytes ?? null,
        ingestMeter,
      },
      maxTraceSpans: opts.maxTraceSpans,
      maxSearchSpans: opts.maxSearchSpans,
      writeFailure: () => ingestor.writeFailure,
      queryLane: { timeoutMs: opts.queryTimeoutMs, concurrency: opts.queryConcurrency, maxWaitMs: opts.queryQueueWaitMs },
    });
    apiUrl = urlFor(host, await listen(api, host, opts.port ?? 16686));
    closers.push(() => api.close());
    }

    let otlpHttp: string | null = null;
    if (enabled.otlpHttp) {
      const app = await createOtlpHttpReceiver(ingestor, { maxBodyBytes: maxBody, budget, browser: ingestBrowser, ingestKeys: auth.ingestKeys });
      ports.otlpHttp = await listen(app, host, opts.otlpHttpPort ?? 4318);
      otlpHttp = urlFor(host, ports.otlpHttp);
      closers.push(() => app.close());
    }
    let zipkin: string | null = null;
    if (enabled.zipkin) {
      const app = await createZipkinReceiver(ingestor, { maxBodyBytes: maxBody, budget, browser: ingestBrowser, ingestKeys: auth.ingestKeys });
      ports.zipkin = await listen(app, host, opts.zipkinPort ?? 9411);
      zipkin = urlFor(host, ports.zipkin);
      closers.push(() => app.close());
    }
    let jaegerHttp: string | null = null;
    if (enabled.jaegerHttp) {
      const app = await createJaegerHttpReceiver(ingestor, { maxBodyBytes: maxBody, budget, browser: ingestBrowser, ingestKeys: auth.ingestKeys });
      ports.jaegerHttp = await listen(app, host, opts.jaegerHttpPort ?? 14268);
      jaegerHttp = urlFor(host, ports.jaegerHttp);
      closers.push(() => app.close());
    }
    let jaegerGrpc: string | null = null;
    if (enabled.jaegerGrpc) {
      const g = await startJaegerGrpcReceiver(ingestor, host, opts.jaegerGrpcPort ?? 14250, maxBody, auth.ingestKeys, budget);
      ports.jaegerGrpc = g.port;
      jaegerGrpc = urlFor(host, g.port);
      closers.push(() => g.close());
    }
    let grpc: GrpcReceiver | null = null;
    if (enabled.otlpGrpc) {
      grpc = await startOtlpGrpcReceiver(ingestor, host, opts.otlpGrpcPort ?? 4317, maxBody, auth.ingestKeys, budget);
      const g = grpc;
      ports.otlpGrpc = g.port;
      closers.push(() => g.close());
    }

    ready = true;
    let closed = false;
    return {
      urls: { api: apiUrl, otlpHttp, otlpGrpc: grpc ? urlFor(host, grpc.port) : null, zipkin, jaegerHttp, jaegerGrpc },
      loginUrl: apiUrl ? auth.loginUrl(apiUrl) : null,
      store,
      storageLocation: store.location,
      onStoreDeath: (listener) => storage.onDeath(listener),
      async close() {
        if (closed) return;
        closed = true;
        ready = false;
        // Stop accepting first, then finish what was accepted and close the file.
        for (const c of closers.reverse()) await c().catch(() => undefined);
        await ingestor.flush();
        await store.close();
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await store.close();
    throw err;
  }
}
