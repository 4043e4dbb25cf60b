import { useMemo } from 'react';
import { serviceName, type LogRecord } from '@sextant/core';
import { serviceColor } from '../lib/colors.js';
import { formatAttrValue, formatDuration } from '../lib/format.js';
import { Time } from '../components/Time.js';
import { severityOf } from './SpanDetail.js';
import type { TraceLayout } from './layout.js';

/** The trace's log lines in time order, with the service and span each came from; a line opens its span. */
export function TraceLogs(props: { layout: TraceLayout; logs: LogRecord[] | undefined; onOpen: (pos: number) => void }) {
  const { layout } = props;
  const rows = useMemo(
    () =>
      (props.logs ?? [])
        .map((log) => ({ log, t: log.timeUnixNano || log.observedTimeUnixNano }))
        .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0)),
    [props.logs],
  );
  if (rows.length === 0)
    return (
      <div className="panel muted">
        No logs are correlated with this trace. Logs sent over OTLP with this trace id (for example pino or winston
        lines through @sextant/node) appear here.
      </div>
    );
  return (
    <div className="panel" style={{ padding: 0 }}>
      <table className="data trace-logs">
        <thead>
          <tr>
            <th>Time</th>
            <th className="num">+ from start</th>
            <th>Severity</th>
            <th>Service</th>
            <th>Span</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ log, t }, i) => {
            const pos = log.spanId ? layout.indexById.get(log.spanId) : undefined;
            return (
              <tr
                key={i}
                data-testid="trace-log-row"
                data-span-id={log.spanId || undefined}
                className={pos !== undefined ? 'clickable' : undefined}
                onClick={() => pos !== undefined && props.onOpen(pos)}
              >
                <td className="nowrap">
                  <Time nano={t} />
                </td>
                <td className="num">{formatDuration(t - layout.traceStartNano)}</td>
                <LogSeverityCell log={log} />
                <LogServiceCell log={log} />
                <td>{pos !== undefined ? layout.spans[pos].name : <span className="muted">{log.spanId || '—'}</span>}</td>
                <td className="log-body">{formatAttrValue(log.body)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** A log line's severity (its text, else the name of its number) as a table cell. */
export function LogSeverityCell({ log }: { log: LogRecord }) {
  const sev = severityOf(log);
  return (
    <td>
      <span className={`sev ${sev.cls}`}>{sev.text.toUpperCase() || 'LOG'}</span>
    </td>
  );
}

/** The service a log line came from, in its colour, as a table cell. */
export function LogServiceCell({ log }: { log: LogRecord }) {
  const svc = serviceName(log);
  return (
    <td className="nowrap">
      <span className="dot" style={{ background: serviceColor(svc), marginRight: 6 }} />
      {svc}
    </td>
  );
}
