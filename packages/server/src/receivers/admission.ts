/**
 * Backpressure as OTLP asks for it: a budget of memory for what receivers hold (bodies being read, decoded spans
 * and rows waiting for their commit). A request is admitted only while its share fits, checked before its body
 * is read (Content-Length) and again while it streams in and once it is decompressed; past the budget the
 * receiver answers at once with a retryable 503 / UNAVAILABLE, so exporters back off instead of timing out.
 *
 * Memory alone does not bound waiting: on a slow disk or a busy machine the budget's worth of requests can take
 * longer to commit than exporters wait (10 s by default). So the part of the budget in use adapts to the
 * latency of the acknowledgements (additive increase, multiplicative decrease, as TCP does with its window):
 * it shrinks while requests take longer than TARGET_ACK_MS to be committed and grows back while they are fast.
 */
import type { FastifyRequest } from 'fastify';
import { OverloadedError } from '../ingest/errors.js';

/**
 * Memory held per byte of decompressed body until the commit: decoded spans plus encoded rows, measured at
 * ~13x for OTLP protobuf (packages/server, 1,000-span requests); JSON bodies are ~3x larger for the same spans.
 */
export const HELD_PER_BODY_BYTE = { protobuf: 13, json: 5 } as const;

/**
 * How long exporters are told to wait. Exporters that honour Retry-After come back after exactly that long, so a
 * fixed delay makes refused senders return together and be refused again. The delay grows while more than a
 * tenth of the requests of the last second were refused and shrinks again when almost none were, and each
 * answer adds jitter (up to the delay again) to spread the returns.
 */
class RetryAdvice {
  private base = 1;
  private windowStart = Date.now();
  private admitted = 0;
  private refused = 0;

  note(refused: boolean): void {
    this.roll();
    if (refused) this.refused++;
    else this.admitted++;
  }

  seconds(): number {
    this.roll();
    return this.base + Math.floor(Math.random() * (Math.floor(this.base / 2) + 1));
  }

  private roll(): void {
    const now = Date.now();
    if (now - this.windowStart < 1000) return;
    const total = this.admitted + this.refused;
    if (total > 0 && this.refused > total / 10) this.base = Math.min(MAX_RETRY_AFTER_SECONDS, this.base + Math.ceil(this.base / 2));
    else if (this.refused <= total / 50) this.base = Math.max(1, this.base - 1);
    this.windowStart = now;
    this.admitted = 0;
    this.refused = 0;
  }
}

/**
 * Kept short because exporters give up when the delay would pass their own deadline (OpenTelemetry SDKs: 10 s
 * for the whole export, retries included); fairness below does the rest.
 */
const MAX_RETRY_AFTER_SECONDS = 3;

/**
 * Fairness under overload: every refusal is a lottery, and an exporter that loses it until its deadline drops its
 * spans. So the adaptive window never takes the whole budget: a sender (a connection, which exporters keep across
 * retries) refused PRIORITY_AFTER_REFUSALS times in a row may use up to PRIORITY_SHARE of it, and one refused for
 * longer than STARVED_AFTER_MS (under half an OpenTelemetry SDK's 10 s export deadline) may use all of it. Few
 * senders are ever that unlucky, so the top of the budget is nearly always free for them.
 */
const PRIORITY_AFTER_REFUSALS = 2;
const WINDOW_SHARE = 3 / 4;
const PRIORITY_SHARE = 7 / 8;
const STARVED_AFTER_MS = 4000;

interface RefusalStreak {
  count: number;
  since: number;
}

/** Acknowledgements slower than this shrink the admitted share of the budget. */
export const TARGET_ACK_MS = 1000;
const MIN_WINDOW_BYTES = 1024 * 1024;
const START_WINDOW_BYTES = 16 * 1024 * 1024;

export class IngestBudget {
  private used = 0;
  private window: number;
  private lastDecrease = 0;
  private readonly advice = new RetryAdvice();

  constructor(readonly maxBytes: number) {
    this.window = Math.min(this.maxWindow, START_WINDOW_BYTES);
  }

  private get maxWindow(): number {
    return Math.max(MIN_WINDOW_BYTES, Math.floor(this.maxBytes * WINDOW_SHARE));
  }

  /** The share of the budget admitted now. */
  get windowBytes(): number {
    return this.window;
  }

