/** The query server (:16686): native and Jaeger-compatible APIs, health, and the web UI's static files. */
import { existsSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { DecodeError } from '@sextant/core';
import type { SpanStore } from '../store/store.js';
import { QueryError } from '../store/store.js';
import { ApiError } from './params.js';
import { registerNativeApi } from './native.js';
import { registerJaegerApi } from './jaeger.js';
import { applyBrowserPolicy, type BrowserPolicy } from '../security/browser-policy.js';
import { logFailure } from '../log.js';
import { registerQueryAuth, type QueryAuthOptions } from '../auth/query-auth.js';

/** Ports the receivers listen on (null: not running), for the UI's "how to send traces" help. */
export interface ReceiverPorts {
  otlpHttp: number | null;
  otlpGrpc: number | null;
  zipkin: number | null;
}

export interface ApiOptions {
  uiDir: string | null;
  isReady: () => boolean;
  browser: BrowserPolicy;
  auth: QueryAuthOptions;
  /** Read per request: the receivers start after the API. */
  receiverPorts?: () => ReceiverPorts;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export async function createApiServer(store: SpanStore, opts: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 500 } });
  applyBrowserPolicy(app, opts.browser);
  registerQueryAuth(app, opts.auth);
  // Nanosecond times are bigints in the model; JSON carries them as decimal strings.
  app.setReplySerializer((payload) => JSON.stringify(payload, jsonReplacer));

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    let status = 500;
    if (err instanceof ApiError) status = err.status;
    else if (err instanceof QueryError || err instanceof DecodeError) status = 400;
    else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) status = err.statusCode;
    if (status >= 500) logFailure(`${req.method} ${req.url.split('?')[0]}`, err);
    const message = status >= 500 ? 'internal error; the server log has the details' : err.message;
    if (req.url.startsWith('/api/v3/')) return reply.code(status).send({ error: { httpCode: status, message } });
    if (req.url.startsWith('/api/v1/') || req.url.startsWith('/api/health')) return reply.code(status).send({ error: message });
    return reply.code(status).send({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: status, msg: message }] });
  });

  app.get('/api/health', async (_req, reply) => {
    if (!opts.isReady()) return reply.code(503).send({ status: 'starting' });
    return { status: 'ok' };
  });

  app.get('/api/v1/receivers', async () => opts.receiverPorts?.() ?? { otlpHttp: null, otlpGrpc: null, zipkin: null });

  registerNativeApi(app, store);
  registerJaegerApi(app, store);

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
