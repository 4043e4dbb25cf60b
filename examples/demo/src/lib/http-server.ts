// A small router over node:http. The HTTP instrumentation already makes a server span for each request; the
// router names it after the matched route (`GET /products/:id`), as web frameworks do, so that requests for
// different ids count as one operation.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { config, currentScenario, onExit, ready } from './runtime.js';

// Request and error logs. @sextant/node's pino instrumentation stamps each record with the active trace and span
// and sends it to Sextant as an OTLP log, so a trace's Logs tab shows these lines. Stdout carries the launcher's
// protocol: the lines go to stderr.
const log = pino({ base: undefined }, pino.destination(2));

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface Request {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Reply {
  status?: number;
  body?: unknown;
  /** Sent as is with this content type instead of JSON. */
  contentType?: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: (req: Request) => Promise<Reply> | Reply;
}

function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'the request body is not JSON');
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const status = reply.status ?? 200;
  if (reply.body === undefined) {
    res.writeHead(status).end();
  } else if (reply.contentType) {
    res.writeHead(status, { 'content-type': reply.contentType }).end(reply.body as string);
  } else {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
  }
}

async function handle(routes: readonly Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const params = match(route.path, url.pathname);
    if (!params) continue;
    const span = trace.getActiveSpan();
    // raw-span-names: the mistake frameworks avoid, one operation name per id.
    span?.updateName(`${route.method} ${currentScenario() === 'raw-span-names' ? url.pathname : route.path}`);
    span?.setAttribute('http.route', route.path);
    const reply = await route.handler({ params, query: url.searchParams, headers: req.headers, body: await readBody(req) });
    send(res, reply);
    log.info({ 'http.route': route.path, 'http.response.status_code': reply.status ?? 200 }, `${route.method} ${url.pathname} answered ${reply.status ?? 200}`);
    return;
  }
  throw new HttpError(404, `no route for ${req.method} ${url.pathname}`);
}

/** Serves the routes on the configured port, then tells the launcher this process is ready. */
export async function serve(routes: readonly Route[]): Promise<Server> {
  const server = createServer((req, res) => {
    handle(routes, req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      // Unexpected failures are recorded on the server span; expected ones (4xx, an upstream 5xx) are in the status.
      if (!(error instanceof HttpError)) trace.getActiveSpan()?.recordException(error as Error);
      const line = `${req.method} ${req.url} failed with ${status}: ${(error as Error).message}`;
      if (status >= 500) log.error({ 'http.response.status_code': status, err: error }, line);
      else log.warn({ 'http.response.status_code': status }, line);
      if (!res.headersSent) send(res, { status, body: { error: (error as Error).message } });
      else res.destroy();
    });
  });
  // Keep-alive connections from the other services would hold close() up for their idle timeout.
  onExit(() => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.port, config.host, resolve));
  ready();
  return server;
}
