import { getAttr, type KeyValue, type LogRecord, type Span } from '@sextant/core';
import type { IncomingLink } from '../lib/api-types.js';
import { Link } from '../lib/router.js';
import { serviceColor } from '../lib/colors.js';
import { formatAttrValue, formatDuration, formatMs } from '../lib/format.js';
import { Time } from '../components/Time.js';
import { kindName, statusName } from './span-text.js';
import type { TraceLayout } from './layout.js';

/** Everything about one span. Every string here came from the span and is rendered as React text. */
export function SpanDetail(props: {
  layout: TraceLayout;
  pos: number;
  logs: LogRecord[] | undefined;
  /** Spans of other traces that link to this trace (those naming this span are listed). */
  incoming?: IncomingLink[];
  onClose: () => void;
  onSelectSpan: (spanId: string) => void;
}) {
  const { layout, pos } = props;
  const s = layout.spans[pos];
  const svc = layout.service[pos];
  const parentPos = layout.parent[pos];
  const logs = props.logs?.filter((l) => l.spanId === s.spanId) ?? [];
  // A link naming a span this view does not hold (not stored, or cut by truncation) is listed on the root spans.
  const incoming =
    props.incoming?.filter((l) => l.linkedSpanId === s.spanId || (parentPos < 0 && !layout.indexById.has(l.linkedSpanId))) ?? [];
  const skew = layout.skewMs[pos];

  return (
    <aside className="detail" data-testid="span-detail" aria-label="Span detail">
      <div className="detail-head">
        <span className="dot" style={{ background: serviceColor(svc), marginTop: 6 }} />
        <h2>
          {svc} <span className="muted">·</span> {s.name}
        </h2>
        <button className="ghost small" onClick={props.onClose} title="Close (Esc)">
          ✕
        </button>
      </div>
      <div className="stats" style={{ margin: '6px 0 8px' }}>
        <span>
          <span className="label">Duration</span>
          <b>{formatDuration(s.endTimeUnixNano - s.startTimeUnixNano)}</b>
        </span>
        <span>
          <span className="label">Start</span>
          <b>+{formatMs(layout.startMs[pos])}</b>
        </span>
        <span>
          <span className="label">Kind</span>
          <b>{kindName(s.kind)}</b>
        </span>
        <span>
          <span className="label">Status</span>
          <b className={s.status.code === 2 ? 'error-text' : undefined}>{statusName(s.status.code)}</b>
        </span>
      </div>
      {layout.isError[pos] === 1 && (
        <div className="callout">
          <b>{layout.isRootCause[pos] ? 'Root-cause error:' : 'Error:'}</b> {layout.errorReason[pos]}
          {layout.isRootCause[pos] === 1 && <span className="muted">(nothing this span called failed)</span>}
        </div>
      )}
      {skew !== 0 && (
        <div className="callout warn" style={{ marginTop: 6 }}>
          Clock skew: shown shifted by {formatMs(skew)} so it fits inside its parent.
        </div>
      )}
      <table className="kv" style={{ marginTop: 8 }}>
        <tbody>
          <Row k="span id" v={s.spanId} />
          <Row k="trace id" v={s.traceId} />
          <tr>
            <td className="k">parent</td>
            <td className="v">
              {parentPos >= 0 ? (
                <a href="#" onClick={(e) => (e.preventDefault(), props.onSelectSpan(layout.spans[parentPos].spanId))}>
                  {layout.spans[parentPos].name}
                </a>
              ) : s.parentSpanId ? (
                `${s.parentSpanId} (not in this trace)`
              ) : (
                'none (root)'
              )}
            </td>
          </tr>
          <tr>
            <td className="k">started</td>
            <td className="v">
              <Time nano={s.startTimeUnixNano} />
            </td>
          </tr>
          {s.status.message && <Row k="status message" v={s.status.message} />}
          {s.traceState && <Row k="trace state" v={s.traceState} />}
        </tbody>
      </table>

      <Attrs title="Span attributes" attrs={s.attributes} dropped={s.droppedAttributesCount} />
      <Attrs title="Resource" attrs={s.resource.attributes} dropped={s.resource.droppedAttributesCount} />
      {(s.scope.name || s.scope.attributes.length > 0) && (
        <>
          <h3>Instrumentation scope</h3>
          <table className="kv">
            <tbody>
              <Row k="name" v={s.scope.name} />
              {s.scope.version && <Row k="version" v={s.scope.version} />}
              {s.scope.attributes.map((kv, i) => (
                <Row key={i} k={kv.key} v={formatAttrValue(kv.value)} />
              ))}
            </tbody>
          </table>
        </>
      )}

      {s.events.length > 0 && (
        <>
          <h3>Events ({s.events.length})</h3>
          {s.events.map((e, i) => (
            <SpanEventView key={i} span={s} name={e.name} time={e.timeUnixNano} attrs={e.attributes} />
          ))}
        </>
      )}

      {s.links.length > 0 && (
        <>
          <h3>Links ({s.links.length})</h3>
          {s.links.map((l, i) => (
            <div key={i} className="event">
              {l.traceId === s.traceId ? (
                <a href="#" onClick={(e) => (e.preventDefault(), props.onSelectSpan(l.spanId))}>
                  span {l.spanId} in this trace
                </a>
              ) : (
                <Link to={`/trace/${encodeURIComponent(l.traceId)}?span=${encodeURIComponent(l.spanId)}`}>
                  trace {l.traceId} · span {l.spanId}
                </Link>
              )}
              {l.attributes.length > 0 && <AttrTable attrs={l.attributes} />}
            </div>
          ))}
        </>
      )}

      {incoming.length > 0 && (
        <>
          <h3>Linked from ({incoming.length})</h3>
          {incoming.map((l, i) => (
            <div key={i} className="event" data-testid="incoming-link">
              <Link to={`/trace/${encodeURIComponent(l.traceId)}?span=${encodeURIComponent(l.spanId)}`}>
                {l.service} · {l.name}
              </Link>{' '}
              <span className="muted mono">
                trace {l.traceId} · span {l.spanId}
              </span>
            </div>
          ))}
        </>
      )}

      <h3>Logs ({logs.length})</h3>
      {props.logs === undefined ? (
        <div className="muted">No logs loaded for this trace.</div>
      ) : logs.length === 0 ? (
        <div className="muted">No log records carry this span id.</div>
      ) : (
        logs.map((l, i) => <LogLine key={i} log={l} />)
      )}
    </aside>
  );
}

