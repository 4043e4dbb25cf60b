/**
 * Per-minute rollups of the dependency graph and RED, so that both cost the same whatever the window holds.
 *
 * Spans are folded in ingest-batch order (`batch_seq`): a background pass takes the batches committed a few
 * seconds ago (so that the rest of their traces has arrived: a parent span usually comes after its children),
 * runs core's dependency linker (dependencyLinkRows, the one definition of the rule) over their whole traces, and
 * appends per-minute sums and latency sketches (sketch.ts) of the links those spans carry, and of their RED
 * figures, to the rollup tables together with the new watermark, in one transaction. Each link is carried by one
 * span and counted once, when that span is folded. Queries sum the rollup minutes of their window and add the
 * batches not folded yet (computed the same way on the fly), reading both in one snapshot, so answers include
 * what was just written.
 *
 * Resolution is the minute: a window includes the whole minutes its ends fall in.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { buildTraceTree, dependencyLinkRows, emptyScope, StatusCode, type Resource, type Span, type SpanKind } from '@sextant/core';
import type { DependencyEdge, DependencyGraph, OperationEdge, RedQuery, RedResult, SpanCountQuery, SpanCountRow } from '../contract.js';
import { hexToBig, spanIdHex, traceIdHex } from '../stored/ids.js';
import type { Row } from './connections.js';
import type { Param } from './params.js';
import { bucketOf as durationBucket, bucketSql, percentiles, type BucketCount } from '../stored/sketch.js';
import { conditionSql, countSpans, EXEMPLAR_SQL, spanCountRow } from './span-counts-sql.js';

export const MINUTE_NS = 60_000_000_000n;
/** How far from the spans being folded the rest of their traces is looked for. */
const TRACE_REACH_NS = 3_600_000_000_000n;
const MAX_SEQ = 2n ** 63n;
const WATERMARK_KEY = 'rollup_batch_seq';

type Read = (sql: string, params?: readonly Param[]) => Promise<Row[]>;
type Minutes = { from: bigint; to: bigint };

/** Spans of batches (lo, hi]: the spans whose contributions are computed. */
interface Owners {
  lo: bigint;
  hi: bigint;
  /** Start-time range of those spans, to find the rest of their traces cheaply. */
  minStart: bigint;
  maxStart: bigint;
}

const int = (v: bigint) => BigInt(v).toString();
const ownedBy = (o: Owners) => `batch_seq > ${int(o.lo)} AND batch_seq <= ${int(o.hi)}`;
const minuteOf = (column: string) => `${column} // ${MINUTE_NS}`;

/** The batches (lo, hi], or null when they hold no spans. */
async function owners(read: Read, lo: bigint, hi: bigint): Promise<Owners | null> {
  const [r] = await read(`SELECT count(*) AS n, min(start_ns) AS a, max(start_ns) AS b FROM spans WHERE batch_seq > ${int(lo)} AND batch_seq <= ${int(hi)}`);
  if (!r || Number(r.n) === 0) return null;
  return { lo, hi, minStart: r.a as bigint, maxStart: r.b as bigint };
}

const inMinutes = (m: Minutes | null, column: string) => (m ? ` AND ${minuteOf(column)} BETWEEN ${int(m.from)} AND ${int(m.to)}` : '');

/** Entry spans (server, consumer, roots): what a service's callers experience. */
const ENTRY = '(kind IN (2, 5) OR parent_span_id = 0)';

/** Rows of `rollup_red` that the owner spans contribute. */
function redRowsSql(o: Owners, m: Minutes | null = null): string {
  return `SELECT ${minuteOf('start_ns')} AS minute, service, name AS operation, ${bucketSql('duration_ns')} AS bucket,
      count(*) AS calls, count(*) FILTER (WHERE is_error) AS errors, sum(duration_ns) AS total_ns, min(duration_ns) AS dmin,
      max(duration_ns) AS dmax
    FROM spans WHERE ${ownedBy(o)} AND ${ENTRY}${inMinutes(m, 'start_ns')} GROUP BY ALL`;
}

