import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { decodeOtlpJsonLogs, distinctLogLines, logLineTime, type LogRecord } from '@sextant/core';
import { getJson, useApi } from '../lib/api.js';
import { Link, navigate, useLocation, withQuery } from '../lib/router.js';
import { formatAttrValue } from '../lib/format.js';
import { LOOKBACKS, lookbackRange, nanoToLocalInput } from '../lib/time-range.js';
import { NameSelect } from '../components/NameSelect.js';
import { AttrFilters, appendAttrParams, attrsFromParams, type AttrFilter } from '../components/AttrFilters.js';
import { ErrorMessage, Loading, Message } from '../components/Message.js';
import { Time } from '../components/Time.js';
import { LogServiceCell, LogSeverityCell } from '../trace/TraceLogs.js';

/** "At least this severe", by OTLP's severity names (the API takes the same words). */
const SEVERITIES: [string, string][] = [
  ['', 'Any severity'],
  ['debug', 'Debug and above'],
  ['info', 'Info and above'],
  ['warn', 'Warn and above'],
  ['error', 'Error and above'],
  ['fatal', 'Fatal'],
];

/** Attributes shown on a line before "+N more". */
const SHOWN_ATTRS = 6;
/** Lines the page keeps at most, however many older pages and tailed lines it gathered. */
const MAX_LINES = 5000;
/** How often the live tail asks for new lines. */
const TAIL_EVERY_MS = 2000;

interface LogAnswer {
  logs: LogRecord[];
  nextCursor: string | null;
}

/** A log search answer: its lines newest first (the answer groups them by resource), and the next page's cursor. */
function readAnswer(doc: unknown): LogAnswer {
  const logs = decodeOtlpJsonLogs(doc).items;
  logs.sort((a, b) => (logLineTime(a) < logLineTime(b) ? 1 : logLineTime(a) > logLineTime(b) ? -1 : 0));
  const cursor = (doc as { nextCursor?: unknown }).nextCursor;
  return { logs, nextCursor: typeof cursor === 'string' ? cursor : null };
}

interface LogForm {
  q: string;
  service: string;
  severity: string;
  lookback: string;
  attrs: AttrFilter[];
}

function formFrom(p: URLSearchParams): LogForm {
  const attrs = attrsFromParams(p);
  return {
    q: p.get('q') ?? '',
    service: p.get('service') ?? '',
    severity: p.get('severity') ?? '',
    lookback: p.get('lookback') ?? (p.get('start') || p.get('end') ? 'custom' : '1h'),
    attrs: attrs.length ? attrs : [{ key: '', value: '' }],
  };
}

/** Filters the form shows; the rest of the URL (a trace, an absolute window, a limit) is kept as it is. */
function formQuery(f: LogForm, from: URLSearchParams): string {
  const q = new URLSearchParams();
  for (const k of ['traceId', 'limit', ...(f.lookback === 'custom' ? ['start', 'end'] : [])]) {
    const v = from.get(k);
    if (v) q.set(k, v);
  }
  if (f.q.trim()) q.set('q', f.q.trim());
  if (f.service) q.set('service', f.service);
  if (f.severity) q.set('severity', f.severity);
  if (f.lookback !== 'custom') q.set('lookback', f.lookback);
  appendAttrParams(q, f.attrs);
  return q.toString();
}

