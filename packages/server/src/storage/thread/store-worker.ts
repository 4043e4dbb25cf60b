/**
 * The store's own thread: it opens one engine (any StorageEngine with `ownThread`) and answers typed calls from
 * the main thread. The main thread parses HTTP/gRPC, decodes and encodes; this thread appends, commits and runs
 * the engine's background work, so the two cores of a small machine both work on ingest.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine } from '../engines.js';
import { serveRpc, Transfer } from './rpc.js';
import { traceEncodingOf, type EncodedPage, type EncodedTraces, type TraceEncoding } from '../../query/encoded-trace.js';
import type { CostReader, StorageBackend } from '../contract.js';
import { CAPABILITY_METHODS, ENCODING_METHODS, STORE_METHODS, type StoreThreadData, type ThreadStartup } from './store-methods.js';

const data = workerData as StoreThreadData;
const port = parentPort!;

async function main(): Promise<void> {
  const engine = await loadEngine(data.engine);
  const backend = await engine.open(data.options as never);
  const close = backend.close.bind(backend);
  // After closing, nothing is left for this thread to do.
  backend.close = () => close().finally(() => setImmediate(() => port.close()));
  const optional = CAPABILITY_METHODS.filter((m) => typeof (backend as Partial<CostReader>)[m] === 'function');
  const encoding = traceEncodingOf(backend);
  // The page's bytes move to the main thread; it never holds the spans.
  const encodeTracePage = async (...args: Parameters<TraceEncoding['encodeTracePage']>) => {
    const page = await encoding.encodeTracePage(...args);
    return new Transfer<EncodedPage>(page, [page.json.buffer as ArrayBuffer]);
  };
  const methods = [...STORE_METHODS, ...optional];
  const served = Object.fromEntries(methods.map((m) => [m, (backend as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!.bind(backend)]));
  const encodeTraces = async (...args: Parameters<TraceEncoding['encodeTraces']>) => {
    const traces = await encoding.encodeTraces(...args);
    return new Transfer<EncodedTraces>(traces, [traces.json.buffer as ArrayBuffer]);
  };
  const target = { ...served, encodeTracePage, encodeTraces, planJaegerTrace: encoding.planJaegerTrace } as unknown as Required<StorageBackend> & CostReader & TraceEncoding;
  serveRpc(port, target, [...methods, ...ENCODING_METHODS]);
  port.postMessage({ type: 'ready', location: backend.location } satisfies ThreadStartup);
}

main().catch((err) => port.postMessage({ type: 'fatal', message: (err as Error).message } satisfies ThreadStartup));
