import { useCallback, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { getAttr, type LogRecord, type Span } from '@sextant/core';
import type { IncomingLink } from '../lib/api-types.js';
import { serviceColor } from '../lib/colors.js';
import { formatMs } from '../lib/format.js';
import { Time } from '../components/Time.js';
import { buildTraceLayout, visibleRows, type TraceLayout } from './layout.js';
import { Timeline } from './Timeline.js';
import { SpanDetail } from './SpanDetail.js';
import { SelfTimeTable } from './SelfTimeTable.js';
import { QualityList } from './QualityList.js';
import { CriticalPathSummary } from './CriticalPathSummary.js';
import { RepeatedCalls, repeatedCallTitle } from './RepeatedCalls.js';
import { spanSearchText } from './span-text.js';
import type { TraceAnalysis } from './analysis-types.js';
import type { ViewParams } from './view-params.js';
import { ErrorBoundary } from '../components/ErrorBoundary.js';
import { FlameGraph } from './FlameGraph.js';
import { SpanTable } from './SpanTable.js';
import { TraceLogs } from './TraceLogs.js';

import { GenAiView, hasGenAi } from './GenAiView.js';

const TABS = ['timeline', 'flame', 'spans', 'critical', 'repeated', 'selftime', 'quality', 'logs', 'genai'] as const;
type Tab = (typeof TABS)[number];

/** The exception type a span recorded (its first exception event, else its attributes), if any. */
function exceptionType(s: Span): string | undefined {
  for (const e of s.events) {
    if (e.name !== 'exception') continue;
    const t = getAttr(e.attributes, 'exception.type');
    if (typeof t === 'string' && t) return t;
  }
  const t = getAttr(s.attributes, 'exception.type') ?? getAttr(s.attributes, 'error.type');
  return typeof t === 'string' && t ? t : undefined;
}

interface RootCauseGroup {
  positions: number[];
  service: string;
  name: string;
  type?: string;
  reason: string;
}

/** Root-cause spans that failed the same way (service, operation, exception type, reason) as one line with a count. */
function groupRootCauses(layout: TraceLayout, ids: readonly string[]): RootCauseGroup[] {
  const groups = new Map<string, RootCauseGroup>();
  for (const id of ids) {
    const pos = layout.indexById.get(id);
    if (pos === undefined) continue;
    const s = layout.spans[pos];
    const type = exceptionType(s);
    const reason = layout.errorReason[pos];
    const key = [layout.service[pos], s.name, type ?? '', reason].join('\u0000');
    const g = groups.get(key);
    if (g) g.positions.push(pos);
    else groups.set(key, { positions: [pos], service: layout.service[pos], name: s.name, type, reason });
  }
  return [...groups.values()];
}

/** The server's marker on a capped trace (`truncated` in the trace answer). */
export interface Truncation {
  maxSpans: number;
  message: string;
}

/**
 * One trace: header, tabs, waterfall with detail panel. Used for stored traces and for files opened in the
 * browser. The open span lives with the caller (the URL, for stored traces) so that links can point at a span.
 */
export function TraceView(props: {
  spans: Span[];
  analysis: TraceAnalysis | undefined;
  analysisError?: Error;
  /** The analysis is still being computed (a big trace's, in a worker): views that need it say so. */
  analysing?: boolean;
  logs: LogRecord[] | undefined;
  /** The server capped the trace (--max-trace-spans): only its first spans are here. */
  truncated?: Truncation;
  /** Spans of other traces that link to this one. */
  incomingLinks?: IncomingLink[];
  /** Open span (`span`), tab (`tab`) and self-time grouping (`by`). */
  params: ViewParams;
  actions?: ReactNode;
}) {
  const { spans, analysis, logs, params } = props;
  const layout = useMemo(() => buildTraceLayout(spans, analysis), [spans, analysis]);
  const tabParam = params.get('tab') as Tab | null;
  const tab: Tab = tabParam && (TABS as readonly string[]).includes(tabParam) ? tabParam : 'timeline';
  const setTab = (t: Tab) => params.set({ tab: t === 'timeline' ? null : t });
  const onOpenSpan = (id: string | null) => params.set({ span: id });
  const openSpanId = params.get('span');
  const [highlight, setHighlight] = useState<{ label: string; rows: ReadonlySet<number> } | null>(null);
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(() => new Set());
  const [view, setView] = useState<[number, number]>([0, layout.durationMs]);
  const [showCritical, setShowCritical] = useState(true);
  const [query, setQuery] = useState('');
  const openPos = openSpanId === null ? -1 : (layout.indexById.get(openSpanId) ?? -1);
  const [selected, setSelected] = useState(openPos >= 0 ? openPos : 0);

  const rows = useMemo(() => visibleRows(layout, collapsed), [layout, collapsed]);
  const searchText = useRef<string[] | null>(null);
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    const out = new Set<number>(highlight?.rows);
    if (!q) return out;
    if (!searchText.current) searchText.current = layout.spans.map((s, i) => spanSearchText(s, layout.service[i]));
    searchText.current.forEach((t, i) => t.includes(q) && out.add(i));
    return out;
  }, [query, layout, highlight]);

  /** Unfolds every collapsed ancestor of `pos` so that it has a row. */
  const reveal = useCallback(
    (pos: number) => {
      setCollapsed((c) => {
        let next: Set<number> | null = null;
        for (let p = layout.parent[pos]; p >= 0; p = layout.parent[p]) {
          if (c.has(p)) (next ??= new Set(c)).delete(p);
        }
        return next ?? c;
      });
    },
    [layout],
  );

  const open = useCallback(
    (pos: number) => {
      setSelected(pos);
      reveal(pos);
      params.set({ span: layout.spans[pos].spanId, tab: null });
    },
    [layout, reveal, params],
  );
  const openById = (id: string) => {
    const pos = layout.indexById.get(id);
    if (pos !== undefined) open(pos);
  };
  /** Marks a set of spans in the timeline (like find matches) and opens the first. */
  const highlightSpans = (label: string, ids: readonly string[]) => {
    const rows = new Set<number>();
    for (const id of ids) {
      const pos = layout.indexById.get(id);
      if (pos !== undefined) rows.add(pos);
    }
    if (rows.size === 0) return;
    for (const r of rows) reveal(r);
    setHighlight({ label, rows });
    open(Math.min(...rows));
  };
  const toggle = (pos: number) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (!next.delete(pos)) next.add(pos);
      return next;
    });

  const jumpMatch = (dir: 1 | -1) => {
    if (matches.size === 0) return;
    const list = [...matches].sort((a, b) => a - b);
    const cur = list.findIndex((p) => (dir === 1 ? p > selected : p >= selected));
    let idx = dir === 1 ? (cur < 0 ? 0 : cur) : (cur < 0 ? list.length : cur) - 1;
    if (idx < 0) idx = list.length - 1;
    open(list[idx]);
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const k = rows.indexOf(selected);
    const at = k < 0 ? 0 : k;
    switch (e.key) {
      case 'ArrowDown':
        if (at + 1 < rows.length) setSelected(rows[at + 1]);
        break;
      case 'ArrowUp':
        if (at > 0) setSelected(rows[at - 1]);
        break;
      case 'ArrowLeft':
        if (layout.childCount[selected] > 0 && !collapsed.has(selected)) toggle(selected);
        else if (layout.parent[selected] >= 0) setSelected(layout.parent[selected]);
        break;
      case 'ArrowRight':
        if (collapsed.has(selected)) toggle(selected);
        else if (layout.childCount[selected] > 0) setSelected(selected + 1);
        break;
      case 'Enter':
        open(selected);
        break;
      case 'Escape':
        onOpenSpan(null);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const zoomed = view[0] > 0 || view[1] < layout.durationMs;
  const rootCauses = useMemo(() => groupRootCauses(layout, analysis?.errors.rootCauseSpanIds ?? []), [layout, analysis]);
  const errorCount = layout.isError.reduce((a, b) => a + b, 0);
  const repeated = analysis?.nPlusOne ?? [];
  const spanName = (id: string) => {
    const pos = layout.indexById.get(id);
    return pos === undefined ? id : `${layout.service[pos]} · ${layout.spans[pos].name}`;
  };

  return (
    <div className="trace-page" data-analysis={analysis ? 'ready' : props.analysing ? 'pending' : 'none'}>
      <TraceHeader layout={layout} errorCount={errorCount} actions={props.actions} />
      {rootCauses.length > 0 && (
        <div className="callout" data-testid="root-cause-callout">
          <b>Root cause{rootCauses.length > 1 ? 's' : ''}:</b>
          {rootCauses.slice(0, 5).map((g) => (
            <button
              key={g.positions[0]}
              className="link"
              data-testid="root-cause"
              onClick={() =>
                g.positions.length > 1
                  ? highlightSpans(`${g.positions.length} failing ${g.service} · ${g.name}`, g.positions.map((p) => layout.spans[p].spanId))
                  : open(g.positions[0])
              }
            >
              {g.positions.length > 1 && <span className="badge error">{g.positions.length}×</span>} {g.service} · {g.name}
              {g.type && <span className="exc-type"> {g.type}</span>}
              {g.reason && !(g.type && g.reason === `exception ${g.type}`) ? ` — ${g.reason.replace(/^exception /, '')}` : ''}
            </button>
          ))}
          {rootCauses.length > 5 && <span className="muted">and {rootCauses.length - 5} more kinds</span>}
        </div>
      )}
      {repeated.length > 0 && (
        <div className="callout warn" data-testid="repeated-calls-callout">
          <b>Repeated calls:</b>
          {repeated.slice(0, 3).map((f, i) => (
            <button key={i} className="link" onClick={() => highlightSpans(repeatedCallTitle(f), f.spanIds)}>
              {repeatedCallTitle(f)}, {formatMs(Number(f.pattern === 'sequential' ? f.totalNano : f.wallNano) / 1e6)}
            </button>
          ))}
          <button className="small secondary" onClick={() => setTab('repeated')}>
            All {repeated.length}
          </button>
        </div>
      )}
      {analysis && analysis.clockSkew.length > 0 && (
        <div className="callout warn">
          <b>Clock skew corrected:</b> {analysis.clockSkew.length} span{analysis.clockSkew.length > 1 ? 's were' : ' was'}{' '}
          shifted so that calls fit inside their callers (marked <span className="badge warn">skew</span> in the timeline).
        </div>
      )}
      {props.truncated && (
        <div className="callout warn" data-testid="trace-truncated" role="status">
          <b>Trace truncated:</b> only its first {props.truncated.maxSpans.toLocaleString('en-US')} spans by start time are shown, and
          the analysis covers only them. The server caps a trace at <code>--max-trace-spans</code>: to see the rest, start{' '}
          <code>sextant serve</code> with a higher <code>--max-trace-spans</code> (memory grows with it).
        </div>
      )}
      {props.analysing && (
        <div className="callout" role="status" data-testid="analysis-pending">
          Analysing {spans.length.toLocaleString('en-US')} spans (critical path, clock skew, errors, repeated calls)…
        </div>
      )}
      {props.analysisError && (
        <div className="callout warn">Analysis unavailable ({props.analysisError.message}); showing raw spans.</div>
      )}
      <div className="tabs" role="tablist">
        <TabButton tab="timeline" cur={tab} set={setTab}>
          Timeline
        </TabButton>
        <TabButton tab="flame" cur={tab} set={setTab}>
          Flame graph
        </TabButton>
        <TabButton tab="spans" cur={tab} set={setTab}>
          Spans
        </TabButton>
        <TabButton tab="critical" cur={tab} set={setTab}>
          Critical path
        </TabButton>
        <TabButton tab="repeated" cur={tab} set={setTab}>
          Repeated calls {repeated.length > 0 && <span className="badge warn">{repeated.length}</span>}
        </TabButton>
        <TabButton tab="selftime" cur={tab} set={setTab}>
          Self time
        </TabButton>
        <TabButton tab="quality" cur={tab} set={setTab}>
          Quality{' '}
          {analysis && analysis.quality.length + repeated.length > 0 && (
            <span className="badge warn">{analysis.quality.length + repeated.length}</span>
          )}
        </TabButton>
        {hasGenAi(analysis) && (
          <TabButton tab="genai" cur={tab} set={setTab}>
            GenAI <span className="badge">{analysis.genAi.modelCalls + analysis.genAi.toolCalls}</span>
          </TabButton>
        )}
        <TabButton tab="logs" cur={tab} set={setTab}>
          Logs {logs && logs.length > 0 && <span className="badge">{logs.length}</span>}
        </TabButton>
      </div>
      {tab === 'timeline' && (
        <>
          <div className="toolbar">
            <input
              className="find"
              type="search"
              placeholder="Find in trace (name, attribute, id)…"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') jumpMatch(e.shiftKey ? -1 : 1);
              }}
            />
            {highlight && (
              <span className="chip" data-testid="highlight-chip">
                Marked: {highlight.label}
                <button className="ghost small" title="Clear" onClick={() => setHighlight(null)}>
                  ✕
                </button>
              </span>
            )}
            {query && (
              <>
                <span className="muted">{matches.size} match{matches.size === 1 ? '' : 'es'}</span>
                <button className="small secondary" onClick={() => jumpMatch(-1)} disabled={!matches.size}>
                  ↑
                </button>
                <button className="small secondary" onClick={() => jumpMatch(1)} disabled={!matches.size}>
                  ↓
                </button>
              </>
            )}
            <span className="grow" />
            <button
              className={`small ${showCritical ? 'on' : 'secondary'}`}
              onClick={() => setShowCritical(!showCritical)}
              disabled={!analysis}
              title="Highlight the critical path: the chain of work that determined the trace's duration"
            >
              Critical path
            </button>
            <button className="small secondary" onClick={() => setCollapsed(new Set())}>
              Expand all
            </button>
            <button
              className="small secondary"
              onClick={() => {
                const s = new Set<number>();
                for (let i = 0; i < layout.spans.length; i++) if (layout.depth[i] === 0 && layout.childCount[i] > 0) s.add(i);
                setCollapsed(s);
              }}
            >
              Collapse all
            </button>
            {zoomed && (
              <button className="small secondary" onClick={() => setView([0, layout.durationMs])}>
                Reset zoom ({formatMs(view[1] - view[0])})
              </button>
            )}
          </div>
          <div className="trace-body">
            <Timeline
              layout={layout}
              state={{ collapsed, rows, selected, view, showCritical: showCritical && !!analysis, matches }}
              onToggle={toggle}
              onSelect={setSelected}
              onOpen={open}
              onView={setView}
              onKey={onKey}
            />
            {openPos >= 0 && (
              <SpanDetail
                key={openPos}
                layout={layout}
                pos={openPos}
                logs={logs}
                incoming={props.incomingLinks}
                onClose={() => onOpenSpan(null)}
                onSelectSpan={openById}
              />
            )}
          </div>
        </>
      )}
      {(tab === 'flame' || tab === 'spans') && (
        <div className="tab-body">
          <ErrorBoundary what="view" resetKey={tab}>
            {tab === 'flame' ? (
              <FlameGraph
                layout={layout}
                view={view}
                onView={setView}
                selected={selected}
                onSelect={(pos) => {
                  setSelected(pos);
                  params.set({ span: layout.spans[pos].spanId });
                }}
                onOpen={open}
              />
            ) : (
              <SpanTable layout={layout} onOpen={open} />
            )}
          </ErrorBoundary>
        </div>
      )}
      {tab !== 'timeline' && tab !== 'logs' && tab !== 'flame' && tab !== 'spans' && (
        <div className="tab-body">
          <ErrorBoundary what="view" resetKey={tab}>
            {!analysis ? (
              <div className="panel muted">{props.analysing ? 'Analysing the trace…' : 'Analysis unavailable.'}</div>
            ) : tab === 'critical' ? (
              <CriticalPathSummary analysis={analysis} onSelect={(ids) => highlightSpans('critical path of the operation', ids)} />
            ) : tab === 'repeated' ? (
              <RepeatedCalls analysis={analysis} parentName={spanName} onSelect={(ids) => highlightSpans(`${ids.length} repeated calls`, ids)} />
            ) : tab === 'genai' ? (
              hasGenAi(analysis) ? <GenAiView analysis={analysis} layout={layout} onOpenSpan={openById} /> : <div className="panel muted">This trace has no GenAI spans.</div>
            ) : tab === 'selftime' ? (
              <SelfTimeTable analysis={analysis} by={params.get('by') === 'operation' ? 'operation' : 'service'} onBy={(by) => params.set({ by: by === 'service' ? null : by })} />
            ) : (
              <QualityList analysis={analysis} onSelectSpan={openById} onSelectSpans={(ids) => highlightSpans(`${ids.length} repeated calls`, ids)} />
            )}
          </ErrorBoundary>
        </div>
      )}
      {tab === 'logs' && (
        <div className="tab-body">
          <ErrorBoundary what="view" resetKey={tab}>
            <TraceLogs layout={layout} logs={logs} onOpen={open} />
          </ErrorBoundary>
        </div>
      )}
    </div>
  );
}