/** /logs: search log lines by text, severity, service, attribute and time; a line opens its trace at its span. */
export function LogsPage() {
  const loc = useLocation();
  const [f, setF] = useState(() => formFrom(loc.search));
  const key = loc.search.toString();
  useEffect(() => setF(formFrom(new URLSearchParams(key))), [key]);
  const [refreshed, setRefreshed] = useState(0);
  const services = useApi<{ services: string[] }>('/api/v1/services');

  // A lookback is resolved when the URL (or Refresh) asks again, so that "the last hour" means now.
  const path = useMemo(() => {
    const p = new URLSearchParams(key);
    const api = new URLSearchParams();
    for (const [k, v] of p) if (k !== 'lookback') api.append(k, v);
    if (!p.get('start') && !p.get('end')) {
      const r = lookbackRange(p.get('lookback') ?? '1h');
      api.set('start', `${r.start}`);
      api.set('end', `${r.end}`);
    }
    return `/api/v1/logs?${api.toString()}`;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, refreshed]);
  const answer = useApi<unknown>(path);
  const first = useMemo(() => (answer.data === undefined ? undefined : readAnswer(answer.data)), [answer.data]);
  // Older pages ("Load older") and tailed lines, for the current search only.
  const [older, setOlder] = useState<{ logs: LogRecord[]; cursor: string | null; loading: boolean; error?: Error } | null>(null);
  const [newer, setNewer] = useState<LogRecord[]>([]);
  const [live, setLive] = useState(false);
  useEffect(() => {
    setOlder(null);
    setNewer([]);
  }, [path]);
  const result = useMemo(() => {
    if (!first) return undefined;
    const all = distinctLogLines([...newer, ...first.logs, ...(older?.logs ?? [])]);
    return { logs: all.slice(0, MAX_LINES), cursor: older ? older.cursor : first.nextCursor, capped: all.length > MAX_LINES };
  }, [first, older, newer]);

  const loadOlder = () => {
    if (!result?.cursor || older?.loading) return;
    setOlder((o) => ({ logs: o?.logs ?? [], cursor: result.cursor, loading: true }));
    getJson<unknown>(`${path}&cursor=${encodeURIComponent(result.cursor)}`).then(
      (doc) => {
        const page = readAnswer(doc);
        setOlder((o) => ({ logs: [...(o?.logs ?? []), ...page.logs], cursor: page.nextCursor, loading: false }));
      },
      (error: Error) => setOlder((o) => ({ logs: o?.logs ?? [], cursor: o?.cursor ?? null, loading: false, error })),
    );
  };

  // The live tail asks for lines from the newest one shown until now (that line's time again, as lines can share
  // it; the ones already shown are dropped), with the same filters, following the answer's cursor so that a burst
  // of more than a page between two polls leaves no gap (up to what the view holds). Only for a window that ends now.
  const tailable = !loc.search.get('start') && !loc.search.get('end');
  const newest = useRef<bigint | null>(null);
  newest.current = result?.logs[0] ? logLineTime(result.logs[0]) : null;
  useEffect(() => {
    if (!live || !tailable) return;
    let stopped = false;
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const q = new URLSearchParams(path.slice(path.indexOf('?') + 1));
      if (newest.current !== null) q.set('start', `${newest.current}`);
      q.set('end', `${BigInt(Date.now() + 1000) * 1_000_000n}`);
      q.set('limit', '200');
      const since = async (): Promise<LogRecord[]> => {
        const fresh: LogRecord[] = [];
        let cursor: string | null = null;
        do {
          const page = readAnswer(await getJson<unknown>(`/api/v1/logs?${q.toString()}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
          fresh.push(...page.logs);
          cursor = page.nextCursor;
        } while (cursor !== null && fresh.length < MAX_LINES && !stopped);
        return fresh;
      };
      since()
        .then(
          (fresh) => {
            if (!stopped && fresh.length > 0) setNewer((n) => distinctLogLines([...fresh, ...n]).slice(0, MAX_LINES));
          },
          () => undefined,
        )
        .finally(() => (busy = false));
    }, TAIL_EVERY_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [live, tailable, path]);

  const upd = (patch: Partial<LogForm>) => setF((s) => ({ ...s, ...patch }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const q = formQuery(f, loc.search);
    if (q === key) setRefreshed((n) => n + 1);
    else navigate(`/logs?${q}`);
  };
  const addFilter = (k: string, v: string) => {
    const q = new URLSearchParams(key);
    q.append(`attr.${k}`, v);
    navigate(`/logs?${q.toString()}`);
  };
  const traceId = loc.search.get('traceId');
  const start = loc.search.get('start');
  const end = loc.search.get('end');

  return (
    <div className="logs-page">
      <form className="panel logs-form" onSubmit={submit} aria-label="Search logs">
        <label className="field logs-text">
          <span>Text in the message</span>
          <input type="search" placeholder="e.g. timeout" aria-label="Text in the message" value={f.q} onChange={(e) => upd({ q: e.target.value })} />
        </label>
        <label className="field">
          <span>Service</span>
          <NameSelect label="Service" value={f.service} names={services.data?.services} anyLabel="All services" onChange={(service) => upd({ service })} />
        </label>
        <label className="field">
          <span>Severity</span>
          <select aria-label="Severity" value={f.severity} onChange={(e) => upd({ severity: e.target.value })}>
            {SEVERITIES.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
            {f.severity && !SEVERITIES.some(([v]) => v === f.severity) && <option value={f.severity}>Severity ≥ {f.severity}</option>}
          </select>
        </label>
        <label className="field">
          <span>Time range</span>
          <select aria-label="Time range" value={f.lookback} onChange={(e) => upd({ lookback: e.target.value })}>
            {LOOKBACKS.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
            {(start || end) && <option value="custom">From the address</option>}
          </select>
        </label>
        <AttrFilters attrs={f.attrs} onChange={(attrs) => upd({ attrs })} />
        <button type="submit">Search logs</button>
        <label className="logs-live" title={tailable ? 'Show new lines as they arrive' : 'Only for a time range that ends now'}>
          <input type="checkbox" data-testid="logs-live" checked={live && tailable} disabled={!tailable} onChange={(e) => setLive(e.target.checked)} /> Live
        </label>
      </form>
      {(traceId || (f.lookback === 'custom' && (start || end))) && (
        <div className="callout warn" data-testid="logs-scope">
          {traceId && (
            <>
              Lines of trace <Link to={`/trace/${traceId}?tab=logs`}>{traceId}</Link>.{' '}
            </>
          )}
          {f.lookback === 'custom' && (start || end) && (
            <>
              Window {nanoToLocalInput(start) || 'start'} – {nanoToLocalInput(end) || 'now'}.{' '}
            </>
          )}
          <Link to={withQuery('/logs', { lookback: '1h' })}>Clear</Link>
        </div>
      )}
      {answer.error ? (
        <ErrorMessage error={answer.error} what="logs" />
      ) : !result ? (
        <Loading what="logs" />
      ) : result.logs.length === 0 ? (
        <Message title="No log lines match">
          Widen the time range or remove a filter. Logs arrive over OTLP (<code>/v1/logs</code>); Node apps send them with
          the pino or winston correlation of <code>@sextant/node</code>.
        </Message>
      ) : (
        <>
          <LogTable logs={result.logs} live={live && tailable} onFilter={addFilter} />
          <div className="logs-more">
            {result.capped ? (
              <span className="muted">The page keeps the latest {MAX_LINES.toLocaleString('en-US')} lines: narrow the filters or the time range for older ones.</span>
            ) : result.cursor ? (
              <button type="button" className="secondary" data-testid="logs-older" onClick={loadOlder} disabled={older?.loading}>
                {older?.loading ? 'Loading…' : 'Load older lines'}
              </button>
            ) : (
              <span className="muted" data-testid="logs-end">
                No older lines match in this time range.
              </span>
            )}
            {older?.error && <span className="error-text"> {older.error.message}</span>}
          </div>
        </>
      )}
    </div>
  );
}

function LogTable(props: { logs: LogRecord[]; live: boolean; onFilter: (key: string, value: string) => void }) {
  return (
    <div className="panel" style={{ padding: 0 }}>
      <div className="logs-count muted" data-testid="logs-count">
        {props.logs.length.toLocaleString('en-US')} line{props.logs.length === 1 ? '' : 's'}, newest first
        {props.live && <span className="badge">live: new lines appear at the top</span>}
      </div>
      <table className="data trace-logs">
        <thead>
          <tr>
            <th>Time</th>
            <th>Severity</th>
            <th>Service</th>
            <th>Message</th>
            <th>Trace</th>
          </tr>
        </thead>
        <tbody>
          {props.logs.map((log, i) => {
            const to = log.traceId ? withQuery(`/trace/${log.traceId}`, { span: log.spanId || undefined }) : null;
            return (
              <tr
                key={i}
                data-testid="log-row"
                data-trace-id={log.traceId || undefined}
                data-span-id={log.spanId || undefined}
                className={to ? 'clickable' : undefined}
                onClick={(e) => {
                  // Clicks on the row's own links and filter chips do their own thing.
                  if (to && !(e.target as HTMLElement).closest('a, button')) navigate(to);
                }}
              >
                <td className="nowrap">
                  <Time nano={log.timeUnixNano || log.observedTimeUnixNano} />
                </td>
                <LogSeverityCell log={log} />
                <LogServiceCell log={log} />
                <td className="log-body">
                  <div data-testid="log-body">{formatAttrValue(log.body)}</div>
                  {log.attributes.length > 0 && (
                    <div className="log-attrs">
                      {log.attributes.slice(0, SHOWN_ATTRS).map((a, j) => {
                        const v = formatAttrValue(a.value);
                        return (
                          <button key={j} type="button" className="log-attr" title={`Only lines with ${a.key} = ${v}`} onClick={() => props.onFilter(a.key, v)}>
                            {a.key}={v}
                          </button>
                        );
                      })}
                      {log.attributes.length > SHOWN_ATTRS && <span className="muted">+{log.attributes.length - SHOWN_ATTRS} more</span>}
                    </div>
                  )}
                </td>
                <td className="nowrap mono">
                  {to ? (
                    <Link to={to} title="Open the trace at this line's span">
                      {log.traceId.slice(0, 8)}… ↗
                    </Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