/** Rows of `rollup_services`: every service with spans in a minute, and its exemplar span. */
function serviceRowsSql(o: Owners, m: Minutes | null = null): string {
  return `SELECT ${minuteOf('start_ns')} AS minute, service, count(*) AS spans, ${EXEMPLAR_SQL} AS ex
    FROM spans WHERE ${ownedBy(o)}${inMinutes(m, 'start_ns')} GROUP BY ALL`;
}

/** Each rollup table: its key columns and how two rows of one key merge. */
const ROLLUPS = [
  { table: 'rollup_edges', keys: 'minute, parent, child, parent_op, child_op, virtual, bucket',
    merge: 'sum(calls)::UBIGINT AS calls, sum(errors)::UBIGINT AS errors, min(dmin) AS dmin, max(dmax) AS dmax, min(example) AS example' },
  { table: 'rollup_red', keys: 'minute, service, operation, bucket',
    merge: 'sum(calls)::UBIGINT AS calls, sum(errors)::UBIGINT AS errors, sum(total_ns)::HUGEINT AS total_ns, min(dmin) AS dmin, max(dmax) AS dmax' },
  { table: 'rollup_services', keys: 'minute, service', merge: 'sum(spans)::UBIGINT AS spans, max(ex) AS ex' },
] as const;

/**
 * Merges the rows of the minutes the owner spans fell in into one row per key, so that a minute holds one set of
 * rows however many passes added to it and reads cost the same whatever the ingest pattern.
 */
async function compactMinutes(conn: DuckDBConnection, o: Owners): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE fold_minutes AS SELECT DISTINCT ${minuteOf('start_ns')} AS minute FROM spans WHERE ${ownedBy(o)}`);
  const touched = 'minute IN (SELECT minute FROM fold_minutes)';
  for (const r of ROLLUPS) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE fold_compacted AS SELECT ${r.keys}, ${r.merge} FROM ${r.table} WHERE ${touched} GROUP BY ${r.keys}`);
    await conn.run(`DELETE FROM ${r.table} WHERE ${touched}`);
    await conn.run(`INSERT INTO ${r.table} BY NAME SELECT * FROM fold_compacted`);
  }
  await conn.run('DROP TABLE fold_compacted');
  await conn.run('DROP TABLE fold_minutes');
}

/** One row of `rollup_edges` as it accumulates. */
interface EdgeRow {
  minute: bigint;
  parent: string;
  child: string;
  parentOp: string;
  childOp: string;
  virtual: boolean;
  bucket: number;
  calls: number;
  errors: number;
  min: bigint;
  max: bigint;
  example: string;
}

/**
 * The links the owner spans carry, per minute and latency bucket: core's linker over the whole traces they
 * belong to, read from the stored columns (the linker's facts were derived at ingest).
 */
