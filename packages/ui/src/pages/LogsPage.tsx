import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { decodeOtlpJsonLogs, type LogRecord } from '@sextant/core';
import { useApi } from '../lib/api.js';
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
  const result = useMemo(() => {
    if (answer.data === undefined) return undefined;
    const logs = decodeOtlpJsonLogs(answer.data).items;
    const t = (l: LogRecord) => l.timeUnixNano || l.observedTimeUnixNano;
    // The answer groups lines by resource: put them back in time order, newest first.
    logs.sort((a, b) => (t(a) < t(b) ? 1 : t(a) > t(b) ? -1 : 0));
    return { logs, more: (answer.data as { more?: boolean }).more === true };
  }, [answer.data]);

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
        <LogTable logs={result.logs} more={result.more} onFilter={addFilter} />
      )}
    </div>
  );
}

function LogTable(props: { logs: LogRecord[]; more: boolean; onFilter: (key: string, value: string) => void }) {
  return (
    <div className="panel" style={{ padding: 0 }}>
      <div className="logs-count muted" data-testid="logs-count">
        {props.more ? `The latest ${props.logs.length} matching lines; more match: narrow the filters or the time range.` : `${props.logs.length} matching line${props.logs.length === 1 ? '' : 's'}`}
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
