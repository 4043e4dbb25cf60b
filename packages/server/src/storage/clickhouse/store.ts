/**
 * The ClickHouse backend: Sextant's store contract over the OpenTelemetry Collector exporter's tables, on a
 * ClickHouse server (HTTP) or the embedded engine (chdb). It talks to a server, so it runs on the main thread.
 */
import { logPage } from '../log-page.js';
import type { ClickHouseClient } from '@clickhouse/client';
import type { LogRecord, Span, SpanKind } from '@sextant/core';
import {
  checkLogQuery,
  checkSearchLimits,
  type IncomingLink,
  type LogQuery,
  type LogSearchResult,
  QueryError,
  type CostReader,
  type CostReport,
  type DependencyGraph,
  type OperationInfo,
  type RedQuery,
  type RedResult,
  type SearchResult,
  type SpanCountQuery,
  type SpanCountRow,
  type StorageBackend,
  type StoreStats,
  type TraceQuery,
  type TraceSummary,
} from '../contract.js';
import { decodeCursor, nextPageCursor } from '../stored/search-cursor.js';
import { redMetrics } from './aggregates.js';
import { incomingLinks, searchLogRows } from './log-search.js';
import { dependencyGraph, linkMinute, MINUTE, SETTLE } from './dependencies.js';
import { connect, parseClickHouseUrl, type ClickHouseTarget } from './connect.js';
import { AttributeTypes, type ValueType } from './attribute-types.js';
import {
  encodeLogRows, kindFromText, LOG_COLUMNS, LOG_INSERT_COLUMNS, logFromRow, SPAN_COLUMNS, spanFromRow, TRACE_INSERT_COLUMNS, TraceRowEncoder,
  type LogSelectRow, type SpanSelectRow, type TraceRowBatch,
} from './rows.js';
import { databaseBytes, dropOldestDays } from './retention.js';
import { contribDdl, databaseDdl, hasFullTextSearch, ident, IS_ERROR, sextantDdl, TABLES, ttlWarnings, type SchemaOptions } from './schema.js';
import { buildSearchSql, matchingTracesSql, recentCandidatesSql, type Candidates, type SearchRow } from './search.js';
import { countSpans } from './span-counts.js';
import { costReport } from './costs.js';
import { DEFAULT_RETRY, insertRows, withRetries, type RetryPolicy } from './writer.js';
import { every } from '../periodic.js';

export interface ClickHouseStoreOptions {
  /** `http(s)://user:password@host:8123/database` or `chdb:DIR?database=NAME`. */
  url: string;
  /** Create the contrib tables when missing (Sextant's own tables are always created). */
  createSchema?: boolean;
  cluster?: string | null;
  retentionNano?: bigint | null;
  retry?: RetryPolicy;
  /** Run background work on the shared data: the pass that links settled minutes (off on ingest processes). */
  background?: boolean;
  /** How often that pass runs. */
  linkIntervalMs?: number;
  /** --max-size: the oldest days are dropped beyond it (retention.ts), by background work. */
  maxSizeBytes?: number | null;
  retentionIntervalMs?: number;
  /** Up to this many matching traces a search summarises each of them; beyond, see searchTraces (default 1,000). */
  fewTraces?: number;
}

/** How far back the linking pass starts on a database that already has spans. */
const LINK_BACKFILL = 60n * MINUTE;
/** Minutes linked per pass at most, so that catching up never holds a query node for long. */
const LINK_BATCH = 30;
/** How old this process's copy of sextant_attribute_types may be when a read needs it (other processes write it). */
const TYPES_REFRESH_MS = 10_000;

export class ClickHouseStore implements StorageBackend<TraceRowBatch>, CostReader {
  /** The tables whose existing TTL differs from what --retention asks for (printed at open; see ttlWarnings). */
  retentionWarnings: readonly string[] = [];
  private linkTimer: NodeJS.Timeout | null = null;
  private linking: Promise<number> | null = null;
  private lastLinkError = '';
  private stopRetention: () => void = () => undefined;
  private retention: Promise<unknown> = Promise.resolve();
  private readonly encoder = new TraceRowEncoder();
  private readonly types = new AttributeTypes();
  private readonly readValue = (key: string, text: string) => this.types.read(key, text);
  private typesLoadedAt = 0;
  private lookupCovers = false;
  private fewTraces = 1000;
  private lookupCheckedAt = 0;
  private typesLoading: Promise<void> | null = null;