async function edgeRows(read: Read, o: Owners, m: Minutes | null = null): Promise<EdgeRow[]> {
  const rows = await read(
    `SELECT trace_id, span_id, parent_span_id, start_ns, duration_ns, service, resource_id, name, kind, is_error,
       coalesce(remote_service, peer_service) AS remote, batch_seq,
       -- The one attribute the tree reads: a Zipkin span shared by client and server (attr-json.ts's form).
       contains(attributes, '"zipkin.shared":true') AS shared
     FROM spans
     WHERE trace_id IN (SELECT trace_id FROM spans WHERE ${ownedBy(o)})
       AND start_ns BETWEEN ${int(o.minStart - TRACE_REACH_NS)} AND ${int(o.maxStart + TRACE_REACH_NS)}
     ORDER BY trace_id, rowid`,
  );
  // The tree compares resources (a span belongs under the server half of a shared id recorded by its own
  // endpoint): one object per stored resource, told apart by its id, stands in for the full one.
  const resources = new Map<bigint, Resource>();
  const resourceOf = (r: Row) => {
    const id = r.resource_id as bigint;
    let res = resources.get(id);
    if (!res) {
      const attributes = [{ key: 'service.name', value: r.service as string }, { key: '\u0000resource', value: id }];
      resources.set(id, (res = { attributes, droppedAttributesCount: 0, schemaUrl: '' }));
    }
    return res;
  };
  const scope = emptyScope();
  const out = new Map<string, EdgeRow>();
  for (let first = 0; first < rows.length; ) {
    let end = first + 1;
    while (end < rows.length && rows[end]!.trace_id === rows[first]!.trace_id) end++;
    const group = rows.slice(first, end);
    first = end;
    const traceId = traceIdHex(group[0]!.trace_id as bigint);
    const spans: Span[] = group.map((r) => {
      const start = r.start_ns as bigint;
      return {
        traceId,
        spanId: spanIdHex(r.span_id as bigint),
        parentSpanId: spanIdHex(r.parent_span_id as bigint),
        traceState: '',
        flags: 0,
        name: r.name as string,
        kind: r.kind as SpanKind,
        startTimeUnixNano: start,
        endTimeUnixNano: start + (r.duration_ns as bigint),
        attributes: r.shared ? [{ key: 'zipkin.shared', value: true }] : [],
        droppedAttributesCount: 0,
        events: [],
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
        status: { code: r.is_error ? StatusCode.ERROR : StatusCode.UNSET, message: '' },
        resource: resourceOf(r),
        scope,
      };
    });
    // The tree's nodes are the spans in input order.
    const tree = buildTraceTree(spans);
    const failed = Uint8Array.from(group, (r) => (r.is_error ? 1 : 0));
    const links = dependencyLinkRows(tree, { failed, remoteService: (i) => (group[i]!.remote as string | null) ?? undefined });
    for (const link of links) {
      const carrier = group[link.node]!;
      const seq = carrier.batch_seq as bigint;
      if (seq <= o.lo || seq > o.hi) continue;
      const minute = (carrier.start_ns as bigint) / MINUTE_NS;
      if (m && (minute < m.from || minute > m.to)) continue;
      const bucket = durationBucket(link.durationNano);
      const key = `${minute}\u0000${link.parent}\u0000${link.child}\u0000${link.parentOperation}\u0000${link.childOperation}\u0000${link.virtual}\u0000${bucket}`;
      const row = out.get(key);
      if (row) {
        row.calls++;
        if (link.error) row.errors++;
        if (link.durationNano < row.min) row.min = link.durationNano;
        if (link.durationNano > row.max) row.max = link.durationNano;
        if (traceId < row.example) row.example = traceId;
      } else {
        out.set(key, {
          minute, parent: link.parent, child: link.child, parentOp: link.parentOperation, childOp: link.childOperation, virtual: link.virtual,
          bucket, calls: 1, errors: link.error ? 1 : 0, min: link.durationNano, max: link.durationNano, example: traceId,
        });
      }
    }
  }
  return [...out.values()];
}

function appendEdgeRow(app: DuckDBAppender, r: EdgeRow): void {
  app.appendBigInt(r.minute);
  app.appendVarchar(r.parent);
  app.appendVarchar(r.child);
  app.appendVarchar(r.parentOp);
  app.appendVarchar(r.childOp);
  app.appendBoolean(r.virtual);
  app.appendSmallInt(r.bucket);
  app.appendUBigInt(BigInt(r.calls));
  app.appendUBigInt(BigInt(r.errors));
  app.appendBigInt(r.min);
  app.appendBigInt(r.max);
  app.appendUHugeInt(hexToBig(r.example));
  app.endRow();
}

export async function rollupWatermark(read: Read): Promise<bigint> {
  const [r] = await read(`SELECT value FROM meta WHERE key = '${WATERMARK_KEY}'`);
  return r ? BigInt(r.value as string) : 0n;
}

