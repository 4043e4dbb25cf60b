/**
 * The embedded store: one DuckDB file (or memory). Each batch is one explicit transaction of appends (so a batch
 * is all-or-nothing and durable on COMMIT); reads see only committed batches. The pieces: connections.ts
 * (connections), side-rows.ts (resource/scope ids), append.ts (appender rows), row-mapping.ts (rows → model),
 * search.ts and search-sql.ts (search), rollups.ts (graph, RED), retention.ts, background.ts.
 */
import { logPage } from '../log-page.js';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LogRecord, Span } from '@sextant/core';
import type {
  CostReader,
  IncomingLink,
  LogQuery,
  LogSearchResult,
  CostReport,
  DependencyGraph,
  OperationInfo,
  ReadLimits,
  RedQuery,
  TracePosition,
  RedResult,
  SearchResult,
  SpanCountQuery,
  SpanCountRow,
  StorageBackend,
  StoreStats,
  TraceQuery,
} from '../contract.js';
import { checkLogQuery, checkSearchLimits } from '../contract.js';
import { AttributeIndex } from '../stored/attribute-index.js';
import { hexToBig } from '../stored/ids.js';
import { appendAll, appendAttrValue, appendLog, appendResource, appendScope, appendSpans } from './append.js';
import { startBackgroundTasks, type BackgroundOptions } from './background.js';
import { Connections, type Row } from './connections.js';
import { splitParams, traceIdListParam, traceIdParam, Typed, type Param } from './params.js';
import { UBIGINT } from '@duckdb/node-api';
import { findDuplicates, RecentTraces, WritingKeys } from './dedup.js';
import { LOG_COLUMNS, logFromRow, resolveSideRowsOf, SPAN_COLUMNS, spanFromRow } from './row-mapping.js';
import { checkpointBetweenWrites, databaseBytes, enforceRetention } from './retention.js';
import { redFromSpans } from './red-sql.js';
import { countSpans } from './span-counts-sql.js';
import { incomingLinksFromRows, linksToSql, logSearchSql } from './log-search.js';
import { fold, MINUTE_NS, rolledUpCounts, rolledUpDependencies, rolledUpRed, rollupsCount, rollupWatermark, warmRollups } from './rollups.js';
import { DDL, SCHEMA_VERSION } from './schema.js';
import { searchTraces } from './search.js';
import { BUCKET_SPANS, inRanges, TraceLocator } from './trace-locator.js';
import { costReport } from './costs.js';
import { compactCopy, removeStaleCompaction, replaceWithCompacted } from './compaction.js';
import { SideRows, type NewSideRows } from './side-rows.js';
import { SpanRowEncoder, type SpanRows } from './span-rows.js';

/** How long folding may wait while ingest is busy (the answers include unfolded batches meanwhile). */
const FOLD_DEFER_MS = 30_000;

export interface DuckDBStoreOptions extends BackgroundOptions {
  /** Directory holding `sextant.duckdb`; null for an in-memory store. */
  dataDir: string | null;
  /** DuckDB memory limit, e.g. '2GB' (defaults to DuckDB's own). */
  memoryLimit?: string;
  threads?: number;
}

