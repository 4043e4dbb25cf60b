/**
 * Appender rows, column by column in the order of schema.ts: spans, logs and the side tables. Appending skips SQL
 * parsing and binds nothing per row, which is what makes DuckDB ingest fast.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { serviceName, type LogRecord } from '@sextant/core';
import { attrsToJson, attrValueToStored } from '../stored/attr-json.js';
import { hexToBig } from '../stored/ids.js';
import type { NewRow } from './side-rows.js';
import type { ResourceRow, ScopeRow, SpanRows } from './span-rows.js';

/** Appends items to a table through one appender, within the connection's open transaction. */
export async function appendAll<T>(writer: DuckDBConnection, table: string, items: readonly T[], append: (app: DuckDBAppender, item: T) => void): Promise<void> {
  if (items.length === 0) return;
  const app = await writer.createAppender(table);
  for (const item of items) append(app, item);
  app.flushSync();
  app.closeSync();
}

function varcharOrNull(app: DuckDBAppender, v: string | null): void {
  if (v === null) app.appendNull();
  else app.appendVarchar(v);
}

/** Parses each distinct trace id once: the spans of a trace usually arrive together. */
export class TraceIdCache {
  private lastHex = '';
  private lastBig = 0n;

  get(hex: string): bigint {
    if (hex !== this.lastHex) {
      this.lastHex = hex;
      this.lastBig = hexToBig(hex);
    }
    return this.lastBig;
  }
}

/**
 * One batch's spans; `resourceIds`/`scopeIds` give the stored id of each of the batch's resources and scopes, `seq`
 * is the number of the ingest batch (the transaction) they belong to; rows marked in `skip` (copies of stored
 * spans, dedup.ts) are left out. Returns how many rows were appended.
 */
export function appendSpans(app: DuckDBAppender, rows: SpanRows, resourceIds: bigint[], scopeIds: bigint[], traceIds: TraceIdCache, seq: bigint, skip: Uint8Array | null = null): number {
  let appended = 0;
  for (let i = 0; i < rows.n; i++) {
    if (skip?.[i] === 1) continue;
    appended++;
    app.appendUHugeInt(traceIds.get(rows.traceIds[i]!));
    app.appendUBigInt(rows.spanIds[i]!);
    app.appendUBigInt(rows.parentIds[i]!);
    app.appendBigInt(rows.starts[i]!);
    app.appendBigInt(rows.durations[i]!);
    app.appendVarchar(rows.services[i]!);
    app.appendVarchar(rows.names[i]!);
    app.appendUTinyInt(rows.kinds[i]!);
    app.appendUTinyInt(rows.statusCodes[i]!);
    app.appendBoolean(rows.errors[i] === 1);
    varcharOrNull(app, rows.statusMessages[i]!);
    varcharOrNull(app, rows.traceStates[i]!);
    app.appendUInteger(rows.flags[i]!);
    app.appendUBigInt(resourceIds[rows.resourceRefs[i]!]!);
    app.appendUBigInt(scopeIds[rows.scopeRefs[i]!]!);
    app.appendVarchar(rows.attributes[i]!);
    varcharOrNull(app, rows.events[i]!);
    varcharOrNull(app, rows.links[i]!);
    varcharOrNull(app, rows.dropped[i]!);
    varcharOrNull(app, rows.remoteServices[i]!);
    varcharOrNull(app, rows.peerServices[i]!);
    app.appendUBigInt(seq);
    app.endRow();
  }
  return appended;
}

export function appendLog(app: DuckDBAppender, l: LogRecord, resourceId: bigint, scopeId: bigint): void {
  app.appendBigInt(l.timeUnixNano);
  app.appendBigInt(l.observedTimeUnixNano);
  if (l.traceId) app.appendUHugeInt(hexToBig(l.traceId));
  else app.appendNull();
  if (l.spanId) app.appendUBigInt(hexToBig(l.spanId));
  else app.appendNull();
  app.appendVarchar(serviceName(l));
  app.appendUTinyInt(l.severityNumber);
  varcharOrNull(app, l.severityText || null);
  app.appendVarchar(attrValueToStored(l.body));
  app.appendVarchar(attrsToJson(l.attributes));
  app.appendUInteger(l.droppedAttributesCount);
  app.appendUInteger(l.flags >>> 0);
  varcharOrNull(app, l.eventName || null);
  app.appendUBigInt(resourceId);
  app.appendUBigInt(scopeId);
  app.endRow();
}

export function appendResource(app: DuckDBAppender, { id, row: r }: NewRow<ResourceRow>): void {
  app.appendUBigInt(id);
  app.appendUBigInt(r.hash);
  app.appendVarchar(r.service);
  app.appendVarchar(r.attributes);
  app.appendUInteger(r.dropped);
  app.appendVarchar(r.schemaUrl);
  app.endRow();
}

export function appendScope(app: DuckDBAppender, { id, row: sc }: NewRow<ScopeRow>): void {
  app.appendUBigInt(id);
  app.appendUBigInt(sc.hash);
  app.appendVarchar(sc.name);
  app.appendVarchar(sc.version);
  app.appendVarchar(sc.attributes);
  app.appendUInteger(sc.dropped);
  app.appendVarchar(sc.schemaUrl);
  app.endRow();
}

export function appendAttrValue(app: DuckDBAppender, [key, value]: readonly [string, string]): void {
  app.appendVarchar(key);
  app.appendVarchar(value);
  app.endRow();
}