/** Folds batches (lo, hi] into the rollups and moves the watermark to hi, in one transaction. */
export async function fold(conn: DuckDBConnection, lo: bigint, hi: bigint): Promise<void> {
  const read: Read = async (sql) => (await conn.runAndReadAll(sql)).getRowObjects();
  await conn.run('BEGIN TRANSACTION');
  try {
    const o = await owners(read, lo, hi);
    if (o) {
      const edges = await edgeRows(read, o);
      if (edges.length > 0) {
        const app = await conn.createAppender('rollup_edges');
        for (const r of edges) appendEdgeRow(app, r);
        app.flushSync();
        app.closeSync();
      }
      await conn.run(`INSERT INTO rollup_red BY NAME ${redRowsSql(o)}`);
      await conn.run(`INSERT INTO rollup_services BY NAME ${serviceRowsSql(o)}`);
      await compactMinutes(conn, o);
    }
    await conn.run(`INSERT INTO meta VALUES ('${WATERMARK_KEY}', '${int(hi)}') ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The batches not folded yet, if any hold spans. */
async function tailOwners(read: Read): Promise<Owners | null> {
  return owners(read, await rollupWatermark(read), MAX_SEQ);
}

/**
 * Rollup rows of `table` in the window plus what the unfolded batches contribute there; `filter` (with its
 * bound `params`) narrows both.
 */
function withTail(table: string, select: (o: Owners, m: Minutes) => string, tail: Owners | null, m: Minutes, filter = '', params: readonly Param[] = []) {
  const folded = `SELECT * FROM ${table} WHERE minute BETWEEN ${int(m.from)} AND ${int(m.to)}${filter}`;
  if (!tail) return { sql: folded, params: [...params] };
  return { sql: `${folded} UNION ALL BY NAME (SELECT * FROM (${select(tail, m)}) WHERE true${filter})`, params: [...params, ...params] };
}

const windowMinutes = (startNano: bigint, endNano: bigint): Minutes => ({ from: startNano / MINUTE_NS, to: endNano / MINUTE_NS });

const bucketCount = (r: Row): BucketCount => ({ bucket: Number(r.bucket), count: Number(r.calls), min: r.dmin as bigint, max: r.dmax as bigint });

/** Binary string order, as DuckDB sorts VARCHAR. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The graph of [startNano, endNano] from the rollups; `read` must see one snapshot. */
export async function rolledUpDependencies(read: Read, startNano: bigint, endNano: bigint): Promise<DependencyGraph> {
  const m = windowMinutes(startNano, endNano);
  const tail = await tailOwners(read);
  const rows: EdgeRow[] = (
    await read(
      `SELECT parent, child, parent_op, child_op, virtual, bucket, sum(calls) AS calls, sum(errors) AS errors, min(dmin) AS dmin,
         max(dmax) AS dmax, min(example) AS example
       FROM rollup_edges WHERE minute BETWEEN ${int(m.from)} AND ${int(m.to)} GROUP BY ALL`,
    )
  ).map((r) => ({
    minute: 0n, parent: r.parent as string, child: r.child as string, parentOp: r.parent_op as string, childOp: r.child_op as string,
    virtual: r.virtual as boolean, bucket: Number(r.bucket), calls: Number(r.calls), errors: Number(r.errors),
    min: r.dmin as bigint, max: r.dmax as bigint, example: traceIdHex(r.example as bigint),
  }));
  if (tail) rows.push(...(await edgeRows(read, tail, m)));
  const services = withTail('rollup_services', serviceRowsSql, tail, m);
  const entries = withTail('rollup_red', redRowsSql, tail, m);
  const serviceRows = await read(
    `SELECT s.service AS service, coalesce(r.calls, 0) AS calls, coalesce(r.errors, 0) AS errors
     FROM (SELECT DISTINCT service FROM (${services.sql})) s
     LEFT JOIN (SELECT service, sum(calls) AS calls, sum(errors) AS errors FROM (${entries.sql}) GROUP BY 1) r ON r.service = s.service
     ORDER BY 1`,
  );

  type Acc = { edge: Omit<DependencyEdge, 'p50Nano' | 'p95Nano' | 'p99Nano'>; buckets: BucketCount[]; virtual: boolean; ops: [string, string] };
  const serviceLevel = new Map<string, Acc>();
  const opLevel = new Map<string, Acc>();
  const add = (map: Map<string, Acc>, key: string, r: EdgeRow, ops: [string, string]) => {
    let acc = map.get(key);
    if (!acc) map.set(key, (acc = { edge: { parent: r.parent, child: r.child, callCount: 0, errorCount: 0, exampleTraceId: r.example }, buckets: [], virtual: true, ops }));
    acc.edge.callCount += r.calls;
    acc.edge.errorCount += r.errors;
    if (r.example < acc.edge.exampleTraceId) acc.edge.exampleTraceId = r.example;
    acc.virtual &&= r.virtual;
    acc.buckets.push({ bucket: r.bucket, count: r.calls, min: r.min, max: r.max });
  };
  for (const r of rows) {
    const pair = `${r.parent}\u0000${r.child}`;
    add(serviceLevel, pair, r, ['', '']);
    add(opLevel, `${pair}\u0000${r.parentOp}\u0000${r.childOp}`, r, [r.parentOp, r.childOp]);
  }
  const byCalls = (a: Acc, b: Acc) =>
    b.edge.callCount - a.edge.callCount || cmp(a.edge.parent, b.edge.parent) || cmp(a.edge.child, b.edge.child) || cmp(a.ops[0], b.ops[0]) || cmp(a.ops[1], b.ops[1]);
  const edges: DependencyEdge[] = [...serviceLevel.values()].sort(byCalls).map((a) => ({ ...a.edge, ...percentiles(a.buckets) }));
  const operationEdges: OperationEdge[] = [...opLevel.values()]
    .sort(byCalls)
    .map((a) => ({ ...a.edge, ...percentiles(a.buckets), parentOperation: a.ops[0], childOperation: a.ops[1] }));

  const nodes = serviceRows.map((r) => ({ service: r.service as string, callCount: Number(r.calls), errorCount: Number(r.errors), virtual: false }));
  const instrumented = new Set(nodes.map((n) => n.service));
  const virtualChildren = new Map<string, { calls: number; errors: number }>();
  for (const a of serviceLevel.values()) {
    if (!a.virtual || instrumented.has(a.edge.child)) continue;
    const v = virtualChildren.get(a.edge.child) ?? { calls: 0, errors: 0 };
    v.calls += a.edge.callCount;
    v.errors += a.edge.errorCount;
    virtualChildren.set(a.edge.child, v);
  }
  for (const [service, v] of virtualChildren) nodes.push({ service, callCount: v.calls, errorCount: v.errors, virtual: true });
  return { nodes, edges, operationEdges };
}

/** RED from the rollups, for steps of a minute or more; `read` must see one snapshot. */
export async function rolledUpRed(read: Read, q: RedQuery): Promise<RedResult> {
  const m = windowMinutes(q.startNano, q.endNano);
  let filter = '';
  const params: Param[] = [];
  if (q.service !== undefined) {
    filter += ' AND service = ?';
    params.push(q.service);
  }
  if (q.operation !== undefined) {
    filter += ' AND operation = ?';
    params.push(q.operation);
  }
  const source = withTail('rollup_red', redRowsSql, await tailOwners(read), m, filter, params);
  const step = `greatest(0, (minute * ${MINUTE_NS} - ${int(q.startNano)}) // ${int(q.stepNano)})`;
  const seriesRows = await read(
    `SELECT ${step} AS b, bucket, sum(calls) AS calls, sum(errors) AS errors, min(dmin) AS dmin, max(dmax) AS dmax
     FROM (${source.sql}) GROUP BY ALL`,
    source.params,
  );
  const opRows = await read(
    `SELECT service, operation, bucket, sum(calls) AS calls, sum(errors) AS errors, sum(total_ns) AS total, min(dmin) AS dmin, max(dmax) AS dmax
     FROM (${source.sql}) GROUP BY ALL`,
    source.params,
  );
  const series = new Map<bigint, { count: number; errors: number; buckets: BucketCount[] }>();
  for (const r of seriesRows) {
    const b = BigInt(r.b as bigint);
    const acc = series.get(b) ?? { count: 0, errors: 0, buckets: [] };
    acc.count += Number(r.calls);
    acc.errors += Number(r.errors);
    acc.buckets.push(bucketCount(r));
    series.set(b, acc);
  }
  const ops = new Map<string, { service: string; operation: string; count: number; errors: number; total: bigint; buckets: BucketCount[] }>();
  for (const r of opRows) {
    const key = `${r.service}\u0000${r.operation}`;
    const acc = ops.get(key) ?? { service: r.service as string, operation: r.operation as string, count: 0, errors: 0, total: 0n, buckets: [] };
    acc.count += Number(r.calls);
    acc.errors += Number(r.errors);
    acc.total += BigInt(r.total as bigint);
    acc.buckets.push(bucketCount(r));
    ops.set(key, acc);
  }
  return {
    series: [...series.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([b, acc]) => ({ t: q.startNano + b * q.stepNano, count: acc.count, errorCount: acc.errors, ...percentiles(acc.buckets) })),
    operations: [...ops.values()]
      .sort((a, b) => (b.total > a.total ? 1 : b.total < a.total ? -1 : cmp(a.service, b.service) || cmp(a.operation, b.operation)))
      .map((a) => ({ service: a.service, operation: a.operation, count: a.count, errorCount: a.errors, ...percentiles(a.buckets), totalNano: a.total })),
  };
}

/**
 * Whether the rollups answer a TraceQL counting plan: spans counted by service only (rollup_services), in steps of
 * whole minutes that start on a minute.
 */
export function rollupsCount(q: SpanCountQuery): boolean {
  return q.groupBy.every((g) => g === 'service') && q.conditions.every((c) => c.column === 'service')
    && q.stepNano % MINUTE_NS === 0n && q.firstStepNano % MINUTE_NS === 0n;
}

/**
 * A counting plan that rollupsCount accepts: the whole minutes of the window from rollup_services (and the
 * unfolded batches), the partial minutes at its ends from the spans; the same rows as countSpans over the spans,
 * exemplars included. Minutes written before rollups kept exemplars make it count the spans. `read` must see one
 * snapshot.
 */
export async function rolledUpCounts(read: Read, q: SpanCountQuery): Promise<SpanCountRow[]> {
  const from = (q.startNano + MINUTE_NS - 1n) / MINUTE_NS;
  const to = q.endNano / MINUTE_NS - 1n;
  if (from > to) return countSpans(read, q);
  const params: Param[] = [];
  const filter = q.conditions.map((c) => ` AND ${conditionSql(c, params)}`).join('');
  const source = withTail('rollup_services', serviceRowsSql, await tailOwners(read), { from, to }, filter, params);
  const groups = q.groupBy.map((_, i) => `, service AS g${i}`).join('');
  const whole = await read(
    `SELECT (minute * ${MINUTE_NS} - ${int(q.firstStepNano)}) // ${int(q.stepNano)} AS step${groups}, sum(spans) AS n, max(ex) AS ex,
       bool_or(ex IS NULL) AS stale
     FROM (${source.sql}) GROUP BY ALL`,
    source.params,
  );
  if (whole.some((r) => r.stale)) return countSpans(read, q);
  const rows = whole.map((r) => spanCountRow(r, q.groupBy.length));
  for (const [startNano, endNano] of [[q.startNano, from * MINUTE_NS], [(to + 1n) * MINUTE_NS, q.endNano]] as const) {
    if (startNano < endNano) rows.push(...(await countSpans(read, { ...q, startNano, endNano })));
  }
  // A step holding both whole and partial minutes has a row from each: one row per step and group, as countSpans.
  const merged = new Map<string, SpanCountRow>();
  for (const r of rows) {
    const key = JSON.stringify([r.step, ...r.keys]);
    const seen = merged.get(key);
    if (!seen) merged.set(key, r);
    else merged.set(key, { ...seen, count: seen.count + r.count, exemplar: slower(seen.exemplar, r.exemplar) });
  }
  return [...merged.values()];
}

/** EXEMPLAR_SQL's order: duration, then trace id, span id and start. */
function slower(a: SpanCountRow['exemplar'], b: SpanCountRow['exemplar']): SpanCountRow['exemplar'] {
  const order = a.durationNano - b.durationNano || cmp(a.traceId, b.traceId) || cmp(a.spanId, b.spanId) || (a.startNano < b.startNano ? -1 : a.startNano > b.startNano ? 1 : 0);
  return order >= 0 ? a : b;
}

/** Reads every rollup column once, so that they are in memory before the first query needs them. */
export async function warmRollups(read: Read): Promise<void> {
  for (const r of ROLLUPS) await read(`SELECT max(COLUMNS(*)) FROM ${r.table}`);
}

/** Retention: minutes wholly before the cutoff go with their spans. */
export async function deleteRollupsBefore(conn: DuckDBConnection, cutoffNano: bigint): Promise<void> {
  const minute = cutoffNano / MINUTE_NS;
  for (const table of ['rollup_edges', 'rollup_red', 'rollup_services']) await conn.run(`DELETE FROM ${table} WHERE minute < ${int(minute)}`);
}