  /** Feeds the latency of one acknowledged request (from arrival to commit) into the window. */
  acknowledged(latencyMs: number, bytes: number): void {
    const now = Date.now();
    if (latencyMs > TARGET_ACK_MS) {
      // At most once per target interval: the requests of one slow round all report it.
      if (now - this.lastDecrease < TARGET_ACK_MS) return;
      this.lastDecrease = now;
      this.window = Math.max(MIN_WINDOW_BYTES, Math.floor(this.window * 0.7));
    } else {
      this.window = Math.min(this.maxWindow, this.window + Math.max(1, Math.floor((bytes * bytes) / this.window)));
    }
  }

  /** The Retry-After to send with a 503 / UNAVAILABLE now. */
  retryAfterSeconds(): number {
    return this.advice.seconds();
  }

  /** Counts a request that was admitted in full (false) or refused (true), for the retry advice. */
  note(refused: boolean): void {
    this.advice.note(refused);
  }

  get usedBytes(): number {
    return this.used;
  }

  /**
   * A request larger than the whole budget is still admitted when nothing else is held, so it can succeed.
   * @param limit how much of the budget this request may fill (see limitFor)
   */
  tryTake(bytes: number, limit: number): boolean {
    if (this.used > 0 && this.used + bytes > limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }

  /**
   * @param sender what identifies the client across its retries (its connection), for fairness (see
   *   PRIORITY_AFTER_REFUSALS): under overload every exporter gets through within a few retries instead of some
   *   losing the lottery every time.
   */
  reserve(sender?: object): Reservation {
    return new Reservation(this, sender);
  }

  private readonly refusalsBySender = new WeakMap<object, RefusalStreak>();

  /** How much of the budget a request of this sender may fill, by how long it has been refused. */
  limitFor(sender: object | undefined): number {
    const streak = sender === undefined ? undefined : this.refusalsBySender.get(sender);
    if (streak === undefined || streak.count < PRIORITY_AFTER_REFUSALS) return this.window;
    if (Date.now() - streak.since >= STARVED_AFTER_MS) return this.maxBytes;
    return Math.max(this.window, Math.floor(this.maxBytes * PRIORITY_SHARE));
  }

  noteSender(sender: object | undefined, refused: boolean): void {
    if (sender === undefined) return;
    if (!refused) this.refusalsBySender.delete(sender);
    else {
      const streak = this.refusalsBySender.get(sender);
      if (streak) streak.count++;
      else this.refusalsBySender.set(sender, { count: 1, since: Date.now() });
    }
  }
}

export function overloaded(): OverloadedError {
  return new OverloadedError('the server is at its ingest memory limit (--max-ingest-memory); retry later');
}

/** One request's share of the budget; released exactly once, whichever path the request ends on. */
export class Reservation {
  private bytes = 0;
  private released = false;
  private refused = false;
  private readonly startedAt = performance.now();
  private readonly limit: number;

  constructor(private readonly budget: IngestBudget, private readonly sender?: object) {
    this.limit = budget.limitFor(sender);
  }

  /** True once the budget has refused this request. */
  get wasRefused(): boolean {
    return this.refused;
  }

  /** Takes `bytes` more, or throws OverloadedError. */
  grow(bytes: number): void {
    if (this.released || bytes <= 0) return;
    if (!this.budget.tryTake(bytes, this.limit)) {
      this.refused = true;
      throw overloaded();
    }
    this.bytes += bytes;
  }

  /** Ends the share of a request that was committed: its latency adjusts the window. */
  acknowledged(): void {
    if (!this.released && this.bytes > 0) this.budget.acknowledged(performance.now() - this.startedAt, this.bytes);
    this.release();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.bytes > 0 || this.refused) {
      this.budget.note(this.refused);
      this.budget.noteSender(this.sender, this.refused);
    }
    this.budget.give(this.bytes);
    this.bytes = 0;
  }
}

/**
 * True when the client hung up while its request waited: storing it now would store spans nobody will hear were
 * acknowledged (an exporter that retries would send them again).
 */
export function clientGone(req: FastifyRequest): boolean {
  return req.raw.socket?.destroyed ?? false;
}

const reservations = new WeakMap<object, Reservation>();

export function reservationOf(req: FastifyRequest): Reservation | undefined {
  return reservations.get(req.raw);
}

export function attachReservation(req: FastifyRequest, r: Reservation): void {
  reservations.set(req.raw, r);
}