function TabButton(props: { tab: Tab; cur: Tab; set: (t: Tab) => void; children: ReactNode }) {
  return (
    <button role="tab" aria-selected={props.tab === props.cur} className={props.tab === props.cur ? 'active' : undefined} onClick={() => props.set(props.tab)}>
      {props.children}
    </button>
  );
}

function TraceHeader(props: { layout: TraceLayout; errorCount: number; actions?: ReactNode }) {
  const { layout } = props;
  const rootPos = 0;
  const root = layout.spans[rootPos];
  return (
    <div className="trace-header">
      <h1>
        <span className="dot" style={{ background: serviceColor(layout.service[rootPos]) }} />
        <span className="name">
          {layout.service[rootPos]}: {root.name}
        </span>
      </h1>
      <div className="stats">
        <span>
          <span className="label">Duration</span>
          <b>{formatMs(layout.durationMs)}</b>
        </span>
        <span>
          <span className="label">Start</span>
          <b>
            <Time nano={layout.traceStartNano} />
          </b>
        </span>
        <span>
          <span className="label">Services</span>
          <b>{layout.services.length}</b>
        </span>
        <span>
          <span className="label">Depth</span>
          <b>{layout.maxDepth + 1}</b>
        </span>
        <span>
          <span className="label">Spans</span>
          <b>{layout.spans.length.toLocaleString('en-US')}</b>
        </span>
        <span>
          <span className="label">Errors</span>
          <b className={props.errorCount ? 'error-text' : undefined}>{props.errorCount}</b>
        </span>
        <span className="mono muted" title="Trace id">
          {root.traceId}
        </span>
      </div>
      <span style={{ flex: 1 }} />
      {props.actions}
    </div>
  );
}