  private constructor(
    private readonly client: ClickHouseClient,
    readonly target: ClickHouseTarget,
    readonly version: string,
    /** Sextant's own tables that could not be created (no rights), with the reason. */
    readonly missing: ReadonlyMap<string, string>,
    private readonly retry: RetryPolicy,
    private readonly cluster: string | null,
  ) {}

  /** Where the data lives, for people: the server without credentials, or the chdb directory. */
  get location(): string {
    return this.target.display;
  }

  private get db(): string {
    return ident(this.target.database);
  }

  static async open(opts: ClickHouseStoreOptions): Promise<ClickHouseStore> {
    const target = parseClickHouseUrl(opts.url);
    if (opts.cluster && (opts.maxSizeBytes ?? null) !== null) {
      // system.parts shows one node's parts: a bound there would drop days on every shard for one node's disk.
      throw new Error('--max-size does not apply to a ClickHouse cluster (--clickhouse-cluster): bound each node with TTL (--retention) or its storage policy');
    }
    const client = await connect(target);
    const retry = opts.retry ?? DEFAULT_RETRY;
    try {
      const [{ version }] = await withRetries(retry, 'the version query', async () =>
        (await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })).json<{ version: string }>(),
      );
      const schema: SchemaOptions = {
        database: target.database,
        cluster: opts.cluster ?? null,
        retentionNano: opts.retentionNano ?? null,
        fullTextSearch: hasFullTextSearch(version!),
      };
      if (opts.createSchema !== false) {
        await client.command({ query: databaseDdl(schema) });
        for (const ddl of contribDdl(schema)) await client.command({ query: ddl });
      }
      const exists = await client.query({
        query: 'SELECT name FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
        query_params: { db: target.database, names: [TABLES.traces, TABLES.logs, TABLES.traceIdTs] },
        format: 'JSONEachRow',
      });
      const found = new Set((await exists.json<{ name: string }>()).map((r) => r.name));
      if (!found.has(TABLES.traces)) {
        throw new Error(
          `${target.display} has no ${TABLES.traces} table: create the OpenTelemetry Collector clickhouseexporter schema, or drop --clickhouse-create-schema=false`,
        );
      }
      const missing = new Map<string, string>();
      for (const ddl of sextantDdl(schema)) {
        try {
          await client.command({ query: ddl });
        } catch (err) {
          const table = /(?:TABLE|VIEW) IF NOT EXISTS \S+\.`([^`]+)`/.exec(ddl)?.[1] ?? 'a Sextant table';
          missing.set(table, (err as Error).message);
        }
      }
      const engines = await (
        await client.query({ query: 'SELECT name, engine_full FROM system.tables WHERE database = {db:String}', query_params: { db: target.database }, format: 'JSONEachRow' })
      ).json<{ name: string; engine_full: string }>();
      const retentionWarnings = ttlWarnings(schema, [...contribDdl(schema), ...sextantDdl(schema)], engines);
      if (retentionWarnings.length > 0) {
        process.stderr.write(`sextant: warning: --retention is NOT applied to these tables, which already exist with another TTL (Sextant never alters an existing table):\n${retentionWarnings.map((w) => `  ${w}\n`).join('')}`);
      }
      const store = new ClickHouseStore(client, target, version!, missing, retry, opts.cluster ?? null);
      store.retentionWarnings = retentionWarnings;
      store.fewTraces = opts.fewTraces ?? store.fewTraces;
      await store.freshTypes();
      if (opts.background !== false && !missing.has(TABLES.dependencies)) {
        store.linkTimer = setInterval(() => void store.linkPending().catch(() => undefined), opts.linkIntervalMs ?? 20_000);
        store.linkTimer.unref();
      }
      const maxBytes = opts.maxSizeBytes ?? null;
      if (opts.background !== false && maxBytes !== null) {
        store.stopRetention = every(opts.retentionIntervalMs ?? 60_000, 'retention pass', () => store.enforceRetention(null, maxBytes), true);
      }
      return store;
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
  }

  private async rows<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const rs = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  private needs(table: string, feature: string): void {
    const why = this.missing.get(table);
    if (why !== undefined) throw new QueryError(`${feature} needs Sextant's table ${table}, which could not be created: ${why}`);
  }

  // ---- writes

  async write(spans: readonly Span[], logs: readonly LogRecord[]): Promise<void> {
    await this.writeBatches(spans.length > 0 ? [this.encoder.encode(spans)] : [], logs);
  }

  /**
   * One insert per table for everything ingest's group commit gathered, with the attribute types not recorded
   * yet; resolves once ClickHouse acknowledged them all.
   */
  async writeBatches(batches: readonly TraceRowBatch[], logs: readonly LogRecord[]): Promise<void> {
    const spans = batches.map((b) => b.rows).filter((r) => r !== '').join('\n');
    const types = this.missing.has(TABLES.attributeTypes) ? [] : [...new Map(batches.flatMap((b) => this.types.unrecorded(b.types)).map((t) => [t.join('\u0000'), t])).values()];
    await Promise.all([
      insertRows(this.client, `INSERT INTO ${this.db}.${ident(TABLES.traces)} (${TRACE_INSERT_COLUMNS.map(ident).join(', ')}) FORMAT JSONCompactEachRow`, spans, this.retry),
      insertRows(this.client, `INSERT INTO ${this.db}.${ident(TABLES.logs)} (${LOG_INSERT_COLUMNS.map(ident).join(', ')}) FORMAT JSONCompactEachRow`, encodeLogRows(logs), this.retry),
      insertRows(this.client, `INSERT INTO ${this.db}.${ident(TABLES.attributeTypes)} (Key, Type) FORMAT JSONCompactEachRow`, types.map((t) => JSON.stringify(t)).join('\n'), this.retry),
    ]);
    this.types.add(types);
  }

  /** Reloads the attribute types other processes recorded, when this copy is older than TYPES_REFRESH_MS. */
  private freshTypes(): Promise<void> {
    if (this.missing.has(TABLES.attributeTypes) || Date.now() - this.typesLoadedAt < TYPES_REFRESH_MS) return Promise.resolve();
    this.typesLoading ??= this.rows<{ Key: string; Type: ValueType }>(`SELECT DISTINCT Key, Type FROM ${this.db}.${ident(TABLES.attributeTypes)}`)
      .then((rows) => {
        this.types.add(rows.map((r) => [r.Key, r.Type] as const));
        this.typesLoadedAt = Date.now();
      })
      .finally(() => (this.typesLoading = null));
    return this.typesLoading;
  }

  // ---- reads

  async getTrace(traceId: string, maxSpans?: number): Promise<Span[]> {
    return (await this.getTraces([traceId], maxSpans)).get(traceId) ?? [];
  }

  /**
   * Through the exporter's lookup table, as its documented trace-by-id query does: the trace's time range
   * narrows the read to a few partitions and granules of otel_traces.
   */
  async getTraces(traceIds: readonly string[], maxSpansEach?: number): Promise<Map<string, Span[]>> {
    const out = new Map<string, Span[]>();
    if (traceIds.length === 0) return out;
    const ids = [...new Set(traceIds)];
    await this.freshTypes();
    const [range] = await this.rows<{ start: string | null; end: string | null }>(
      `SELECT toString(min(Start)) AS start, toString(max(End) + 1) AS end FROM ${this.db}.${ident(TABLES.traceIdTs)} WHERE TraceId IN {ids:Array(String)}
       HAVING count() > 0`,
      { ids },
    );
    // Without a lookup row (a table filled before the view existed) the TraceId skip index still finds the spans.
    const window = range ? `AND Timestamp >= toDateTime({start:String}, 'UTC') AND Timestamp <= toDateTime({end:String}, 'UTC')` : '';
    // The exporter's plain MergeTree keeps every row it is sent, so a re-sent span is a second row: reads keep one
    // row per (span id, kind, start), the identity the conformance suite defines.
    const rows = await this.rows<SpanSelectRow>(
      `SELECT ${SPAN_COLUMNS} FROM ${this.db}.${ident(TABLES.traces)} WHERE TraceId IN {ids:Array(String)} ${window}
       ORDER BY TraceId, Timestamp, SpanId
       LIMIT 1 BY TraceId, SpanId, SpanKind, Timestamp`,
      { ids, ...(range ? { start: range.start, end: range.end } : {}) },
    );
    for (const r of rows) {
      const s = spanFromRow(r, this.readValue);
      let list = out.get(s.traceId);
      if (!list) out.set(s.traceId, (list = []));
      // Rows come earliest first, so the cap keeps the earliest spans, as --max-trace-spans promises.
      if (maxSpansEach === undefined || list.length < maxSpansEach) list.push(s);
    }
    return out;
  }

  /**
   * Whether the exporter's trace-id lookup table has every trace of otel_traces (its view has run since the first
   * span: its first second is not after the spans' first), which the most recent search relies on; checked once a
   * minute.
   */
  private async lookupCoversSpans(): Promise<boolean> {
    if (Date.now() - this.lookupCheckedAt < 60_000) return this.lookupCovers;
    const [r] = await this.rows<{ ok: number }>(
      `SELECT (SELECT min(Start) FROM ${this.db}.${ident(TABLES.traceIdTs)}) <= (SELECT min(toDateTime(Timestamp)) FROM ${this.db}.${ident(TABLES.traces)}) AS ok`,
    );
    this.lookupCovers = Number(r?.ok ?? 0) === 1;
    this.lookupCheckedAt = Date.now();
    return this.lookupCovers;
  }

  async searchTraces(q: TraceQuery): Promise<SearchResult> {
    checkSearchLimits(q);
    const sort = q.sort ?? 'recent';
    const cursor = q.cursor ? decodeCursor(q.cursor, sort) : null;
    // Few matching traces (a selective filter): summarise just those. Many: for the most recent page, only those
    // the lookup table places on it; otherwise every one.
    const few = matchingTracesSql(this.db, q, this.fewTraces + 1);
    const some = (await this.rows<{ TraceId: string }>(few.sql, few.params)).map((r) => r.TraceId);
    let candidates: Candidates | null = some.length <= this.fewTraces ? { ids: some } : null;
    const recent = candidates === null && (await this.lookupCoversSpans()) ? recentCandidatesSql(this.db, q, cursor) : null;
    if (recent) {
      const found = await this.rows<{ TraceId: string; StartSec: string; EndSec: string }>(recent.sql, recent.params);
      const fromSec = found.reduce((m, r) => (BigInt(r.StartSec) < m ? BigInt(r.StartSec) : m), BigInt(found[0]?.StartSec ?? 0));
      const toSec = found.reduce((m, r) => (BigInt(r.EndSec) > m ? BigInt(r.EndSec) : m), 0n);
      candidates = { ids: found.map((r) => r.TraceId), range: { fromSec, toSec } };
    }
    const { sql, params } = buildSearchSql(this.db, q, cursor, candidates);
    const rows = await this.rows<SearchRow>(sql, params);
    const page = rows.slice(0, q.limit);
    const traces: TraceSummary[] = page.map((r) => ({
      traceId: r.TraceId,
      startUnixNano: BigInt(r.TStart),
      durationNano: BigInt(r.TEnd) - BigInt(r.TStart),
      spanCount: Number(r.SpanCount),
      errorCount: Number(r.ErrorCount),
      rootService: r.RootService,
      rootName: r.RootName,
      orphanCount: 0,
      services: [],
    }));
    if (traces.length > 0) {
      const byId = new Map(traces.map((t) => [t.traceId, t]));
      const ids = traces.map((t) => t.traceId);
      const [svcRows, orphanRows] = await Promise.all([
        this.rows<{ TraceId: string; ServiceName: string; n: string; e: string }>(
          `SELECT TraceId, ServiceName, uniqExact(SpanId, SpanKind, Timestamp) AS n, uniqExactIf((SpanId, SpanKind, Timestamp), ${IS_ERROR}) AS e FROM ${this.db}.${ident(TABLES.traces)}
           WHERE TraceId IN {ids:Array(String)} GROUP BY TraceId, ServiceName ORDER BY TraceId, n DESC, ServiceName`,
          { ids },
        ),
        this.rows<{ TraceId: string; n: string }>(
          `SELECT TraceId, uniqExact(SpanId, SpanKind, Timestamp) AS n FROM ${this.db}.${ident(TABLES.traces)}
           WHERE TraceId IN {ids:Array(String)} AND ParentSpanId != ''
             AND (TraceId, ParentSpanId) NOT IN (SELECT TraceId, SpanId FROM ${this.db}.${ident(TABLES.traces)} WHERE TraceId IN {ids:Array(String)})
           GROUP BY TraceId`,
          { ids },
        ),
      ]);
      for (const r of svcRows) byId.get(r.TraceId)?.services.push({ name: r.ServiceName, spanCount: Number(r.n), errorCount: Number(r.e) });
      for (const r of orphanRows) {
        const t = byId.get(r.TraceId);
        if (t) t.orphanCount = Number(r.n);
      }
    }
    const nextCursor = nextPageCursor(sort, traces, rows.length > q.limit);
    return { traces, nextCursor };
  }

  async getLogs(traceId: string): Promise<LogRecord[]> {
    const rows = await this.rows<LogSelectRow>(
      `SELECT ${LOG_COLUMNS} FROM ${this.db}.${ident(TABLES.logs)} WHERE TraceId = {id:String} ORDER BY Timestamp`,
      { id: traceId },
    );
    return rows.map(logFromRow);
  }

  // Log search and incoming links (log-search.ts).
  async searchLogs(q: LogQuery): Promise<LogSearchResult> {
    checkLogQuery(q);
    const rows = await searchLogRows((sql, params) => this.rows(sql, params), this.db, q);
    return logPage(rows.map(logFromRow), q);
  }

  linksTo(traceId: string, limit: number, window: { startNano: bigint; endNano: bigint }): Promise<IncomingLink[]> {
    return incomingLinks((sql, params) => this.rows(sql, params), this.db, traceId, limit, window);
  }

  async services(): Promise<string[]> {
    const rows = await this.rows<{ s: string }>(`SELECT DISTINCT ServiceName AS s FROM ${this.db}.${ident(TABLES.traces)} ORDER BY s`);
    return rows.map((r) => r.s);
  }

  async operations(service?: string): Promise<(OperationInfo & { service: string })[]> {
    const where = service === undefined ? '' : 'WHERE ServiceName = {service:String}';
    const rows = await this.rows<{ ServiceName: string; SpanName: string; SpanKind: string }>(
      `SELECT DISTINCT ServiceName, SpanName, SpanKind FROM ${this.db}.${ident(TABLES.traces)} ${where}`,
      service === undefined ? {} : { service },
    );
    // Both enum spellings map to one kind: dedupe after mapping, then order as the contract does.
    const seen = new Map<string, OperationInfo & { service: string }>();
    for (const r of rows) {
      const spanKind: SpanKind = kindFromText(r.SpanKind);
      seen.set(`${r.ServiceName}\u0000${r.SpanName}\u0000${spanKind}`, { service: r.ServiceName, name: r.SpanName, spanKind });
    }
    return [...seen.values()].sort(
      (a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.spanKind - b.spanKind,
    );
  }

  async attributeKeys(): Promise<string[]> {
    this.needs(TABLES.attributeKeys, 'attribute autocomplete');
    const rows = await this.rows<{ Key: string }>(`SELECT DISTINCT Key FROM ${this.db}.${ident(TABLES.attributeKeys)} ORDER BY Key LIMIT 10000`);
    return rows.map((r) => r.Key);
  }

  async attributeValues(key: string): Promise<string[]> {
    this.needs(TABLES.attributeKeys, 'attribute autocomplete');
    const rows = await this.rows<{ v: string[] }>(
      `SELECT arraySort(groupUniqArrayMerge(200)(Values)) AS v FROM ${this.db}.${ident(TABLES.attributeKeys)} WHERE Key = {key:String}`,
      { key },
    );
    return (rows[0]?.v ?? []).filter((v) => v !== '');
  }

  async dependencies(startNano: bigint, endNano: bigint): Promise<DependencyGraph> {
    const linked = this.missing.has(TABLES.dependencies) ? null : await this.linkedMinutes();
    return dependencyGraph((sql, params) => this.rows(sql, params), this.db, startNano, endNano, linked);
  }

  /** The minutes sextant_dependencies_1m holds, [from, to) in ns; null when none. */
  private async linkedMinutes(): Promise<[bigint, bigint] | null> {
    const [r] = await this.rows<{ lo: string; hi: string; n: string }>(
      `SELECT toString(toUnixTimestamp(min(Minute))) AS lo, toString(toUnixTimestamp(max(Minute))) AS hi, toString(count()) AS n
       FROM ${this.db}.${ident(TABLES.dependencies)}`,
    );
    if (!r || r.n === '0') return null;
    return [BigInt(r.lo) * 1_000_000_000n, BigInt(r.hi) * 1_000_000_000n + MINUTE];
  }

  /**
   * Links the minutes that have settled since the last pass (dependencies.ts); returns how many. Runs in the
   * background on query nodes; tests call it directly.
   */
  linkPending(nowNano: bigint = BigInt(Date.now()) * 1_000_000n): Promise<number> {
    if (this.linking) return this.linking;
    this.linking = this.linkMinutes(nowNano)
      .catch((err: Error) => {
        // A ClickHouse that is down is tried again next time; say each new reason once.
        if (err.message !== this.lastLinkError) process.stderr.write(`sextant: linking dependencies: ${err.message}\n`);
        this.lastLinkError = err.message;
        return 0;
      })
      .finally(() => {
        this.linking = null;
      });
    return this.linking;
  }

  private async linkMinutes(nowNano: bigint): Promise<number> {
    const until = ((nowNano - SETTLE) / MINUTE) * MINUTE;
    let next = (await this.linkedMinutes())?.[1] ?? null;
    if (next === null) {
      const [first] = await this.rows<{ t: string; n: string }>(
        `SELECT toString(toUnixTimestamp64Nano(min(Timestamp))) AS t, toString(count()) AS n FROM ${this.db}.${ident(TABLES.traces)}
         WHERE Timestamp >= fromUnixTimestamp64Nano({from:Int64})`,
        { from: (until - LINK_BACKFILL).toString() },
      );
      if (!first || first.n === '0') return 0;
      next = (BigInt(first.t) / MINUTE) * MINUTE;
    }
    let done = 0;
    const insert = (query: string, body: string, token: string) => insertRows(this.client, query, body, this.retry, token);
    for (let m = next; m < until && done < LINK_BATCH; m += MINUTE, done++) {
      await linkMinute((sql, params) => this.rows(sql, params), insert, this.db, m, !this.missing.has(TABLES.red));
    }
    return done;
  }

  async red(q: RedQuery): Promise<RedResult> {
    // Minutes the pass has not done (or could not store: no rights for the table) are read from the spans.
    const linked = this.missing.has(TABLES.dependencies) || this.missing.has(TABLES.red) ? null : await this.linkedMinutes();
    return redMetrics((sql, params) => this.rows(sql, params), this.db, q, linked);
  }

  countSpans(q: SpanCountQuery): Promise<SpanCountRow[]> {
    return countSpans((sql, params) => this.rows(sql, params), this.db, q);
  }

  costReport(startNano: bigint, endNano: bigint): Promise<CostReport> {
    return costReport((sql, params) => this.rows(sql, params), this.db, startNano, endNano);
  }

  async stats(): Promise<StoreStats> {
    const [r] = await this.rows<{ spans: string; traces: string; logs: string }>(
      `SELECT (SELECT uniq(TraceId, SpanId, SpanKind, Timestamp) FROM ${this.db}.${ident(TABLES.traces)}) AS spans,
         (SELECT uniqExact(TraceId) FROM ${this.db}.${ident(TABLES.traces)}) AS traces,
         (SELECT count() FROM ${this.db}.${ident(TABLES.logs)}) AS logs`,
    );
    return { spans: Number(r!.spans), traces: Number(r!.traces), logs: Number(r!.logs), bytes: await databaseBytes((sql, params) => this.rows(sql, params), this.target.database) };
  }

  /**
   * Age retention is the tables' TTL (from --retention when Sextant created them), applied by ClickHouse as it
   * merges, so maxAgeNano deletes nothing here. maxBytes drops whole days, oldest first (retention.ts).
   */
  async enforceRetention(_maxAgeNano: bigint | null, maxBytes: number | null): Promise<{ deletedSpans: number }> {
    if (maxBytes === null) return { deletedSpans: 0 };
    const run = async () => ({
      deletedSpans: await dropOldestDays((sql, params) => this.rows(sql, params), (query) => this.client.command({ query }).then(() => undefined), this.target.database, this.cluster, maxBytes),
    });
    const result = this.retention.then(run, run);
    this.retention = result.catch(() => undefined);
    return result;
  }

  /** Finishes accepted inserts, then closes the connection. */
  async close(): Promise<void> {
    if (this.linkTimer) clearInterval(this.linkTimer);
    this.stopRetention();
    await Promise.all([this.linking, this.retention]);
    await this.client.close();
  }
}
