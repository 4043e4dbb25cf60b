/**
 * The store as the query API sees it: expensive reads go through the query lane (query-lane.ts) with its time
 * limit; cheap ones (a trace by id, services, operations, attribute names) go straight to the engine.
 */
import type { CostReader, SpanStore } from '../storage/contract.js';
import type { QueryLane } from './query-lane.js';
import type { TraceEncoding } from './encoded-trace.js';

/** A guarded store that can hand out a copy whose expensive reads share one deadline. */
interface Deadlined {
  withDeadline(): SpanStore;
}

/**
 * `store` with one deadline (the query timeout from now) over all its expensive reads, when it is a guarded store:
 * a request that makes many reads (a TraceQL search paging through candidates) is bounded as a whole.
 */
export function underOneDeadline(store: SpanStore): SpanStore {
  return (store as SpanStore & Partial<Deadlined>).withDeadline?.() ?? store;
}

export function guardedStore(store: SpanStore, lane: QueryLane, deadline?: number): SpanStore {
  const countSpans = store.countSpans?.bind(store);
  const getTracePage = store.getTracePage?.bind(store);
  const guarded = {
    write: (spans, logs) => store.write(spans, logs),
    getTrace: (id, maxSpans) => store.getTrace(id, maxSpans),
    getLogs: (id) => store.getLogs(id),
    services: () => store.services(),
    operations: (service) => store.operations(service),
    attributeKeys: () => store.attributeKeys(),
    attributeValues: (key) => store.attributeValues(key),
    getTraces: (ids) => lane.run(() => store.getTraces(ids), deadline),
    searchLogs: (q) => lane.run((limits) => store.searchLogs(q, limits), deadline),
    linksTo: (id, limit, window) => lane.run((limits) => store.linksTo(id, limit, window, limits), deadline),
    searchTraces: (q) => lane.run((limits) => store.searchTraces(q, limits), deadline),
    dependencies: (start, end) => lane.run((limits) => store.dependencies(start, end, limits), deadline),
    red: (q) => lane.run((limits) => store.red(q, limits), deadline),
    ...(getTracePage ? { getTracePage } : {}),
    ...(countSpans ? { countSpans: (q) => lane.run((limits) => countSpans(q, limits), deadline) } : {}),
    stats: () => lane.run((limits) => store.stats(limits), deadline),
    enforceRetention: (maxAge, maxBytes) => store.enforceRetention(maxAge, maxBytes),
    close: () => store.close(),
  } satisfies Required<Omit<SpanStore, 'countSpans' | 'getTracePage'>> & Pick<SpanStore, 'countSpans' | 'getTracePage'>;
  const withDeadline = () => guardedStore(store, lane, Date.now() + lane.options.timeoutMs);
  return Object.assign(guarded, { withDeadline }) satisfies SpanStore & Deadlined;
}

/** Reading a search answer's full traces is an expensive read too (the lane); trace by id stays cheap. */
export function guardedEncoding(encoding: TraceEncoding, lane: QueryLane): TraceEncoding {
  return {
    encodeTracePage: (...args) => encoding.encodeTracePage(...args),
    planJaegerTrace: (...args) => encoding.planJaegerTrace(...args),
    encodeTraces: (ids, req) => lane.run(() => encoding.encodeTraces(ids, req)),
  };
}

export function guardedCostReader(reader: CostReader, lane: QueryLane): CostReader {
  return { costReport: (start, end) => lane.run((limits) => reader.costReport(start, end, limits)) };
}
