// Test support for @sextant/node: child Node processes running real instrumented apps, a tiny real OTLP/HTTP
// (JSON) receiver, and raw HTTP requests with exact header lists.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** Node flags that run @sextant/node from its TypeScript sources, as an app would run the build. */
export const FROM_SOURCE = ['--conditions=sextant-source', '--import', 'tsx'];
export const REGISTER = ['--import', '@sextant/node/register'];

export interface Child {
  process: ChildProcess;
  /** Port from the `LISTENING <port>` line, once printed. */
  port: Promise<number>;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnNode(args: string[], env: Record<string, string | undefined> = {}): Child {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, OTEL_SERVICE_NAME: undefined, NODE_OPTIONS: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const port = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then((e) => reject(new Error(`child exited (${e.code ?? e.signal}) before listening:\n${err}`)));
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  return { process: child, port, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once the child's stdout contains `text` (it may arrive after the HTTP answer). */
export function stdoutIncludes(child: Child, text: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (child.stdout().includes(text) ? resolve() : child.process.stdout!.once('data', () => setImmediate(check)));
    check();
  });
}

export async function stop(child: Child): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  await child.exited;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request with an exact header list (names keep their case; a name may repeat). */
export async function send(port: number, method: string, path: string, headers: [string, string][] = [], body?: string): Promise<HttpAnswer> {
  // A raw header list is sent as given: Node adds neither Host nor Content-Length to it.
  const raw = [['host', `127.0.0.1:${port}`], ['content-length', String(Buffer.byteLength(body ?? ''))], ...headers];
  const req = request({ host: '127.0.0.1', port, method, path, headers: raw.flat() });
  req.end(body);
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
}

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  statusCode: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  scope: string;
}

export interface ReceivedLog {
  service: string;
  traceId: string;
  spanId: string;
  body: unknown;
}

interface JsonKeyValue {
  key: string;
  value: Record<string, unknown>;
}

function attrs(list: JsonKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = Object.values(value)[0];
  return out;
}

/** A real OTLP/HTTP receiver for the JSON encoding (exporters run with OTEL_EXPORTER_OTLP_PROTOCOL=http/json). */
export class OtlpJsonReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly logs: ReceivedLog[] = [];
  private readonly server: Server;
  private waiters: (() => void)[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (req.url === '/v1/traces') this.addSpans(body);
        else if (req.url === '/v1/logs') this.addLogs(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Resolves once `predicate` holds for what has been received (the test's own timeout bounds the wait). */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private addSpans(body: { resourceSpans?: { resource?: { attributes?: JsonKeyValue[] }; scopeSpans?: { scope?: { name?: string }; spans?: Record<string, unknown>[] }[] }[] }) {
    for (const rs of body.resourceSpans ?? []) {
      const service = String(attrs(rs.resource?.attributes)['service.name']);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            service,
            traceId: s.traceId as string,
            spanId: s.spanId as string,
            parentSpanId: (s.parentSpanId as string | undefined) ?? '',
            name: s.name as string,
            kind: s.kind as number,
            statusCode: ((s.status as { code?: number } | undefined)?.code ?? 0) as number,
            attributes: attrs(s.attributes as JsonKeyValue[]),
            events: ((s.events as { name: string; attributes?: JsonKeyValue[] }[] | undefined) ?? []).map((e) => ({ name: e.name, attributes: attrs(e.attributes) })),
            scope: ss.scope?.name ?? '',
          });
        }
      }
    }
  }

  private addLogs(body: { resourceLogs?: { resource?: { attributes?: JsonKeyValue[] }; scopeLogs?: { logRecords?: Record<string, unknown>[] }[] }[] }) {
    for (const rl of body.resourceLogs ?? []) {
      const service = String(attrs(rl.resource?.attributes)['service.name']);
      for (const sl of rl.scopeLogs ?? []) {
        for (const r of sl.logRecords ?? []) {
          this.logs.push({
            service,
            traceId: (r.traceId as string | undefined) ?? '',
            spanId: (r.spanId as string | undefined) ?? '',
            body: (r.body as Record<string, unknown> | undefined)?.stringValue,
          });
        }
      }
    }
  }
}

/** Environment for a child that exports to `endpoint` as OTLP/HTTP JSON, batching quickly. */
export function otlpEnv(endpoint: string, serviceName: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: serviceName,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_BLRP_SCHEDULE_DELAY: '50',
  };
}