function SpanEventView(props: { span: Span; name: string; time: bigint; attrs: KeyValue[] }) {
  const isException = props.name === 'exception';
  const stack = isException ? getAttr(props.attrs, 'exception.stacktrace') : undefined;
  const rest = stack === undefined ? props.attrs : props.attrs.filter((kv) => kv.key !== 'exception.stacktrace');
  return (
    <div className={`event${isException ? ' exception' : ''}`}>
      <div>
        <b>{props.name}</b>{' '}
        <span className="muted">
          +{formatDuration(props.time - props.span.startTimeUnixNano)} · <Time nano={props.time} />
        </span>
      </div>
      {rest.length > 0 && <AttrTable attrs={rest} />}
      {stack !== undefined && <div className="stack">{formatAttrValue(stack)}</div>}
    </div>
  );
}

/** A log record's severity as shown (`text`, upper-case in the UI) and the class that colours it. */
export function severityOf(log: LogRecord): { text: string; cls: string } {
  const sev = (log.severityText || severityFromNumber(log.severityNumber)).toLowerCase();
  return { text: sev, cls: sev.startsWith('err') ? 'error' : sev.startsWith('fatal') ? 'fatal' : sev.startsWith('warn') ? 'warn' : '' };
}

export function LogLine({ log }: { log: LogRecord }) {
  const { text: sev, cls } = severityOf(log);
  return (
    <div className="log">
      <span className="muted">
        <Time nano={log.timeUnixNano || log.observedTimeUnixNano} />
      </span>{' '}
      <span className={`sev ${cls}`}>
        {sev.toUpperCase() || 'LOG'}
      </span>
      {formatAttrValue(log.body)}
      {log.attributes.length > 0 && <AttrTable attrs={log.attributes} />}
    </div>
  );
}

function severityFromNumber(n: number): string {
  if (n >= 21) return 'fatal';
  if (n >= 17) return 'error';
  if (n >= 13) return 'warn';
  if (n >= 9) return 'info';
  if (n >= 5) return 'debug';
  if (n >= 1) return 'trace';
  return '';
}

function Attrs(props: { title: string; attrs: KeyValue[]; dropped: number }) {
  if (props.attrs.length === 0 && props.dropped === 0) return null;
  return (
    <>
      <h3>
        {props.title} ({props.attrs.length})
      </h3>
      <AttrTable attrs={props.attrs} />
      {props.dropped > 0 && <div className="muted">{props.dropped} attributes were dropped by the sender.</div>}
    </>
  );
}

function AttrTable({ attrs }: { attrs: KeyValue[] }) {
  const sorted = attrs.slice().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return (
    <table className="kv">
      <tbody>
        {sorted.map((kv, i) => (
          <Row key={i} k={kv.key} v={formatAttrValue(kv.value)} />
        ))}
      </tbody>
    </table>
  );
}

function Row({ k, v }: { k: string; v: string }) {
  return (
    <tr>
      <td className="k">{k}</td>
      <td className="v">{v}</td>
    </tr>
  );
}
