/**
 * The embedded store: one DuckDB file (or memory). Writes go through a single writer connection with appenders
 * inside one explicit transaction per batch (so a batch is all-or-nothing and durable on COMMIT); reads use a
 * separate connection and see only committed batches (MVCC).
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { splitParams, traceIdListParam, traceIdParam, ubigintListParam, type Param } from './params.js';
import { emptyResource, emptyScope, serviceName, type SpanKind, type StatusCode, type LogRecord, type Resource, type Scope, type Span } from '@sextant/core';
import { attrsFromJson, attrsToJson, attrValueFromStored, attrValueToStored } from './attr-json.js';
import { DDL, SCHEMA_VERSION } from './schema.js';
import { hexToBig, spanIdHex, traceIdHex } from './ids.js';
import { droppedFromText, eventsFromJson, linksFromJson, resourceFromRow, scopeFromRow } from './row-codec.js';
import { AttributeIndex } from './attribute-index.js';
import { SpanRowEncoder, type ResourceRow, type ScopeRow, type SpanRows } from './span-rows.js';
import { buildSearchSql, decodeCursor, encodeCursor } from './search-sql.js';
import { dependencyGraph, redMetrics } from './aggregates.js';
import { countSpans } from './span-counts-sql.js';
import type {
  DependencyGraph,
  OperationInfo,
  RedQuery,
  SpanCountQuery,
  SpanCountRow,
  RedResult,
  SearchResult,
  SpanStore,
  StoreStats,
  TraceQuery,
  TraceSummary,
} from './store.js';


export interface DuckDBStoreOptions {
  /** Directory holding `sextant.duckdb`; null for an in-memory store. */
  dataDir: string | null;
  /** DuckDB memory limit, e.g. '2GB' (defaults to DuckDB's own). */
  memoryLimit?: string;
  threads?: number;
}

const SPAN_SELECT = `trace_id, span_id, parent_span_id, start_ns, duration_ns, name, kind, status_code, status_message,
  trace_state, flags, resource_id, scope_id, attributes, events, links, dropped`;

type Row = DuckDBValue[];

/** Appends items to a table through one appender, within the connection's open transaction. */
async function appendAll<T>(writer: DuckDBConnection, table: string, items: readonly T[], append: (app: DuckDBAppender, item: T) => void): Promise<void> {
  if (items.length === 0) return;
  const app = await writer.createAppender(table);
  for (const item of items) append(app, item);
  app.flushSync();
  app.closeSync();
}

/** A resource or scope first seen in the current batch. */
interface NewRow<T> {
  id: bigint;
  row: T;
}

