// Large query stores (10M, 100M spans) made fast: the first TEMPLATE_TRACES traces of the workload go through the
// store's own write path; the rest are the same rows computed by SQL inside DuckDB (ids from hashes, every other
// column from the workload's formulas), appended in time order in chunks as ingest would have left them. Before
// generating, the SQL is checked against the rows the write path stored for the template traces, column by column,
// so the generated file holds exactly what ingesting makeTraces would have stored (up to the random ids).
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DuckDBStore } from '../packages/server/src/storage/duckdb/duckdb-store.js';
import { fold } from '../packages/server/src/storage/duckdb/rollups.js';
import { makeTraces } from './workload.js';

/** Traces written through the store; a multiple of 100, so every (span, n mod 100) row shape is among them. */
const TEMPLATE_TRACES = 2000;
/** Spans of one ingest batch in the query bench (batch_seq advances per batch, as the rollups expect). */
const TRACES_PER_BATCH = 2000;
const CHUNK_TRACES = 500_000;
const FOLD_BATCHES = 25n;
const FOLD_MAX_SPANS = 20_000_000;
/** Bumped whenever the rows made here change, so stale cached stores are not reused. */
const GENERATOR_VERSION = 1;

const SERVICES = ['frontend', 'checkout', 'cart', 'payments', 'catalog', 'auth'];
const ROUTES = ['/api/cart', '/api/checkout', '/api/products/:id', '/api/login', '/api/orders/:id'];

const list = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/**
 * The span rows of traces n in [lo, hi), trace n starting at `base` + n ms (as the bench writes them). Columns that
 * depend only on the span's position i and on n mod 100 (kind, status, derived error flag, resource, ...) come from
 * the template rows of the same shape in `tpl`.
 */
function rowsSql(base: bigint, lo: number, hi: number): string {
  return `
    SELECT
      (hash(n, 'trace')::UHUGEINT << 64) | hash(n, 'trace2')::UHUGEINT AS trace_id,
      hash(n, i, 'span') AS span_id,
      CASE WHEN i = 0 THEN 0::UBIGINT ELSE hash(n, CASE WHEN i < 4 THEN 0 ELSE i // 3 END, 'span') END AS parent_span_id,
      ${base}::BIGINT + n * 1000000 + i * 200000 AS start_ns,
      1000000 + ((n * 7919 + i * 104729) % 40000000) AS duration_ns,
      tpl.service,
      CASE WHEN i = 0 THEN 'GET ' || ${list(ROUTES)}[n % 5 + 1] WHEN i % 3 = 0 THEN 'SELECT orders'
        ELSE 'POST /internal/' || ${list(SERVICES)}[i % 6 + 1] END AS name,
      tpl.kind, tpl.status_code, tpl.is_error, tpl.status_message, tpl.trace_state, tpl.flags, tpl.resource_id,
      tpl.scope_id,
      '{"http.request.method":"' || CASE WHEN n % 4 = 0 THEN 'POST' ELSE 'GET' END
        || '","http.route":"' || ${list(ROUTES)}[n % 5 + 1]
        || '","url.path":"' || replace(${list(ROUTES)}[n % 5 + 1], ':id', (n % 5000)::VARCHAR)
        || '","http.response.status_code":' || CASE WHEN n % 50 = 0 THEN '500' ELSE '200' END
        || ',"server.address":"' || ${list(SERVICES)}[i % 6 + 1]
        || '.internal","server.port":8080,"network.protocol.version":"1.1","user_agent.original":"Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0","app.user.id":"user-'
        || (n % 20000)::VARCHAR || '","app.request.size":' || (200 + n % 1800)::VARCHAR || '}' AS attributes,
      tpl.events, tpl.links, tpl.dropped, tpl.remote_service, tpl.peer_service,
      (1 + n // ${TRACES_PER_BATCH})::UBIGINT AS batch_seq
    FROM range(${lo}, ${hi}) t(n) CROSS JOIN range(10) s(i)
    JOIN tpl ON tpl.ti = s.i AND tpl.tm = t.n % 100
    ORDER BY n, i`;
}

