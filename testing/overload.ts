// Overload as exporters see it: many senders at once against a running Sextant, over OTLP/HTTP protobuf and
// OTLP/gRPC, each sending fresh spans, honouring Retry-After and resending what was refused. Shared by the
// overload test (which asserts) and the bench (which reports figures).
import { credentials, Client, Metadata, status as grpcStatus } from '@grpc/grpc-js';
import { blankSpan, emptyScope, encodeTraceRequest, SpanKind, type Span } from '@sextant/core';
import { randomBytes } from 'node:crypto';

export interface OverloadOptions {
  otlpHttp: string;
  otlpGrpc: string;
  /** Requests in flight at once (HTTP senders + gRPC senders). */
  inFlight: number;
  /** Share of the senders that use gRPC. */
  grpcShare: number;
  spansPerRequest: number;
  durationMs: number;
  /** A client gives up on a request after this long (counted as a timeout). */
  clientTimeoutMs: number;
  /** Offered requests per second over all senders (open loop); Infinity: each sender sends again at once. */
  ratePerSecond?: number;
}

export interface OverloadResult {
  /** Spans acknowledged with 2xx / OK. */
  ackedSpans: number;
  requests: number;
  acked: number;
  /** 503/429 (HTTP) and UNAVAILABLE (gRPC) answers, all of which must carry a retry delay. */
  refused: number;
  refusedWithoutRetryDelay: number;
  timeouts: number;
  grpcTimeouts: number;
  /** Any other answer, with a sample. */
  otherErrors: number;
  otherSample: string[];
  /** Ack latencies of acknowledged requests, ms. */
  ackLatencies: number[];
  elapsedMs: number;
  /** Worst delay of the sender's own event loop, ms: when large, the figures measure the sender, not the server. */
  senderLagMs: number;
}

function spansFor(n: number, service: string): Span[] {
  const traceId = randomBytes(16).toString('hex');
  const now = BigInt(Date.now()) * 1_000_000n;
  const resource = { attributes: [{ key: 'service.name', value: service }], droppedAttributesCount: 0, schemaUrl: '' };
  const scope = { ...emptyScope(), name: 'overload' };
  return Array.from({ length: n }, (_, i) => ({
    ...blankSpan(resource, scope),
    traceId,
    spanId: randomBytes(8).toString('hex'),
    flags: 1,
    name: `op-${i % 10}`,
    kind: SpanKind.SERVER,
    startTimeUnixNano: now - 5_000_000n,
    endTimeUnixNano: now,
    attributes: [
      { key: 'http.request.method', value: 'GET' },
      { key: 'http.route', value: `/items/${i % 50}` },
      { key: 'user.id', value: `u${i}` },
    ],
  }));
}

/** How a sender's request ended. */
type Outcome =
  | { kind: 'acked' }
  | { kind: 'refused'; retryAfterSeconds: number | null }
  | { kind: 'timeout'; grpc: boolean }
  | { kind: 'other'; what: string; resend: boolean };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function offsetsOf(buf: Buffer, needle: Buffer): number[] {
  const out: number[] = [];
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}

/**
 * Fresh request bodies without encoding each one: a template is encoded once, and each copy gets a new random
 * trace id and span ids written where the template's were. The sender's own CPU then stays out of the figures.
 */
export class BodyFactory {
  private readonly template: Buffer;
  private readonly traceOffsets: number[];
  private readonly spanOffsets: number[];

  constructor(spansPerRequest: number, service: string) {
    const spans = spansFor(spansPerRequest, service);
    this.template = Buffer.from(encodeTraceRequest(spans));
    this.traceOffsets = offsetsOf(this.template, Buffer.from(spans[0]!.traceId, 'hex'));
    this.spanOffsets = spans.flatMap((sp) => offsetsOf(this.template, Buffer.from(sp.spanId, 'hex')));
    if (this.traceOffsets.length !== spansPerRequest || this.spanOffsets.length !== spansPerRequest) throw new Error('template ids are not unique in the body');
  }

  next(): Buffer {
    const b = Buffer.from(this.template);
    const ids = randomBytes(16 + 8 * this.spanOffsets.length);
    for (const o of this.traceOffsets) ids.copy(b, o, 0, 16);
    this.spanOffsets.forEach((o, i) => ids.copy(b, o, 16 + 8 * i, 24 + 8 * i));
    return b;
  }
}

function readVarint(b: Buffer, at: { i: number }): number {
  let n = 0;
  let shift = 0;
  for (;;) {
    const x = b[at.i++]!;
    n += (x & 0x7f) * 2 ** shift;
    if (x < 0x80) return n;
    shift += 7;
  }
}

