/**
 * The store as the query API sees it: expensive reads go through the query lane (query-lane.ts) with its time
 * limit; cheap ones (a trace by id, services, operations, attribute names) go straight to the engine.
 */
import type { CostReader, SpanStore } from '../storage/contract.js';
import type { QueryLane } from './query-lane.js';

export function guardedStore(store: SpanStore, lane: QueryLane): SpanStore {
  const countSpans = store.countSpans?.bind(store);
  const getTracePage = store.getTracePage?.bind(store);
  return {
    write: (spans, logs) => store.write(spans, logs),
    getTrace: (id, maxSpans) => store.getTrace(id, maxSpans),
    getLogs: (id) => store.getLogs(id),
    services: () => store.services(),
    operations: (service) => store.operations(service),
    attributeKeys: () => store.attributeKeys(),
    attributeValues: (key) => store.attributeValues(key),
    getTraces: (ids) => lane.run(() => store.getTraces(ids)),
    // Scans without an engine-side limit yet: the lane bounds how many run and answers at the time limit.
    searchLogs: (q) => lane.run(() => store.searchLogs(q)),
    linksTo: (id, limit, window) => lane.run(() => store.linksTo(id, limit, window)),
    searchTraces: (q) => lane.run((limits) => store.searchTraces(q, limits)),
    dependencies: (start, end) => lane.run((limits) => store.dependencies(start, end, limits)),
    red: (q) => lane.run((limits) => store.red(q, limits)),
    ...(getTracePage ? { getTracePage } : {}),
    ...(countSpans ? { countSpans: (q) => lane.run((limits) => countSpans(q, limits)) } : {}),
    stats: () => lane.run((limits) => store.stats(limits)),
    enforceRetention: (maxAge, maxBytes) => store.enforceRetention(maxAge, maxBytes),
    close: () => store.close(),
  } satisfies Required<Omit<SpanStore, 'countSpans' | 'getTracePage'>> & Pick<SpanStore, 'countSpans' | 'getTracePage'>;
}

export function guardedCostReader(reader: CostReader, lane: QueryLane): CostReader {
  return { costReport: (start, end) => lane.run((limits) => reader.costReport(start, end, limits)) };
}