export class DuckDBStore implements SpanStore {
  /** Encodes spans for in-process writes; ingest through the worker encodes on the receiving thread. */
  private readonly encoder = new SpanRowEncoder();
  private readonly knownResources = new Map<bigint, Resource>();
  private readonly knownScopes = new Map<bigint, Scope>();
  private readonly resourceByHash = new Map<bigint, bigint>();
  private readonly scopeByHash = new Map<bigint, bigint>();
  private nextResourceId = 1n;
  private nextScopeId = 1n;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    /**
     * Two writer connections let one batch append while the previous one commits (the commit waits on the disk),
     * which keeps ingest from being bound by commit latency. DuckDB takes appends from both at once.
     */
    private readonly writers: DuckDBConnection[],
    private readonly reader: DuckDBConnection,
    /** Retention deletes and checkpoints: never the writer's connection, whose transaction may be open. */
    private readonly maintenance: DuckDBConnection,
    private readonly attrIndex: AttributeIndex,
    readonly path: string | null,
  ) {}

  static async open(opts: DuckDBStoreOptions): Promise<DuckDBStore> {
    let path = ':memory:';
    if (opts.dataDir !== null) {
      mkdirSync(opts.dataDir, { recursive: true });
      path = join(opts.dataDir, 'sextant.duckdb');
    }
    // Checkpoints (which compress) would otherwise run inside the commit that crosses the default 16 MB WAL
    // threshold, stalling ingest for seconds; a maintenance connection checkpoints in the background instead.
    const config: Record<string, string> = { storage_compatibility_version: 'latest', checkpoint_threshold: '1GB' };
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    if (opts.threads) config.threads = String(opts.threads);
    const instance = await DuckDBInstance.create(path, config);
    const writer = await instance.connect();
    for (const ddl of DDL) await writer.run(ddl);
    await writer.run(`INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT DO NOTHING`);
    const writers = [writer, await instance.connect()];
    const reader = await instance.connect();
    const maintenance = await instance.connect();
    const attrIndex = new AttributeIndex();
    const store = new DuckDBStore(instance, writers, reader, maintenance, attrIndex, opts.dataDir === null ? null : path);
    await store.loadCaches();
    return store;
  }

  private async loadCaches(): Promise<void> {
    for (const r of await this.rows(`SELECT id, key_hash, attributes, dropped, schema_url FROM resources`)) {
      const id = r[0] as bigint;
      this.knownResources.set(id, resourceFromRow(r[2] as string, r[3] as number, r[4] as string));
      this.resourceByHash.set(r[1] as bigint, id);
      if (id >= this.nextResourceId) this.nextResourceId = id + 1n;
    }
    for (const r of await this.rows(`SELECT id, key_hash, name, version, attributes, dropped, schema_url FROM scopes`)) {
      const id = r[0] as bigint;
      this.knownScopes.set(id, scopeFromRow(r[2] as string, r[3] as string, r[4] as string, r[5] as number, r[6] as string));
      this.scopeByHash.set(r[1] as bigint, id);
      if (id >= this.nextScopeId) this.nextScopeId = id + 1n;
    }
    for (const r of await this.rows(`SELECT key, value FROM attr_values`)) this.attrIndex.load(r[0] as string, r[1] as string);
  }

  private async rows(sql: string, params: readonly Param[] = []): Promise<Row[]> {
    const { values, types } = splitParams(params);
    const reader = await this.reader.runAndReadAll(sql, values, types);
    return reader.getRows();
  }

  // ---------------------------------------------------------------- writing

  async write(spans: readonly Span[], logs: readonly LogRecord[]): Promise<void> {
    await this.writeRows(spans.length > 0 ? [this.encoder.encode(spans)] : [], logs);
  }

  /** Appends encoded span batches (and log records) as one transaction; durable when it resolves. */
  async writeRows(batches: readonly SpanRows[], logs: readonly LogRecord[]): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    if (batches.every((b) => b.n === 0) && logs.length === 0) return;
    const writer = await this.takeWriter();
    try {
      await this.writeWith(writer, batches, logs);
    } finally {
      this.returnWriter(writer);
    }
  }

  private readonly writerWaiters: ((c: DuckDBConnection) => void)[] = [];

  private takeWriter(): Promise<DuckDBConnection> {
    const free = this.writers.pop();
    return free ? Promise.resolve(free) : new Promise((resolve) => this.writerWaiters.push(resolve));
  }

  private returnWriter(c: DuckDBConnection): void {
    const next = this.writerWaiters.shift();
    if (next) next(c);
    else this.writers.push(c);
  }

  /** One batch, all-or-nothing: durable when COMMIT returns. */
  private async writeWith(writer: DuckDBConnection, batches: readonly SpanRows[], logs: readonly LogRecord[]): Promise<void> {
    await writer.run('BEGIN TRANSACTION');
    const newResources: NewRow<ResourceRow>[] = [];
    const newScopes: NewRow<ScopeRow>[] = [];
    try {
      await appendAll(writer, 'spans', batches, (app, rows) => {
        this.appendRows(app, rows, newResources, newScopes);
        for (const [k, v] of rows.attrPairs) this.attrIndex.addText(k, v);
      });
      await appendAll(writer, 'logs', logs, (app, l) => this.appendLog(app, l, newResources, newScopes));
      // Side rows last: appending spans and logs is what discovers new resources, scopes and attribute values.
      await appendAll(writer, 'resources', newResources, (app, { id, row: r }) => {
        app.appendUBigInt(id);
        app.appendUBigInt(r.hash);
        app.appendVarchar(r.service);
        app.appendVarchar(r.attributes);
        app.appendUInteger(r.dropped);
        app.appendVarchar(r.schemaUrl);
        app.endRow();
      });
      await appendAll(writer, 'scopes', newScopes, (app, { id, row: sc }) => {
        app.appendUBigInt(id);
        app.appendUBigInt(sc.hash);
        app.appendVarchar(sc.name);
        app.appendVarchar(sc.version);
        app.appendVarchar(sc.attributes);
        app.appendUInteger(sc.dropped);
        app.appendVarchar(sc.schemaUrl);
        app.endRow();
      });
      await appendAll(writer, 'attr_values', this.attrIndex.pendingPairs(), (app, [k, v]) => {
        app.appendVarchar(k);
        app.appendVarchar(v);
        app.endRow();
      });
      await writer.run('COMMIT');
      this.attrIndex.commit();
    } catch (err) {
      // Nothing of a failed batch may stay visible in the caches either, or a retry would skip its side rows.
      for (const { row } of newResources) this.resourceByHash.delete(row.hash);
      for (const { row } of newScopes) this.scopeByHash.delete(row.hash);
      this.attrIndex.rollback();
      await writer.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private resourceId(row: ResourceRow, fresh: NewRow<ResourceRow>[]): bigint {
    let id = this.resourceByHash.get(row.hash);
    if (id === undefined) {
      id = this.nextResourceId++;
      this.resourceByHash.set(row.hash, id);
      fresh.push({ id, row });
    }
    return id;
  }

  private scopeId(row: ScopeRow, fresh: NewRow<ScopeRow>[]): bigint {
    let id = this.scopeByHash.get(row.hash);
    if (id === undefined) {
      id = this.nextScopeId++;
      this.scopeByHash.set(row.hash, id);
      fresh.push({ id, row });
    }
    return id;
  }

  // The spans of a trace usually arrive together: reuse the last trace id's integer instead of parsing it again.
  private lastTraceHex = '';
  private lastTraceBig = 0n;

  private appendRows(app: DuckDBAppender, rows: SpanRows, newR: NewRow<ResourceRow>[], newS: NewRow<ScopeRow>[]): void {
    const resourceIds = rows.resources.map((r) => this.resourceId(r, newR));
    const scopeIds = rows.scopes.map((r) => this.scopeId(r, newS));
    const varcharOrNull = (v: string | null) => (v === null ? app.appendNull() : app.appendVarchar(v));
    for (let i = 0; i < rows.n; i++) {
      const traceId = rows.traceIds[i]!;
      if (traceId !== this.lastTraceHex) {
        this.lastTraceHex = traceId;
        this.lastTraceBig = hexToBig(traceId);
      }
      app.appendUHugeInt(this.lastTraceBig);
      app.appendUBigInt(rows.spanIds[i]!);
      app.appendUBigInt(rows.parentIds[i]!);
      app.appendBigInt(rows.starts[i]!);
      app.appendBigInt(rows.durations[i]!);
      app.appendVarchar(rows.services[i]!);
      app.appendVarchar(rows.names[i]!);
      app.appendUTinyInt(rows.kinds[i]!);
      app.appendUTinyInt(rows.statusCodes[i]!);
      app.appendBoolean(rows.errors[i] === 1);
      varcharOrNull(rows.statusMessages[i]!);
      varcharOrNull(rows.traceStates[i]!);
      app.appendUInteger(rows.flags[i]!);
      app.appendUBigInt(resourceIds[rows.resourceRefs[i]!]!);
      app.appendUBigInt(scopeIds[rows.scopeRefs[i]!]!);
      app.appendVarchar(rows.attributes[i]!);
      varcharOrNull(rows.events[i]!);
      varcharOrNull(rows.links[i]!);
      varcharOrNull(rows.dropped[i]!);
      varcharOrNull(rows.remoteServices[i]!);
      varcharOrNull(rows.peerServices[i]!);
      app.endRow();
    }
  }

  private appendLog(app: DuckDBAppender, l: LogRecord, newR: NewRow<ResourceRow>[], newS: NewRow<ScopeRow>[]): void {
    app.appendBigInt(l.timeUnixNano);
    app.appendBigInt(l.observedTimeUnixNano);
    if (l.traceId) app.appendUHugeInt(hexToBig(l.traceId));
    else app.appendNull();
    if (l.spanId) app.appendUBigInt(hexToBig(l.spanId));
    else app.appendNull();
    app.appendVarchar(serviceName(l));
    app.appendUTinyInt(l.severityNumber);
    if (l.severityText) app.appendVarchar(l.severityText);
    else app.appendNull();
    app.appendVarchar(attrValueToStored(l.body));
    app.appendVarchar(attrsToJson(l.attributes));
    app.appendUInteger(l.droppedAttributesCount);
    app.appendUInteger(l.flags >>> 0);
    if (l.eventName) app.appendVarchar(l.eventName);
    else app.appendNull();
    app.appendUBigInt(this.resourceId(this.encoder.resourceFacts(l.resource).row, newR));
    app.appendUBigInt(this.scopeId(this.encoder.scopeRow(l.scope), newS));
    app.endRow();
  }

  // ---------------------------------------------------------------- reading

  private async resolveSideRows(resourceIds: Set<bigint>, scopeIds: Set<bigint>): Promise<void> {
    const missingR = [...resourceIds].filter((id) => !this.knownResources.has(id));
    if (missingR.length > 0) {
      const rows = await this.rows(
        `SELECT id, attributes, dropped, schema_url FROM resources WHERE list_contains(?, id)`,
        [ubigintListParam(missingR)],
      );
      for (const r of rows) this.knownResources.set(r[0] as bigint, resourceFromRow(r[1] as string, r[2] as number, r[3] as string));
    }
    const missingS = [...scopeIds].filter((id) => !this.knownScopes.has(id));
    if (missingS.length > 0) {
      const rows = await this.rows(
        `SELECT id, name, version, attributes, dropped, schema_url FROM scopes WHERE list_contains(?, id)`,
        [ubigintListParam(missingS)],
      );
      for (const r of rows) {
        this.knownScopes.set(r[0] as bigint, scopeFromRow(r[1] as string, r[2] as string, r[3] as string, r[4] as number, r[5] as string));
      }
    }
  }

  private async spansFromRows(rows: Row[]): Promise<Span[]> {
    const rIds = new Set<bigint>();
    const sIds = new Set<bigint>();
    for (const r of rows) {
      rIds.add(r[11] as bigint);
      sIds.add(r[12] as bigint);
    }
    await this.resolveSideRows(rIds, sIds);
    return rows.map((r) => {
      const start = r[3] as bigint;
      const [da, de, dl] = droppedFromText(r[16] as string | null);
      return {
        traceId: traceIdHex(r[0] as bigint),
        spanId: spanIdHex(r[1] as bigint),
        parentSpanId: spanIdHex(r[2] as bigint),
        startTimeUnixNano: start,
        endTimeUnixNano: start + (r[4] as bigint),
        name: r[5] as string,
        kind: r[6] as SpanKind,
        status: { code: r[7] as StatusCode, message: (r[8] as string | null) ?? '' },
        traceState: (r[9] as string | null) ?? '',
        flags: r[10] as number,
        resource: this.knownResources.get(r[11] as bigint) ?? emptyResource(),
        scope: this.knownScopes.get(r[12] as bigint) ?? emptyScope(),
        attributes: attrsFromJson(r[13] as string),
        events: eventsFromJson(r[14] as string | null),
        links: linksFromJson(r[15] as string | null),
        droppedAttributesCount: da,
        droppedEventsCount: de,
        droppedLinksCount: dl,
      };
    });
  }

  async getTrace(traceId: string): Promise<Span[]> {
    const rows = await this.rows(
      `SELECT ${SPAN_SELECT} FROM spans WHERE trace_id = ? ORDER BY start_ns, span_id`,
      [traceIdParam(hexToBig(traceId))],
    );
    return this.spansFromRows(rows);
  }

  async getTraces(traceIds: readonly string[]): Promise<Map<string, Span[]>> {
    const out = new Map<string, Span[]>();
    if (traceIds.length === 0) return out;
    const rows = await this.rows(
      `SELECT ${SPAN_SELECT} FROM spans WHERE list_contains(?, trace_id) ORDER BY trace_id, start_ns, span_id`,
      [traceIdListParam(traceIds.map(hexToBig))],
    );
    for (const s of await this.spansFromRows(rows)) {
      let list = out.get(s.traceId);
      if (!list) out.set(s.traceId, (list = []));
      list.push(s);
    }
    return out;
  }

  async searchTraces(q: TraceQuery): Promise<SearchResult> {
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    const { sql, params } = buildSearchSql(q, cursor);
    const rows = await this.rows(sql, params);
    const page = rows.slice(0, q.limit);
    const traces: TraceSummary[] = page.map((r) => ({
      traceId: traceIdHex(r[0] as bigint),
      startUnixNano: r[1] as bigint,
      durationNano: (r[2] as bigint) - (r[1] as bigint),
      spanCount: Number(r[3]),
      errorCount: Number(r[4]),
      rootService: r[5] as string,
      rootName: r[6] as string,
      orphanCount: 0,
      services: [],
    }));
    if (traces.length > 0) {
      const byId = new Map(traces.map((t) => [t.traceId, t]));
      const svcRows = await this.rows(
        `SELECT trace_id, service, count(*), count(*) FILTER (WHERE is_error) FROM spans
         WHERE list_contains(?, trace_id) GROUP BY ALL ORDER BY 1, 3 DESC, 2`,
        [traceIdListParam(page.map((r) => r[0] as bigint))],
      );
      for (const r of svcRows) {
        byId.get(traceIdHex(r[0] as bigint))?.services.push({ name: r[1] as string, spanCount: Number(r[2]), errorCount: Number(r[3]) });
      }
      const orphanRows = await this.rows(
        `SELECT c.trace_id, count(*) FROM spans c
         WHERE list_contains(?, c.trace_id) AND c.parent_span_id <> 0
           AND NOT EXISTS (SELECT 1 FROM spans p WHERE p.trace_id = c.trace_id AND p.span_id = c.parent_span_id)
         GROUP BY 1`,
        [traceIdListParam(page.map((r) => r[0] as bigint))],
      );
      for (const r of orphanRows) {
        const t = byId.get(traceIdHex(r[0] as bigint));
        if (t) t.orphanCount = Number(r[1]);
      }
    }
    const last = traces[traces.length - 1];
    const nextCursor = rows.length > q.limit && last ? encodeCursor(last.startUnixNano, last.traceId) : null;
    return { traces, nextCursor };
  }

  async getLogs(traceId: string): Promise<LogRecord[]> {
    const rows = await this.rows(
      `SELECT time_ns, observed_ns, span_id, severity_number, severity_text, body, attributes, dropped, flags, event_name,
        resource_id, scope_id FROM logs WHERE trace_id = ? ORDER BY time_ns`,
      [traceIdParam(hexToBig(traceId))],
    );
    await this.resolveSideRows(new Set(rows.map((r) => r[10] as bigint)), new Set(rows.map((r) => r[11] as bigint)));
    return rows.map((r) => ({
      timeUnixNano: r[0] as bigint,
      observedTimeUnixNano: r[1] as bigint,
      traceId,
      spanId: r[2] === null ? '' : spanIdHex(r[2] as bigint),
      severityNumber: r[3] as number,
      severityText: (r[4] as string | null) ?? '',
      body: r[5] === null ? null : attrValueFromStored(r[5] as string),
      attributes: attrsFromJson(r[6] as string),
      droppedAttributesCount: r[7] as number,
      flags: r[8] as number,
      eventName: (r[9] as string | null) ?? '',
      resource: this.knownResources.get(r[10] as bigint) ?? emptyResource(),
      scope: this.knownScopes.get(r[11] as bigint) ?? emptyScope(),
    }));
  }

  async services(): Promise<string[]> {
    const rows = await this.rows(`SELECT DISTINCT service FROM spans ORDER BY 1`);
    return rows.map((r) => r[0] as string);
  }

  async operations(service?: string): Promise<(OperationInfo & { service: string })[]> {
    const rows = service === undefined
      ? await this.rows(`SELECT service, name, kind FROM spans GROUP BY ALL ORDER BY 1, 2, 3`)
      : await this.rows(`SELECT service, name, kind FROM spans WHERE service = ? GROUP BY ALL ORDER BY 2, 3`, [service]);
    return rows.map((r) => ({ service: r[0] as string, name: r[1] as string, spanKind: r[2] as SpanKind }));
  }

  async attributeKeys(): Promise<string[]> {
    return this.attrIndex.keys();
  }

  async attributeValues(key: string): Promise<string[]> {
    return this.attrIndex.values(key);
  }

  async dependencies(startNano: bigint, endNano: bigint): Promise<DependencyGraph> {
    return dependencyGraph((sql, params) => this.rows(sql, params), startNano, endNano);
  }

  async red(q: RedQuery): Promise<RedResult> {
    return redMetrics((sql, params) => this.rows(sql, params), q);
  }

  async countSpans(q: SpanCountQuery): Promise<SpanCountRow[]> {
    return countSpans((sql, params) => this.rows(sql, params), q);
  }

  async stats(): Promise<StoreStats> {
    const [counts] = await this.rows(
      `SELECT (SELECT count(*) FROM spans), (SELECT count(DISTINCT trace_id) FROM spans), (SELECT count(*) FROM logs)`,
    );
    return {
      spans: Number(counts![0]),
      traces: Number(counts![1]),
      logs: Number(counts![2]),
      bytes: await this.sizeBytes(),
    };
  }

  private async sizeBytes(): Promise<number> {
    const [r] = await this.rows(`SELECT used_blocks * block_size FROM pragma_database_size() LIMIT 1`);
    return Number(r?.[0] ?? 0);
  }

  async enforceRetention(maxAgeNano: bigint | null, maxBytes: number | null): Promise<{ deletedSpans: number }> {
    let deleted = 0;
    if (maxAgeNano !== null) {
      const cutoff = BigInt(Date.now()) * 1_000_000n - maxAgeNano;
      deleted += await this.deleteBefore(cutoff);
    }
    if (maxBytes !== null) {
      // Deleted rows only give their blocks back at a checkpoint, so measure after one. DuckDB frees space a
      // whole row group (122,880 rows) at a time, so a round may free nothing until the oldest group is empty;
      // the newest row group is never deleted for size, since deleting from it cannot give space back.
      await this.maintenance.run('CHECKPOINT');
      let bytes = await this.sizeBytes();
      for (let round = 0; round < 5 && bytes > maxBytes; round++) {
        const [groups] = await this.rows(`SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('spans')`);
        if (Number(groups?.[0] ?? 0) <= 1) break;
        const fraction = Math.min(0.5, (bytes - maxBytes) / bytes + 0.05);
        const [row] = await this.rows(`SELECT quantile_disc(start_ns, ${fraction}) FROM spans`);
        const cutoff = row?.[0] as bigint | null;
        if (cutoff === null || cutoff === undefined) break;
        deleted += await this.deleteBefore(cutoff + 1n);
        await this.maintenance.run('CHECKPOINT');
        bytes = await this.sizeBytes();
      }
    }
    return { deletedSpans: deleted };
  }

  private async deleteBefore(cutoffNano: bigint): Promise<number> {
    const res = await this.maintenance.run(`DELETE FROM spans WHERE start_ns < ?`, [cutoffNano]);
    await this.maintenance.run(`DELETE FROM logs WHERE time_ns < ?`, [cutoffNano]);
    return Number(res.rowsChanged);
  }

  /** Size of the write-ahead log not yet checkpointed into the database file. */
  walBytes(): number {
    if (this.path === null) return 0;
    try {
      return statSync(`${this.path}.wal`).size;
    } catch {
      return 0;
    }
  }

  /**
   * Folds the write-ahead log into the compressed database file. Runs beside ingest (DuckDB lets appends go on
   * during a checkpoint) so that no commit pays for compression.
   */
  async checkpoint(): Promise<void> {
    if (this.path !== null && !this.closed) await this.maintenance.run('CHECKPOINT');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.path !== null) await this.maintenance.run('CHECKPOINT').catch(() => undefined);
    for (const w of this.writers) w.closeSync();
    this.reader.closeSync();
    this.maintenance.closeSync();
    this.instance.closeSync();
  }
}