async function one(c: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

/**
 * A DuckDB data directory holding `spans` spans of the workload (traces of 10 spans, one per ms from `base`), with
 * the rollups folded. Cached under `cacheDir` by span count; returns the directory and how it was obtained.
 */
export async function scaleStore(cacheDir: string, spans: number, base: bigint): Promise<{ dir: string; note: string; rollups: boolean }> {
  const traces = Math.ceil(spans / 10);
  const dir = join(cacheDir, `query-${traces * 10}-v${GENERATOR_VERSION}-${base}`);
  if (existsSync(join(dir, 'ready'))) return { dir, note: 'reused', rollups: traces * 10 <= FOLD_MAX_SPANS };
  rmSync(dir, { recursive: true, force: true });
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const t0 = performance.now();

  // 1. The template through the store's own path, in the bench's batches.
  const store = await DuckDBStore.open({ dataDir: building });
  const template = Math.min(traces, TEMPLATE_TRACES);
  for (let n = 0; n < template; n += TRACES_PER_BATCH) {
    await store.write(makeTraces(Math.min(TRACES_PER_BATCH, template - n), base + BigInt(n) * 1_000_000n, n), []);
  }
  await store.close();

  // 2. The rest in SQL, checked first against the template.
  const instance = await DuckDBInstance.create(join(building, 'sextant.duckdb'), { storage_compatibility_version: 'latest' });
  const c = await instance.connect();
  await c.run(`CREATE TEMP TABLE tpl_rows AS
    SELECT *, (start_ns - ${base}) // 1000000 AS n FROM spans`);
  // Span i of trace n starts at n ms + i * 0.2 ms, so spans 5..9 spill into the next millisecond.
  await c.run(`CREATE TEMP TABLE tpl_pos AS
    SELECT *, row_number() OVER (PARTITION BY trace_id ORDER BY start_ns, span_id) - 1 AS i,
      min(n) OVER (PARTITION BY trace_id) AS tn FROM tpl_rows`);
  await c.run(`CREATE TEMP TABLE tpl AS SELECT * EXCLUDE (n, tn, i), i AS ti, tn % 100 AS tm FROM tpl_pos WHERE tn < 100`);
  const [{ shapes }] = (await one(c, `SELECT count(*)::INT AS shapes FROM tpl`)) as [{ shapes: number }];
  if (shapes !== 1000) throw new Error(`scale generator: expected 1000 template span shapes, found ${shapes}`);
  const cols = `start_ns, duration_ns, service, name, kind, status_code, is_error, status_message, trace_state, flags,
    resource_id, scope_id, attributes, events, links, dropped, remote_service, peer_service, batch_seq`;
  const diff = await one(c, `
    (SELECT ${cols} FROM spans EXCEPT ALL SELECT ${cols} FROM (${rowsSql(base, 0, template)}))
    UNION ALL
    (SELECT ${cols} FROM (${rowsSql(base, 0, template)}) EXCEPT ALL SELECT ${cols} FROM spans)
    LIMIT 3`);
  if (diff.length > 0) throw new Error(`scale generator: SQL rows differ from the stored template rows: ${JSON.stringify(diff)}`);
  // The trees too: each generated span's parent is the span the workload gives it.
  const [{ bad }] = (await one(c, `
    WITH g AS (${rowsSql(base, 0, Math.min(template, 100))})
    SELECT count(*)::INT AS bad FROM g c LEFT JOIN g p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
    WHERE c.parent_span_id <> 0 AND p.span_id IS NULL`)) as [{ bad: number }];
  if (bad !== 0) throw new Error(`scale generator: ${bad} generated spans have no parent`);

  for (let lo = template; lo < traces; lo += CHUNK_TRACES) {
    await c.run(`INSERT INTO spans ${rowsSql(base, lo, Math.min(traces, lo + CHUNK_TRACES))}`);
    process.stdout.write(`  generated ${((Math.min(traces, lo + CHUNK_TRACES) * 10) / 1e6).toFixed(1)}M spans\r`);
  }
  const genMs = performance.now() - t0;

  // 3. The rollups, folded as the store's background pass would, a few batches at a time. Above FOLD_MAX_SPANS
  // they are left empty (marked folded): folding 100M spans takes longer than the bench, and the scale curve is
  // about searches.
  const t1 = performance.now();
  const batches = BigInt(Math.ceil(traces / TRACES_PER_BATCH));
  const folded = traces * 10 <= FOLD_MAX_SPANS;
  if (folded) {
    for (let lo = 1n; lo < batches; lo += FOLD_BATCHES) await fold(c, lo, lo + FOLD_BATCHES < batches ? lo + FOLD_BATCHES : batches);
  } else {
    await c.run(`INSERT INTO meta VALUES ('rollup_batch_seq', '${batches}') ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  }
  await c.run('CHECKPOINT');
  c.closeSync();
  instance.closeSync();
  const foldMs = performance.now() - t1;
  renameSync(building, dir);
  mkdirSync(join(dir, 'ready'));
  return { dir, note: `generated in ${(genMs / 1000).toFixed(0)} s, ${folded ? `rollups folded in ${(foldMs / 1000).toFixed(0)} s` : 'rollups left empty'}`, rollups: folded };
}
