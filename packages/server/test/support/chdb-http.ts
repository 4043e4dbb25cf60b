// ClickHouse's HTTP interface served from chdb, in a process of its own. It stands in for a ClickHouse server,
// which cannot be installed here: several Sextant processes share one engine through it, and stopping and
// restarting it is how tests take ClickHouse down and bring it back. It speaks the part of the protocol that
// @clickhouse/client uses: the query in the body (or in ?query= with the data in the body), ?param_x= values,
// settings as URL parameters, errors as "Code: N. DB::Exception: ..." with a 500 status.
// Usage: node --import tsx chdb-http.ts DIR PORT (prints "listening PORT" when ready).
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Session } from 'chdb';

const [dir, portText] = process.argv.slice(2);
const session = new Session(dir!);
// Not settings, or not ones a local engine takes.
const IGNORED = new Set(['query', 'query_id', 'database', 'default_format', 'session_id', 'session_timeout', 'wait_end_of_query', 'enable_http_compression']);
const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

// One statement at a time: SET param_x / settings are per session.
let chain: Promise<unknown> = Promise.resolve();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/ping') {
      res.end('Ok.\n');
      return;
    }
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const text = body.toString('utf8');
    const inUrl = url.searchParams.get('query');
    const sql = inUrl !== null ? `${inUrl}\n${text}` : text;
    const sets: string[] = [];
    for (const [k, v] of url.searchParams) {
      if (k.startsWith('param_')) sets.push(`SET ${k} = ${quote(v)}`);
      else if (!IGNORED.has(k)) sets.push(`SET ${k} = ${/^-?\d+$/.test(v) ? v : quote(v)}`);
    }
    const format = url.searchParams.get('default_format') ?? undefined;
    chain = chain.then(async () => {
      try {
        for (const s of sets) await session.queryAsync(s);
        const result = await session.queryAsync(sql, format ? { format } : undefined);
        res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-summary': '{}' });
        res.end(result.text());
      } catch (err) {
        const e = err as Error & { clickhouseCode?: number };
        res.writeHead(500, { 'x-clickhouse-exception-code': String(e.clickhouseCode ?? 1000) });
        res.end(e.message);
      }
    });
  });
});

server.listen(Number(portText ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : portText}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  session.close();
  process.exit(0);
});
