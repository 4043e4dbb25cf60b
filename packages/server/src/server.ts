/** Starts everything `sextant serve` runs: store, ingest pipeline, receivers, query API + UI, retention. */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { WorkerStore } from './store/worker-store.js';
import type { SpanStore } from './store/store.js';
import type { Ingestor } from './ingest.js';
import { ClickHouseStore } from './storage/clickhouse/store.js';
import { createOtlpHttpReceiver } from './receivers/otlp-http.js';
import { createZipkinReceiver } from './receivers/zipkin-http.js';
import { startOtlpGrpcReceiver, type GrpcReceiver } from './receivers/otlp-grpc.js';
import { createApiServer, type ReceiverPorts } from './api/app.js';
import { hostCheck } from './security/hosts.js';
import { NO_CONTENT_CSP, UI_CSP } from './security/browser-policy.js';
import { resolveAuth, type AuthSettings } from './auth/config.js';

export interface SextantOptions extends AuthSettings {
  /** Directory of the DuckDB file; ignored when `memory` is true. */
  dataDir?: string;
  memory?: boolean;
  host?: string;
  port?: number;
  otlpGrpcPort?: number;
  otlpHttpPort?: number;
  zipkinPort?: number;
  /** Maximum age of stored data in ns (null: keep forever). */
  retentionNano?: bigint | null;
  /** Maximum database size in bytes (null: unbounded). */
  maxSizeBytes?: number | null;
  /** Largest accepted request body (after decompression), bytes. */
  maxBodyBytes?: number;
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
  receivers?: { otlpGrpc?: boolean; otlpHttp?: boolean; zipkin?: boolean };
  /** The engine: embedded DuckDB (default) or ClickHouse. */
  storage?: 'duckdb' | 'clickhouse';
  clickhouse?: { url: string; createSchema?: boolean; cluster?: string | null };
  /**
   * What this process does: `ingest` runs only the receivers (stateless: a request is answered once ClickHouse
   * has acknowledged its insert), `query` only the API and UI, `all` both. Split roles need ClickHouse.
   */
  role?: Role;
}

export type Role = 'ingest' | 'query' | 'all';

/** What the server needs of a store, whichever engine is behind it. */
export type ServingStore = SpanStore & Ingestor & { readonly path: string | null; onDeath: ((err: Error) => void) | null };

export interface RunningSextant {
  /** `api` is null on an ingest-only process. */
  urls: { api: string | null; otlpHttp: string | null; otlpGrpc: string | null; zipkin: string | null };
  /** The store: queries, and `ingest` for raw request bodies. */
  store: ServingStore;
  /** Where a browser logs in with the token generated at start (token authentication only). */
  loginUrl: string | null;
  close(): Promise<void>;
}

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
  const receiving = role !== 'query';
  const enabled = receiving ? { otlpGrpc: true, otlpHttp: true, zipkin: true, ...opts.receivers } : { otlpGrpc: false, otlpHttp: false, zipkin: false };
  let ready = false;
  const auth = await resolveAuth(host, opts);

  const store = await openStore(opts, role);
  const closers: (() => Promise<void>)[] = [];
  try {
    const ports: ReceiverPorts = { otlpHttp: null, otlpGrpc: null, zipkin: null };
    let apiUrl: string | null = null;
    if (role !== 'ingest') {
      const api = await createApiServer(store, {
        uiDir: opts.uiDir === undefined ? DEFAULT_UI_DIR : opts.uiDir,
        isReady: () => ready,
        receiverPorts: () => ports,
        browser: { hosts, corsOrigins: opts.corsOrigins ?? [], corsMethods: 'GET, POST', contentSecurityPolicy: UI_CSP },
        auth: auth.query,
      });
      apiUrl = urlFor(host, await listen(api, host, opts.port ?? 16686));
      closers.push(() => api.close());
    }

    let otlpHttp: string | null = null;
    if (enabled.otlpHttp) {
      const app = await createOtlpHttpReceiver(store, { maxBodyBytes: maxBody, browser: ingestBrowser, ingestKeys: auth.ingestKeys });
      ports.otlpHttp = await listen(app, host, opts.otlpHttpPort ?? 4318);
      otlpHttp = urlFor(host, ports.otlpHttp);
      closers.push(() => app.close());
    }
    let zipkin: string | null = null;
    if (enabled.zipkin) {
      const app = await createZipkinReceiver(store, { maxBodyBytes: maxBody, browser: ingestBrowser, ingestKeys: auth.ingestKeys });
      ports.zipkin = await listen(app, host, opts.zipkinPort ?? 9411);
      zipkin = urlFor(host, ports.zipkin);
      closers.push(() => app.close());
    }
    let grpc: GrpcReceiver | null = null;
    if (enabled.otlpGrpc) {
      grpc = await startOtlpGrpcReceiver(store, host, opts.otlpGrpcPort ?? 4317, maxBody, auth.ingestKeys);
      const g = grpc;
      ports.otlpGrpc = g.port;
      closers.push(() => g.close());
    }

    ready = true;
    let closed = false;
    return {
      urls: { api: apiUrl, otlpHttp, otlpGrpc: grpc ? urlFor(host, grpc.port) : null, zipkin },
      loginUrl: apiUrl ? auth.loginUrl(apiUrl) : null,
      store,
      async close() {
        if (closed) return;
        closed = true;
        ready = false;
        // Stop accepting first, then finish what was accepted and close the file.
        for (const c of closers.reverse()) await c().catch(() => undefined);
        await store.close();
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await store.close();
    throw err;
  }
}

async function openStore(opts: SextantOptions, role: Role): Promise<ServingStore> {
  if (opts.storage === 'clickhouse') {
    if (!opts.clickhouse?.url) throw new Error('--storage clickhouse needs --clickhouse-url (http(s)://user:password@host:8123/database or chdb:DIR)');
    return ClickHouseStore.open({
      url: opts.clickhouse.url,
      createSchema: opts.clickhouse.createSchema ?? true,
      cluster: opts.clickhouse.cluster ?? null,
      retentionNano: opts.retentionNano ?? null,
      linkDependencies: role !== 'ingest',
    });
  }
  if (role !== 'all') throw new Error(`--role ${role} needs --storage clickhouse: the embedded DuckDB store lives in one process`);
  return WorkerStore.open({
    dataDir: opts.memory ? null : (opts.dataDir ?? 'sextant-data'),
    retentionNano: opts.retentionNano ?? null,
    maxSizeBytes: opts.maxSizeBytes ?? null,
    retentionIntervalMs: opts.retentionIntervalMs ?? 60_000,
    checkpointWalBytes: 64 * 1024 * 1024,
    maxQueuedItems: 200_000,
  });
}
