/** The query server (:16686): native and Jaeger-compatible APIs, health, and the web UI's static files. */
import { existsSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { SpanStore } from '../storage/contract.js';
import { answerErrorsWith } from './errors.js';
import { jsonReplacer } from './json-stream.js';
import type { WriteFailure } from '../ingest/pipeline.js';
import { writeHealthReason } from '../ingest/write-health.js';
import { nativeApi } from './native.js';
import { DEFAULT_MAX_SEARCH_SPANS, DEFAULT_MAX_TRACE_SPANS } from '../query/traces.js';
import { jaegerApi, jaegerV3Api } from './jaeger.js';
import { registerInstrumentationApi } from './instrumentation.js';
import { registerCostApi, type CostApiOptions } from './cost.js';
import { registerLogsApi } from './logs.js';
import { registerTraceColumnsApi } from './trace-columns.js';
import { SearchUsage } from './search-usage.js';
import { tempoApi } from './tempo.js';
import { serveTempoGrpc } from './tempo-grpc.js';
import { jaegerMonitorApi } from './jaeger-monitor.js';
import { DEFAULT_CANDIDATE_BOUND } from '../query/traceql.js';
import { applyBrowserPolicy, type BrowserPolicy } from '../security/browser-policy.js';
import { registerQueryAuth, type QueryAuthOptions } from '../auth/query-auth.js';
import { registerMcpRoute } from '../mcp/http.js';
import { QueryLane, queryLaneOptions, type QueryLaneOptions } from '../query/query-lane.js';
import { guardedCostReader, guardedStore } from '../query/guarded-store.js';

/** Ports the receivers listen on (null: not running), for the UI's "how to send traces" help. */
export interface ReceiverPorts {
  otlpHttp: number | null;
  otlpGrpc: number | null;
  zipkin: number | null;
  jaegerHttp: number | null;
  jaegerGrpc: number | null;
}

export interface ApiOptions {
  uiDir: string | null;
  isReady: () => boolean;
  browser: BrowserPolicy;
  auth: QueryAuthOptions;
  /** Most spans a trace-by-id answer holds (--max-trace-spans); beyond it the answer says it was truncated. */
  maxTraceSpans?: number;
  /** Most spans a search answer of full traces holds (--max-search-spans); traces past it are left out, marked. */
  maxSearchSpans?: number;
  /** Set while the store fails to commit ingested data: /api/health then says "degraded" and why. */
  writeFailure?: () => WriteFailure | null;
  /** The lane of expensive reads (--query-timeout, --query-concurrency); defaults in query-lane.ts. */
  queryLane?: Partial<QueryLaneOptions>;
  /** Read per request: the receivers start after the API. */
  receiverPorts?: () => ReceiverPorts;
  /** What the cost view needs besides the store: retention settings and the receivers' byte counts. */
  cost: Omit<CostApiOptions, 'searchUsage'>;
}

export async function createApiServer(engineStore: SpanStore, opts: ApiOptions): Promise<FastifyInstance> {
  const lane = new QueryLane(queryLaneOptions(opts.queryLane));
  const store = guardedStore(engineStore, lane);
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 500 } });
  applyBrowserPolicy(app, opts.browser);
  registerQueryAuth(app, opts.auth);
  app.setReplySerializer((payload) => JSON.stringify(payload, jsonReplacer));

  // Each API family answers errors in its own shape (its plugin's handler); the rest as {error}.
  answerErrorsWith(app, (_status, message) => ({ error: message }));

  // Degraded is still 200: reads work; the body says what does not.
  app.get('/api/health', async (_req, reply) => {
    if (!opts.isReady()) return reply.code(503).send({ status: 'starting' });
    const failure = opts.writeFailure?.() ?? null;
    return failure ? { status: 'degraded', reason: writeHealthReason(failure) } : { status: 'ok' };
  });

  app.get('/api/v1/receivers', async () => opts.receiverPorts?.() ?? { otlpHttp: null, otlpGrpc: null, zipkin: null, jaegerHttp: null, jaegerGrpc: null });

  // Before the search routes are registered, so that the hook reaches their contexts.
  const searchUsage = new SearchUsage();
  searchUsage.watch(app);
  const maxTraceSpans = opts.maxTraceSpans ?? DEFAULT_MAX_TRACE_SPANS;
  await app.register(nativeApi, { store, maxTraceSpans });
  const maxSearchSpans = opts.maxSearchSpans ?? DEFAULT_MAX_SEARCH_SPANS;
  await app.register(jaegerApi, { store, maxTraceSpans, maxSearchSpans });
  await app.register(jaegerV3Api, { store, maxTraceSpans, maxSearchSpans });
  registerInstrumentationApi(app, store);
  registerLogsApi(app, store);
  registerTraceColumnsApi(app, store, maxTraceSpans);
  registerCostApi(app, store, { ...opts.cost, reader: opts.cost.reader && guardedCostReader(opts.cost.reader, lane), searchUsage });
  await app.register(tempoApi, { store, isReady: opts.isReady, candidateBound: DEFAULT_CANDIDATE_BOUND, maxTraceSpans });
  const tempoGrpc = serveTempoGrpc(app, app.server);
  app.addHook('onClose', async () => tempoGrpc.close());
  await app.register(jaegerMonitorApi, { store });
  registerMcpRoute(app);

  app.all('/api/*', async (req, reply) => reply.code(404).send({ error: `no API endpoint ${req.method} ${req.url.split('?')[0]}` }));

  if (opts.uiDir && existsSync(opts.uiDir)) {
    await app.register(fastifyStatic, { root: opts.uiDir, wildcard: false, index: ['index.html'] });
    // Client-side routes (/search, /trace/…) all load the single page.
    app.setNotFoundHandler((req, reply) => {
      if (req.method !== 'GET' || req.url.startsWith('/api/')) return reply.code(404).send({ error: 'not found' });
      return reply.type('text/html').sendFile('index.html');
    });
  } else {
    app.get('/', async (_req, reply) =>
      reply.type('text/plain').send('Sextant is running. The web UI is not built: run `npm run build` at the repository root.\nAPI: /api/v1/traces, /api/services, /api/v3/services\n'),
    );
  }
  return app;
}
