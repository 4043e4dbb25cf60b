/**
 * Where the ClickHouse backend connects: a server over HTTP(S) (`http://user:password@host:8123/database`) or the
 * embedded engine (`chdb:DIR?database=NAME`), both through @clickhouse/client so that one SQL path serves both.
 * chdb is an optional install (a few hundred MB): it is loaded only when a chdb: URL asks for it.
 */
import { resolve } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';

/** The exporter's default database. */
export const DEFAULT_DATABASE = 'otel';

export type ClickHouseTarget =
  | { kind: 'http'; url: string; username: string; password: string; database: string; display: string }
  | { kind: 'chdb'; dir: string; database: string; display: string };

export class ClickHouseUrlError extends Error {}

const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkDatabase(name: string, url: string): string {
  if (!DATABASE_NAME.test(name)) {
    throw new ClickHouseUrlError(`--clickhouse-url ${url}: database name '${name}' must be letters, digits and underscores`);
  }
  return name;
}

export function parseClickHouseUrl(url: string): ClickHouseTarget {
  if (url.startsWith('chdb:')) {
    const [path = '', query = ''] = url.slice('chdb:'.length).split('?', 2);
    if (path === '') throw new ClickHouseUrlError(`--clickhouse-url ${url}: give a data directory, e.g. chdb:./data`);
    const params = new URLSearchParams(query);
    for (const k of params.keys()) {
      if (k !== 'database') throw new ClickHouseUrlError(`--clickhouse-url ${url}: unknown parameter '${k}' (only database=NAME)`);
    }
    const database = checkDatabase(params.get('database') ?? DEFAULT_DATABASE, url);
    const dir = resolve(path);
    return { kind: 'chdb', dir, database, display: `chdb:${dir} (database ${database})` };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ClickHouseUrlError(`--clickhouse-url ${url} is not a URL (http(s)://user:password@host:8123/database or chdb:DIR)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ClickHouseUrlError(`--clickhouse-url ${url}: the scheme must be http, https or chdb (ClickHouse's HTTP interface, port 8123/8443)`);
  }
  const database = checkDatabase(decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, '')) || DEFAULT_DATABASE, url);
  const username = decodeURIComponent(u.username) || 'default';
  const password = decodeURIComponent(u.password);
  const base = `${u.protocol}//${u.host}`;
  return { kind: 'http', url: base, username, password, database, display: `${base} (database ${database}, user ${username})` };
}

/** Settings every session gets: exact 64-bit integers in JSON, and UTC so DateTime text never depends on the server. */
const SETTINGS = { output_format_json_quote_64bit_integers: 1, session_timezone: 'UTC' } as const;

async function chdbConnection(dir: string): Promise<NonNullable<Parameters<typeof createClient>[0]>['connection']> {
  let mod: { createChdbConnection(o: { path: string }): unknown };
  try {
    // A variable specifier keeps TypeScript and bundlers from requiring the optional package at build time.
    const name = 'chdb/connection';
    mod = (await import(name)) as typeof mod;
  } catch {
    throw new Error('the chdb: storage needs the optional chdb package: run `npm install chdb` beside Sextant, or give an http(s):// ClickHouse URL');
  }
  return mod.createChdbConnection({ path: dir }) as NonNullable<Parameters<typeof createClient>[0]>['connection'];
}

// Failures reach the caller (and a refused ingest the sender); the client's own error log would repeat each retry.
const LOG = { level: ClickHouseLogLevel.OFF };

/** A client whose queries run in no database in particular (the database may not exist yet). */
export async function connect(t: ClickHouseTarget): Promise<ClickHouseClient> {
  if (t.kind === 'chdb') {
    // chdb applies settings as SET statements on its one session: a query's time limit (ReadLimits) would outlive
    // the query unless every other query sets none.
    return createClient({ connection: await chdbConnection(t.dir), clickhouse_settings: { ...SETTINGS, max_execution_time: 0 }, log: LOG });
  }
  return createClient({
    url: t.url,
    username: t.username,
    password: t.password,
    clickhouse_settings: SETTINGS,
    log: LOG,
    request_timeout: 60_000,
    compression: { request: true, response: true },
  });
}
