/**
 * Appender rows, column by column in the order of schema.ts: spans, logs and the side tables. Appending skips SQL
 * parsing and binds nothing per row, which is what makes DuckDB ingest fast.
 */
import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
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

/** One column of a batch: fixed-width values as raw bytes (`width` bytes a row), or text (null: SQL NULL). */
type Column = { bytes: Uint8Array; width: number } | { text: readonly (string | null)[] };

function fixed(a: ArrayBufferView, n: number): Column {
  return { bytes: new Uint8Array(a.buffer, a.byteOffset, a.byteLength), width: a.byteLength / n };
}

/** The columns of the spans table, in its order (schema.ts). */
function spanColumns(rows: SpanRows, resourceIds: readonly bigint[], scopeIds: readonly bigint[], seq: bigint): Column[] {
  const n = rows.n;
  const resources = new BigUint64Array(n);
  const scopes = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    resources[i] = resourceIds[rows.resourceRefs[i]!]!;
    scopes[i] = scopeIds[rows.scopeRefs[i]!]!;
  }
  return [
    fixed(rows.traceIds, n),
    fixed(rows.spanIds, n),
    fixed(rows.parentIds, n),
    fixed(rows.starts, n),
    fixed(rows.durations, n),
    { text: rows.services },
    { text: rows.names },
    fixed(rows.kinds, n),
    fixed(rows.statusCodes, n),
    // BOOLEAN is one byte, 0 or 1.
    fixed(rows.errors, n),
    { text: rows.statusMessages },
    { text: rows.traceStates },
    fixed(rows.flags, n),
    fixed(resources, n),
    fixed(scopes, n),
    { text: rows.attributes },
    { text: rows.events },
    { text: rows.links },
    { text: rows.dropped },
    { text: rows.remoteServices },
    { text: rows.peerServices },
    fixed(new BigUint64Array(n).fill(seq), n),
  ];
}

/** The columns with only the rows not marked in `skip`. */
function keptRows(columns: readonly Column[], skip: Uint8Array): { columns: Column[]; n: number } {
  const kept: number[] = [];
  for (let i = 0; i < skip.length; i++) if (skip[i] !== 1) kept.push(i);
  const out = columns.map((c): Column => {
    if ('text' in c) return { text: kept.map((i) => c.text[i]!) };
    const bytes = new Uint8Array(kept.length * c.width);
    kept.forEach((i, j) => bytes.set(c.bytes.subarray(i * c.width, (i + 1) * c.width), j * c.width));
    return { bytes, width: c.width };
  });
  return { columns: out, n: kept.length };
}

/**
 * Appends columns a vector at a time: fixed-width columns are copied into each vector in one call, strings are
 * assigned one by one (DuckDB copies them into the vector) and NULLs written as a validity mask. The appender's
 * per-value calls cost a native call per row and column, which made appending the slowest step of ingest.
 */
function appendColumns(app: DuckDBAppender, columns: readonly Column[], n: number): void {
  if (n === 0) return;
  const chunk = DuckDBDataChunk.create(columns.map((_, i) => app.columnType(i)));
  const size = duckdb.vector_size();
  const validity = new Uint8Array(Math.ceil(size / 64) * 8);
  for (let from = 0; from < n; from += size) {
    const count = Math.min(size, n - from);
    chunk.reset();
    chunk.rowCount = count;
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]!;
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, c);
      if ('bytes' in col) {
        duckdb.copy_data_to_vector(vector, 0, col.bytes.buffer as ArrayBuffer, col.bytes.byteOffset + from * col.width, count * col.width);
        continue;
      }
      let nulls = false;
      for (let i = 0; i < count; i++) {
        const v = col.text[from + i]!;
        if (v !== null) {
          duckdb.vector_assign_string_element(vector, i, v);
          continue;
        }
        if (!nulls) validity.fill(0xff);
        nulls = true;
        validity[i >> 3]! &= ~(1 << (i & 7));
      }
      if (nulls) {
        duckdb.vector_ensure_validity_writable(vector);
        duckdb.copy_data_to_vector_validity(vector, 0, validity.buffer, 0, validity.byteLength);
      }
    }
    app.appendDataChunk(chunk);
  }
}

/**
 * One batch's spans; `resourceIds`/`scopeIds` give the stored id of each of the batch's resources and scopes, `seq`
 * is the number of the ingest batch (the transaction) they belong to; rows marked in `skip` (copies of stored
 * spans, dedup.ts) are left out. Returns how many rows were appended.
 */
export function appendSpans(app: DuckDBAppender, rows: SpanRows, resourceIds: readonly bigint[], scopeIds: readonly bigint[], seq: bigint, skip: Uint8Array | null = null): number {
  const all = spanColumns(rows, resourceIds, scopeIds, seq);
  const { columns, n } = skip === null ? { columns: all, n: rows.n } : keptRows(all, skip);
  appendColumns(app, columns, n);
  return n;
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
