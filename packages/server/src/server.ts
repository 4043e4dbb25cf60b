/** Starts everything `sextant serve` runs: store, ingest pipeline, receivers, query API + UI, retention. */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { DuckDBStore } from './store/duckdb-store.js';
import { IngestPipeline } from './pipeline.js';
import { createOtlpHttpReceiver } from './receivers/otlp-http.js';
import { createZipkinReceiver } from './receivers/zipkin-http.js';
import { startOtlpGrpcReceiver, type GrpcReceiver } from './receivers/otlp-grpc.js';
import { createApiServer } from './api/app.js';

export interface SextantOptions {
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
  corsOrigins?: string[] | '*';
  retentionIntervalMs?: number;
  /** Receivers to start; all by default. */
  receivers?: { otlpGrpc?: boolean; otlpHttp?: boolean; zipkin?: boolean };
}

export interface RunningSextant {
  urls: { api: string; otlpHttp: string | null; otlpGrpc: string | null; zipkin: string | null };
  store: DuckDBStore;
  pipeline: IngestPipeline;
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
  const corsOrigins = opts.corsOrigins ?? '*';
  const enabled = { otlpGrpc: true, otlpHttp: true, zipkin: true, ...opts.receivers };
  let ready = false;

  const store = await DuckDBStore.open({ dataDir: opts.memory ? null : (opts.dataDir ?? 'sextant-data') });
  const pipeline = new IngestPipeline(store);
  const closers: (() => Promise<void>)[] = [];
  try {
    const api = await createApiServer(store, { uiDir: opts.uiDir === undefined ? DEFAULT_UI_DIR : opts.uiDir, isReady: () => ready });
    const apiPort = await listen(api, host, opts.port ?? 16686);
    closers.push(() => api.close());

    let otlpHttp: string | null = null;
    if (enabled.otlpHttp) {
      const app = await createOtlpHttpReceiver(pipeline, { maxBodyBytes: maxBody, corsOrigins });
      otlpHttp = urlFor(host, await listen(app, host, opts.otlpHttpPort ?? 4318));
      closers.push(() => app.close());
    }
    let zipkin: string | null = null;
    if (enabled.zipkin) {
      const app = await createZipkinReceiver(pipeline, { maxBodyBytes: maxBody, corsOrigins });
      zipkin = urlFor(host, await listen(app, host, opts.zipkinPort ?? 9411));
      closers.push(() => app.close());
    }
    let grpc: GrpcReceiver | null = null;
    if (enabled.otlpGrpc) {
      grpc = await startOtlpGrpcReceiver(pipeline, host, opts.otlpGrpcPort ?? 4317, maxBody);
      const g = grpc;
      closers.push(() => g.close());
    }

    // Background checkpoints keep the WAL (uncompressed, replayed on start) small without stalling commits.
    let checkpointing = false;
    const checkpointTimer = setInterval(() => {
      if (checkpointing || store.walBytes() < 64 * 1024 * 1024) return;
      checkpointing = true;
      store
        .checkpoint()
        .catch((err) => process.stderr.write(`sextant: background checkpoint failed: ${(err as Error).message}\n`))
        .finally(() => (checkpointing = false));
    }, 2000);
    checkpointTimer.unref();
    closers.push(async () => clearInterval(checkpointTimer));

    let retentionTimer: NodeJS.Timeout | null = null;
    const retention = opts.retentionNano ?? null;
    const maxSize = opts.maxSizeBytes ?? null;
    if (retention !== null || maxSize !== null) {
      let busy = false;
      const run = async () => {
        if (busy) return;
        busy = true;
        try {
          await store.enforceRetention(retention, maxSize);
        } catch (err) {
          process.stderr.write(`sextant: retention pass failed: ${(err as Error).message}\n`);
        } finally {
          busy = false;
        }
      };
      retentionTimer = setInterval(run, opts.retentionIntervalMs ?? 60_000);
      retentionTimer.unref();
      void run();
    }

    ready = true;
    let closed = false;
    return {
      urls: { api: urlFor(host, apiPort), otlpHttp, otlpGrpc: grpc ? urlFor(host, grpc.port) : null, zipkin },
      store,
      pipeline,
      async close() {
        if (closed) return;
        closed = true;
        ready = false;
        if (retentionTimer) clearInterval(retentionTimer);
        // Stop accepting first, then finish what was accepted, then close the file.
        for (const c of closers.reverse()) await c().catch(() => undefined);
        await pipeline.flush();
        await store.close();
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await store.close();
    throw err;
  }
}