/** The length-delimited fields of a protobuf message, by field number. */
function lenFields(b: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  const at = { i: 0 };
  while (at.i < b.length) {
    const key = readVarint(b, at);
    const wire = key & 7;
    if (wire === 0) readVarint(b, at);
    else if (wire === 2) {
      const len = readVarint(b, at);
      const list = out.get(key >> 3) ?? [];
      list.push(b.subarray(at.i, at.i + len));
      out.set(key >> 3, list);
      at.i += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

/** The retry delay in a gRPC status's google.rpc.RetryInfo detail (grpc-status-details-bin), seconds. */
export function grpcRetryDelay(md: Metadata | undefined): number | null {
  const bin = md?.get('grpc-status-details-bin')[0];
  if (!Buffer.isBuffer(bin)) return null;
  for (const any of lenFields(bin).get(3) ?? []) {
    const f = lenFields(any);
    if (f.get(1)?.[0]?.toString() !== 'type.googleapis.com/google.rpc.RetryInfo') continue;
    const duration = lenFields(f.get(2)![0]!).get(1)?.[0];
    if (!duration || duration[0] !== 0x08) return null;
    return readVarint(duration, { i: 1 });
  }
  return null;
}

export async function runOverload(o: OverloadOptions): Promise<OverloadResult> {
  const r: OverloadResult = { ackedSpans: 0, requests: 0, acked: 0, refused: 0, refusedWithoutRetryDelay: 0, timeouts: 0, grpcTimeouts: 0, otherErrors: 0, otherSample: [], ackLatencies: [], elapsedMs: 0, senderLagMs: 0 };
  let tick = performance.now();
  const lagProbe = setInterval(() => {
    const now = performance.now();
    r.senderLagMs = Math.max(r.senderLagMs, now - tick - 100);
    tick = now;
  }, 100);
  const t0 = Date.now();
  const end = t0 + o.durationMs;
  const grpcSenders = Math.round(o.inFlight * o.grpcShare);
  const grpcClients = Array.from({ length: Math.max(1, Math.ceil(grpcSenders / 100)) }, () => new Client(o.otlpGrpc.replace(/^http:\/\//, ''), credentials.createInsecure()));
  const other = (what: string) => {
    r.otherErrors++;
    if (r.otherSample.length < 5) r.otherSample.push(what);
  };
  // Open loop: a shared ticket bucket paces all senders to the offered rate.
  const interval = o.ratePerSecond && Number.isFinite(o.ratePerSecond) ? 1000 / o.ratePerSecond : 0;
  let nextSlot = t0;
  const pace = async () => {
    if (interval === 0) return;
    const slot = nextSlot;
    nextSlot = Math.max(nextSlot + interval, Date.now() - 1000);
    if (slot > Date.now()) await sleep(slot - Date.now());
  };

  /** Sends until the end: a fresh body after each answer, except that a refused one is resent after its delay. */
  const sender = (bodies: BodyFactory, send: (body: Buffer) => Promise<Outcome>) => async () => {
    let body: Buffer | null = null;
    while (Date.now() < end) {
      await pace();
      if (Date.now() >= end) break;
      body ??= bodies.next();
      const started = performance.now();
      r.requests++;
      const out = await send(body);
      if (out.kind === 'acked') {
        r.acked++;
        r.ackedSpans += o.spansPerRequest;
        r.ackLatencies.push(performance.now() - started);
        body = null;
      } else if (out.kind === 'refused') {
        r.refused++;
        if (out.retryAfterSeconds === null) r.refusedWithoutRetryDelay++;
        await sleep(Math.min((out.retryAfterSeconds ?? 1) * 1000, end - Date.now()));
      } else if (out.kind === 'timeout') {
        r.timeouts++;
        if (out.grpc) r.grpcTimeouts++;
        // The body may or may not have been stored: never resent, so that counts stay exact.
        body = null;
      } else {
        other(out.what);
        if (!out.resend) body = null;
      }
    }
  };

  const httpSender = sender(new BodyFactory(o.spansPerRequest, 'overload-http'), async (body) => {
    try {
      const res = await fetch(`${o.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
        signal: AbortSignal.timeout(o.clientTimeoutMs),
      });
      await res.arrayBuffer();
      if (res.status === 200) return { kind: 'acked' };
      if (res.status === 503 || res.status === 429) {
        const after = Number(res.headers.get('retry-after'));
        return { kind: 'refused', retryAfterSeconds: after > 0 ? after : null };
      }
      return { kind: 'other', what: `HTTP ${res.status}`, resend: true };
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') return { kind: 'timeout', grpc: false };
      return { kind: 'other', what: `HTTP ${(err as Error).message}`, resend: false };
    }
  });

  const grpcBodies = new BodyFactory(o.spansPerRequest, 'overload-grpc');
  const grpcSender = (client: Client) =>
    sender(grpcBodies, async (body) => {
      const answer = await new Promise<{ code: number; md?: Metadata; details?: string }>((resolve) => {
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          new Metadata(),
          { deadline: Date.now() + o.clientTimeoutMs },
          (err) => resolve(err ? { code: err.code, md: err.metadata, details: err.details } : { code: grpcStatus.OK }),
        );
      });
      if (answer.code === grpcStatus.OK) return { kind: 'acked' };
      if (answer.code === grpcStatus.UNAVAILABLE) return { kind: 'refused', retryAfterSeconds: grpcRetryDelay(answer.md) };
      if (answer.code === grpcStatus.DEADLINE_EXCEEDED) return { kind: 'timeout', grpc: true };
      return { kind: 'other', what: `gRPC ${answer.code} ${answer.details ?? ''}`, resend: false };
    })();

  const senders: Promise<void>[] = [];
  for (let i = 0; i < o.inFlight - grpcSenders; i++) senders.push(httpSender());
  for (let i = 0; i < grpcSenders; i++) senders.push(grpcSender(grpcClients[i % grpcClients.length]!));
  await Promise.all(senders);
  for (const c of grpcClients) c.close();
  clearInterval(lagProbe);
  r.elapsedMs = Date.now() - t0;
  return r;
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}

/** Resident set size of a process now, bytes (Linux). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}