export class DuckDBStore implements StorageBackend<SpanRows>, CostReader {
  /** Encodes spans for in-process writes; ingest encodes on the receiving thread. */
  private readonly encoder = new SpanRowEncoder();
  private readonly attrIndex = new AttributeIndex();
  private readonly sides: SideRows;
  private closed = false;
  private stopBackground: () => void = () => undefined;
  /** Ingest batches are numbered; the rollups fold them in order (rollups.ts). */
  private nextSeq = 1n;
  private readonly writing = new Set<bigint>();
  /** Span keys of batches being written, for idempotent ingest (dedup.ts). */
  private readonly writingKeys = new WritingKeys();
  /** Set at open, from the newest stored span (dedup.ts). */
  private recent = new RecentTraces(0n);
  /** Committed batches not folded into the rollups yet, by seq. */
  private readonly unfolded: { seq: bigint; spans: number; committedAt: number }[] = [];
  private foldedThrough = 0n;
  private lastCommitAt = 0;
  private folding: Promise<unknown> = Promise.resolve();
  /** Which batches may hold a trace id (trace-locator.ts). */
  private locator = new TraceLocator();
  /** Spans committed and not sealed by the locator (unknown after opening, so the first pass looks). */
  private unsealedSpans = Infinity;
  private committedSpans = 0;
  private warming: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: Connections,
    readonly location: string | null,
  ) {
    this.sides = new SideRows((sql, params) => this.rows(sql, params));
  }

  static async open(opts: DuckDBStoreOptions): Promise<DuckDBStore> {
    let path = ':memory:';
    if (opts.dataDir !== null) {
      mkdirSync(opts.dataDir, { recursive: true });
      path = join(opts.dataDir, 'sextant.duckdb');
    }
    // Checkpoints (which compress) would otherwise run inside the commit that crosses the default 16 MB WAL
    // threshold, stalling ingest for seconds; the maintenance connection checkpoints in the background instead.
    const config: Record<string, string> = { storage_compatibility_version: 'latest', checkpoint_threshold: '1GB' };
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    if (opts.threads) config.threads = String(opts.threads);
    const db = await Connections.open(path, config, 2, [
      ...DDL,
      `INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT DO NOTHING`,
    ]);
    const store = new DuckDBStore(db, opts.dataDir === null ? null : path);
    // Only now that this process holds the database's lock: the copy cannot be another process's.
    if (store.location !== null) removeStaleCompaction(store.location);
    await store.sides.load();
    for (const r of await store.rows(`SELECT key, value FROM attr_values`)) store.attrIndex.load(r.key as string, r.value as string);
    store.foldedThrough = await rollupWatermark((sql) => store.rows(sql));
    store.locator = await TraceLocator.load((sql) => store.rows(sql));
    const [last] = await store.rows(`SELECT coalesce(max(batch_seq), 0) AS seq, max(start_ns) AS newest FROM spans`);
    // Batch numbers never go back, even when retention has emptied the table: the locator's sealed buckets and the
    // rollup watermark name batches that are gone, and a reused number would be taken as already sealed or folded.
    let seq = last!.seq as bigint;
    for (const s of [store.locator.sealedThrough, store.foldedThrough]) if (s > seq) seq = s;
    store.nextSeq = seq + 1n;
    store.recent = new RecentTraces(last!.newest === null ? -(2n ** 63n) : (last!.newest as bigint) + 1n);
    // Batches of an earlier run that it did not fold (it stopped without closing): fold them first.
    if (store.nextSeq - 1n > store.foldedThrough) store.unfolded.push({ seq: store.nextSeq - 1n, spans: 0, committedAt: 0 });
    store.stopBackground = startBackgroundTasks(store, opts);
    // The first graph or RED read after a restart would otherwise pay for reading the rollups from disk.
    store.warming = store.db.expensive(undefined, false, warmRollups).catch(() => undefined);
    return store;
  }

  private rows(sql: string, params: readonly Param[] = []): Promise<Row[]> {
    return this.db.rows(sql, params);
  }

  // ---------------------------------------------------------------- writing

  async write(spans: readonly Span[], logs: readonly LogRecord[]): Promise<void> {
    await this.writeBatches(spans.length > 0 ? [this.encoder.encode(spans)] : [], logs);
  }

  /** Appends encoded span batches (and log records) as one transaction; durable when it resolves. */
  async writeBatches(batches: readonly SpanRows[], logs: readonly LogRecord[]): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    if (batches.every((b) => b.n === 0) && logs.length === 0) return;
    const seq = this.nextSeq++;
    this.writing.add(seq);
    let committed = false;
    let kept = 0;
    this.writingKeys.begin(seq);
    await this.db.withWriter(async (writer) => {
      await writer.run('BEGIN TRANSACTION');
      const fresh: NewSideRows = { resources: [], scopes: [] };
      try {
        const skips = await findDuplicates(seq, batches, async (sql, params) => {
          const { values, types } = splitParams(params);
          return (await writer.runAndReadAll(sql, values, types)).getRowObjects();
        }, this.writingKeys, this.recent);
        await appendAll(writer, 'spans', batches, (app, rows) => {
          const skip = skips[batches.indexOf(rows)] ?? null;
          const resourceIds = rows.resources.map((r) => this.sides.resourceId(r, fresh));
          const scopeIds = rows.scopes.map((s) => this.sides.scopeId(s, fresh));
          kept += appendSpans(app, rows, resourceIds, scopeIds, seq, skip);
          for (const [k, v] of rows.attrPairs) this.attrIndex.addText(k, v);
        });
        await appendAll(writer, 'logs', logs, (app, l) =>
          appendLog(app, l, this.sides.resourceId(this.encoder.resourceFacts(l.resource).row, fresh), this.sides.scopeId(this.encoder.scopeRow(l.scope), fresh)),
        );
        // Side rows last: appending spans and logs is what discovers new resources, scopes and attribute values.
        await appendAll(writer, 'resources', fresh.resources, appendResource);
        await appendAll(writer, 'scopes', fresh.scopes, appendScope);
        await appendAll(writer, 'attr_values', this.attrIndex.pendingPairs(), appendAttrValue);
        await writer.run('COMMIT');
        committed = true;
        this.recent.committed(batches, skips);
        this.attrIndex.commit();
      } catch (err) {
        this.sides.forget(fresh);
        this.attrIndex.rollback();
        await writer.run('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        this.writing.delete(seq);
        this.writingKeys.finish(seq, committed);
        if (committed) this.batchCommitted(seq, kept);
      }
    });
  }

  /**
   * The background pass: folding competes with ingest for the same cores, so while batches keep arriving it waits
   * until the oldest unfolded one is FOLD_DEFER_MS old (bursts are folded after they end, sustained ingest every
   * FOLD_DEFER_MS).
   */
  foldInBackground(): Promise<number> {
    const oldest = this.unfolded[0];
    if (!oldest) return Promise.resolve(0);
    const busy = Date.now() - this.lastCommitAt < 1000;
    if (busy && Date.now() - oldest.committedAt < FOLD_DEFER_MS) return Promise.resolve(0);
    return this.foldRollups(2000, 500_000);
  }

  /**
   * Seals committed batches into the trace locator's buckets (whole buckets, or with `all` everything committed).
   * It writes, so it runs in the folds' queue (betweenFolds).
   */
  indexTraceIds(all = false): Promise<number> {
    const run = async () => {
      // Nothing to look at until a whole bucket's worth has been committed.
      if (!all && this.unsealedSpans < BUCKET_SPANS) return 0;
      let through = this.nextSeq - 1n;
      for (const s of this.writing) if (s <= through) through = s - 1n;
      const committedBefore = this.committedSpans;
      const pending = await this.locator.seal(this.db.rollup, through, all);
      // Batches committed meanwhile lie after `through`: still unsealed.
      this.unsealedSpans = pending.unsealed + (this.committedSpans - committedBefore);
      return pending.sealed;
    };
    return this.betweenFolds(run);
  }

  private batchCommitted(seq: bigint, spans: number): void {
    this.lastCommitAt = Date.now();
    this.unsealedSpans += spans;
    this.committedSpans += spans;
    let i = this.unfolded.length;
    while (i > 0 && this.unfolded[i - 1]!.seq > seq) i--;
    this.unfolded.splice(i, 0, { seq, spans, committedAt: Date.now() });
  }

  /**
   * Folds committed batches into the rollups, oldest first (returns how many spans): those committed at least `quietMs` ago (the rest of
   * their traces has had time to arrive), up to about `maxSpans` spans, never past a batch still being written.
   */
  foldRollups(quietMs = 2000, maxSpans = 200_000): Promise<number> {
    const run = async (): Promise<number> => {
      const settled = Date.now() - quietMs;
      let oldestWriting: bigint | null = null;
      for (const s of this.writing) if (oldestWriting === null || s < oldestWriting) oldestWriting = s;
      let take = 0;
      let spans = 0;
      for (const b of this.unfolded) {
        if ((oldestWriting !== null && b.seq > oldestWriting) || b.committedAt > settled || spans >= maxSpans) break;
        take++;
        spans += b.spans;
      }
      if (take === 0) return 0;
      const hi = this.unfolded[take - 1]!.seq;
      await fold(this.db.rollup, this.foldedThrough, hi);
      this.foldedThrough = hi;
      this.unfolded.splice(0, take);
      return spans;
    };
    const result = this.folding.then(run, run);
    this.folding = result.then(() => undefined, () => undefined);
    return result;
  }

  // ---------------------------------------------------------------- reading

  private async spans(rows: Row[]): Promise<Span[]> {
    await resolveSideRowsOf(rows, this.sides);
    return rows.map((r) => spanFromRow(r, this.sides));
  }

  /** The spans of one trace that `where` (with `params`) keeps, in `order`, read only where the locator says. */
  private traceRows(traceId: string, where: string, params: readonly Param[], order: string): Promise<Row[]> {
    const id = hexToBig(traceId);
    const located = inRanges(this.locator.ranges([id]), `SELECT ${SPAN_COLUMNS} FROM spans WHERE trace_id = ?${where}`, [traceIdParam(id), ...params]);
    return this.rows(`SELECT * FROM (${located.sql}) ${order}`, located.params);
  }

  async getTrace(traceId: string, maxSpans?: number): Promise<Span[]> {
    const limit = maxSpans === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(maxSpans))}`;
    return this.spans(await this.traceRows(traceId, '', [], `ORDER BY start_ns, span_id${limit}`));
  }

  async getTracePage(traceId: string, after: TracePosition | null, limit: number): Promise<Span[]> {
    const n = Math.max(0, Math.floor(limit));
    const order = `ORDER BY start_ns, span_id, kind LIMIT ${n}`;
    if (after === null) return this.spans(await this.traceRows(traceId, '', [], order));
    const span = new Typed(hexToBig(after.spanId), UBIGINT);
    // The plain `start_ns >= ?` lets zone maps skip the row groups before the page.
    const next = ` AND start_ns >= ? AND (start_ns > ? OR (start_ns = ? AND (span_id > ? OR (span_id = ? AND kind > ?))))`;
    return this.spans(await this.traceRows(traceId, next, [after.startNano, after.startNano, after.startNano, span, span, after.kind], order));
  }

  async getTraces(traceIds: readonly string[]): Promise<Map<string, Span[]>> {
    const out = new Map<string, Span[]>();
    if (traceIds.length === 0) return out;
    // Many traces at once: beside the cheap reads, not in their queue.
    const ids = traceIds.map(hexToBig);
    const located = inRanges(this.locator.ranges(ids), `SELECT ${SPAN_COLUMNS} FROM spans WHERE list_contains(?, trace_id)`, [traceIdListParam(ids)]);
    const rows = await this.db.expensive(undefined, false, (read) => read(`SELECT * FROM (${located.sql}) ORDER BY trace_id, start_ns, span_id`, located.params));
    for (const s of await this.spans(rows)) {
      let list = out.get(s.traceId);
      if (!list) out.set(s.traceId, (list = []));
      list.push(s);
    }
    return out;
  }

  async searchTraces(q: TraceQuery, limits?: ReadLimits): Promise<SearchResult> {
    checkSearchLimits(q);
    return this.db.expensive(limits, false, (read) => searchTraces(read, q, this.locator));
  }

  async getLogs(traceId: string): Promise<LogRecord[]> {
    const rows = await this.rows(`SELECT ${LOG_COLUMNS} FROM logs WHERE trace_id = ? ORDER BY time_ns`, [traceIdParam(hexToBig(traceId))]);
    await resolveSideRowsOf(rows, this.sides);
    return rows.map((r) => logFromRow(r, this.sides));
  }

  async searchLogs(q: LogQuery, limits?: ReadLimits): Promise<LogSearchResult> {
    checkLogQuery(q);
    const { sql, params } = logSearchSql(q);
    // A scan of the logs (text, attributes): beside the cheap reads, stopped at its limit.
    const rows = await this.db.expensive(limits, false, (read) => read(sql, params));
    await resolveSideRowsOf(rows, this.sides);
    return logPage(rows.map((r) => logFromRow(r, this.sides)), q);
  }

  async linksTo(traceId: string, limit: number, window: { startNano: bigint; endNano: bigint }, limits?: ReadLimits): Promise<IncomingLink[]> {
    const { sql, params } = linksToSql(traceId, limit, window);
    return incomingLinksFromRows(await this.db.expensive(limits, false, (read) => read(sql, params)), traceId, limit);
  }

  async services(): Promise<string[]> {
    return (await this.rows(`SELECT DISTINCT service FROM spans ORDER BY 1`)).map((r) => r.service as string);
  }

  async operations(service?: string): Promise<(OperationInfo & { service: string })[]> {
    const rows = service === undefined
      ? await this.rows(`SELECT service, name, kind FROM spans GROUP BY ALL ORDER BY 1, 2, 3`)
      : await this.rows(`SELECT service, name, kind FROM spans WHERE service = ? GROUP BY ALL ORDER BY 2, 3`, [service]);
    return rows.map((r) => ({ service: r.service as string, name: r.name as string, spanKind: r.kind as OperationInfo['spanKind'] }));
  }

  async attributeKeys(): Promise<string[]> {
    return this.attrIndex.keys();
  }

  async attributeValues(key: string): Promise<string[]> {
    return this.attrIndex.values(key);
  }

  dependencies(startNano: bigint, endNano: bigint, limits?: ReadLimits): Promise<DependencyGraph> {
    return this.db.expensive(limits, true, (read) => rolledUpDependencies(read, startNano, endNano));
  }

  red(q: RedQuery, limits?: ReadLimits): Promise<RedResult> {
    // The rollups hold minutes: finer steps are computed from the spans.
    if (q.stepNano < MINUTE_NS) return this.db.expensive(limits, false, (read) => redFromSpans(read, q));
    return this.db.expensive(limits, true, (read) => rolledUpRed(read, q));
  }

  countSpans(q: SpanCountQuery, limits?: ReadLimits): Promise<SpanCountRow[]> {
    if (rollupsCount(q)) return this.db.expensive(limits, true, (read) => rolledUpCounts(read, q));
    return this.db.expensive(limits, false, (read) => countSpans(read, q));
  }

  // ---------------------------------------------------------------- maintenance

  async costReport(startNano: bigint, endNano: bigint, limits?: ReadLimits): Promise<CostReport> {
    return this.db.expensive(limits, false, (read) => costReport(read, startNano, endNano));
  }

  async stats(limits?: ReadLimits): Promise<StoreStats> {
    const [counts] = await this.db.expensive(limits, false, (read) => read(
      `SELECT (SELECT count(*) FROM spans) AS spans, (SELECT count(DISTINCT trace_id) FROM spans) AS traces, (SELECT count(*) FROM logs) AS logs`,
    ));
    return {
      spans: Number(counts!.spans),
      traces: Number(counts!.traces),
      logs: Number(counts!.logs),
      bytes: await databaseBytes((sql) => this.rows(sql)),
    };
  }

  enforceRetention(maxAgeNano: bigint | null, maxBytes: number | null): Promise<{ deletedSpans: number }> {
    return this.betweenFolds(async () => {
      const done = await enforceRetention(this.db.maintenance, (sql) => this.rows(sql), maxAgeNano, maxBytes);
      if (done.deletedSpans > 0) {
        const [first] = await this.rows(`SELECT min(batch_seq) AS seq FROM spans`);
        await this.locator.forgetDeleted(this.db.maintenance, (first?.seq as bigint | null | undefined) ?? null);
      }
      return done;
    });
  }

  /** Size of the write-ahead log not yet checkpointed into the database file. */
  walBytes(): number {
    if (this.location === null) return 0;
    try {
      return statSync(`${this.location}.wal`).size;
    } catch {
      return 0;
    }
  }

  /**
   * Folds the write-ahead log into the compressed database file. Runs beside ingest (DuckDB lets appends go on
   * during a checkpoint) so that no commit pays for compression.
   */
  async checkpoint(): Promise<void> {
    if (this.location !== null && !this.closed) await this.betweenFolds(() => checkpointBetweenWrites(this.db.maintenance));
  }

  /**
   * Runs maintenance (checkpoints, retention) in the folds' queue: DuckDB refuses CHECKPOINT while a fold holds a
   * write transaction, and a fold can last longer than checkpointBetweenWrites waits for ingest commits.
   */
  private betweenFolds<T>(f: () => Promise<T>): Promise<T> {
    const result = this.folding.then(f, f);
    this.folding = result.then(() => undefined, () => undefined);
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopBackground();
    await this.warming;
    // Leave nothing for the next start to fold.
    await this.foldRollups(0, Infinity).catch((err) => process.stderr.write(`sextant: folding the rollups failed: ${(err as Error).message}\n`));
    this.closed = true;
    let compacted = false;
    if (this.location !== null) {
      await this.betweenFolds(() => checkpointBetweenWrites(this.db.maintenance)).catch(() => undefined);
      compacted = await compactCopy(this.db.maintenance, (sql) => this.rows(sql), this.location).catch((err) => {
        process.stderr.write(`sextant: compacting the database file failed (it is kept as it is): ${(err as Error).message}\n`);
        return false;
      });
    }
    this.db.close();
    if (compacted) replaceWithCompacted(this.location!);
  }
}
