/**
 * Typed calls across a thread boundary. Both sides share one list of method names of an interface; the client
 * gets an object implementing that interface (every method returns a promise), the server dispatches only the
 * listed methods. Errors keep their class across the boundary when it is one of the registered ones.
 */
import type { MessagePort, Worker } from 'node:worker_threads';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Method = (...args: any[]) => Promise<unknown>;

/** The method names of T. */
export type MethodsOf<T> = { [K in keyof T]: T[K] extends Method ? K : never }[keyof T] & string;

export type Request = { id: number; method: string; args: unknown[] };
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string } };

type Endpoint = Pick<MessagePort | Worker, 'postMessage' | 'on' | 'off'>;

export type ErrorClass = new (message: string) => Error;

export class RpcClient<T> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly errors: Map<string, ErrorClass>;
  private dead: Error | null = null;

  constructor(
    private readonly port: Endpoint,
    errorClasses: readonly ErrorClass[],
  ) {
    this.errors = new Map(errorClasses.map((c) => [new c('').name, c]));
    port.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else {
        const E = this.errors.get(m.error.name) ?? Error;
        p.reject(new E(m.error.message));
      }
    });
  }

  call<K extends MethodsOf<T>>(method: K, args: Parameters<Extract<T[K], Method>>, transfer: ArrayBuffer[] = []): ReturnType<Extract<T[K], Method>> {
    if (this.dead) return Promise.reject(this.dead) as ReturnType<Extract<T[K], Method>>;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ id, method, args } satisfies Request, transfer);
    }) as ReturnType<Extract<T[K], Method>>;
  }

  /** Fails every call in flight and every later one with `err`. */
  fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** An object implementing the listed methods of T by calls through `client`. */
export function remoteMethods<T>(client: RpcClient<T>, methods: readonly MethodsOf<T>[]): Pick<T, MethodsOf<T>> {
  const out: Record<string, unknown> = {};
  for (const m of methods) out[m] = (...args: unknown[]) => client.call(m, args as never);
  return out as Pick<T, MethodsOf<T>>;
}

/** A method's answer whose buffers move to the caller instead of being copied (encoded pages of a trace). */
export class Transfer<T> {
  constructor(
    readonly value: T,
    readonly buffers: ArrayBuffer[],
  ) {}
}

/** Answers calls of the listed methods on `target`. */
export function serveRpc<T extends object>(port: Endpoint, target: T, methods: readonly MethodsOf<T>[]): void {
  const allowed = new Set<string>(methods);
  port.on('message', (m: Request) => {
    const post = (r: Reply) => {
      if (r.ok && r.value instanceof Transfer) port.postMessage({ ...r, value: r.value.value }, r.value.buffers);
      else port.postMessage(r);
    };
    const fn = allowed.has(m.method) ? (target as Record<string, Method>)[m.method] : undefined;
    const run = fn ? Promise.resolve().then(() => fn.apply(target, m.args)) : Promise.reject(new Error(`no method ${m.method}`));
    run.then(
      (value) => post({ id: m.id, ok: true, value }),
      (err: Error) => post({ id: m.id, ok: false, error: { name: err?.name ?? 'Error', message: err?.message ?? String(err) } }),
    );
  });
}
