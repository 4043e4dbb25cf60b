import '../traceql/traceql.css';
import { useMemo, useState } from 'react';
import { TraceQLError, parseTraceQL } from '@sextant/core';
import { useApi, enc } from '../lib/api.js';
import { Link, updateQuery, useLocation } from '../lib/router.js';
import { lookbackRange } from '../lib/time-range.js';
import { formatDuration, formatLocalTime } from '../lib/format.js';
import { LookbackSelect } from '../components/LookbackSelect.js';
import { ErrorMessage, Loading, Message } from '../components/Message.js';
import { TraceQLEditor } from '../traceql/TraceQLEditor.js';
import { TraceQLMetrics } from '../traceql/TraceQLMetrics.js';

interface SearchSpan {
  spanID: string;
  name: string;
  startTimeUnixNano: string;
  durationNanos: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}
interface SpanSet {
  spans: SearchSpan[];
  matched: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
}
interface TempoTrace {
  traceID: string;
  rootServiceName: string;
  rootTraceName: string;
  startTimeUnixNano: string;
  durationMs: number;
  spanSets: SpanSet[];
}
interface TempoSearch {
  traces: TempoTrace[];
  metrics: { inspectedTraces: number; inspectedSpans: string; additionalMetrics?: { truncated?: string; candidateBound?: string } };
}

const EXAMPLE = '{ resource.service.name != nil && duration > 100ms }';

export function anyValueText(v: Record<string, unknown>): string {
  const x = Object.values(v)[0];
  return x === undefined ? 'nil' : String(x);
}

/** Whether the text parses; the editor underlines the error itself, this only decides what may be run. */
function parseError(text: string): string | null {
  try {
    parseTraceQL(text);
    return null;
  } catch (e) {
    if (e instanceof TraceQLError) return e.message;
    throw e;
  }
}

/** /traceql?q=…&view=search|metrics: TraceQL search with matched spans per trace, or TraceQL metrics. */
export function TraceQLPage() {
  const loc = useLocation();
  const q = loc.search.get('q') ?? EXAMPLE;
  const view = loc.search.get('view') === 'metrics' ? 'metrics' : 'search';
  const lookback = loc.search.get('lookback') ?? '1h';
  const [draft, setDraft] = useState(q);
  const error = parseError(draft);
  const run = (text: string) => {
    if (parseError(text) === null) updateQuery({ q: text });
  };
  return (
    <div className="traceql-page">
      <div className="panel traceql-bar">
        <div className="traceql-tabs" role="tablist">
          <button role="tab" aria-selected={view === 'search'} className={view === 'search' ? 'active' : ''} onClick={() => updateQuery({ view: null })}>
            Search
          </button>
          <button role="tab" aria-selected={view === 'metrics'} className={view === 'metrics' ? 'active' : ''} onClick={() => updateQuery({ view: 'metrics' })}>
            Metrics
          </button>
        </div>
        <TraceQLEditor value={q} onChange={setDraft} onRun={run} />
        <div className="traceql-actions">
          <LookbackSelect value={lookback} onChange={(v) => updateQuery({ lookback: v === '1h' ? null : v || 'any' })} />
          <button onClick={() => run(draft)} disabled={error !== null} data-testid="traceql-run">
            Run query
          </button>
        </div>
        {error && draft.trim() !== '' && (
          <p className="traceql-error" role="alert" data-testid="traceql-error">
            {error}
          </p>
        )}
      </div>
      {view === 'search' ? <TraceQLResults q={q} lookback={lookback} /> : <TraceQLMetrics q={q} lookback={lookback === 'any' ? '1h' : lookback} />}
    </div>
  );
}

function TraceQLResults({ q, lookback }: { q: string; lookback: string }) {
  const range = useMemo(() => lookbackRange(lookback === 'any' ? null : lookback), [lookback, q]);
  const res = useApi<TempoSearch>(`/api/search?q=${enc(q)}&limit=50&spss=10&start=${range.start}&end=${range.end}`);
  if (res.error) return <ErrorMessage error={res.error} what="TraceQL results" />;
  if (!res.data) return <Loading what="TraceQL results" />;
  const m = res.data.metrics;
  const truncated = m.additionalMetrics?.truncated === '1';
  return (
    <section aria-label="TraceQL results" data-testid="traceql-results">
      <p className="muted">
        {res.data.traces.length} traces matched; inspected {m.inspectedTraces} traces ({m.inspectedSpans} spans)
        {truncated && `, stopped at the bound of ${m.additionalMetrics?.candidateBound} candidate traces: narrow the query or the time range`}.
      </p>
      {res.data.traces.length === 0 ? (
        <Message title="No traces match">Nothing in this time range matches the query.</Message>
      ) : (
        res.data.traces.map((t) => (
          <article key={t.traceID} className="panel traceql-trace" data-testid="traceql-trace" data-trace-id={t.traceID}>
            <header>
              <Link to={`/trace/${t.traceID}`}>
                <b>{t.rootServiceName}</b>: {t.rootTraceName}
              </Link>{' '}
              <span className="muted">
                {formatLocalTime(t.startTimeUnixNano)} · {t.durationMs} ms · {t.traceID}
              </span>
            </header>
            {t.spanSets.map((set, i) => (
              <div key={i} className="traceql-spanset">
                <div className="muted">
                  {set.matched} matched span{set.matched === 1 ? '' : 's'}
                  {set.attributes?.map((a) => ` · ${a.key} = ${anyValueText(a.value)}`)}
                </div>
                <ul>
                  {set.spans.map((s) => (
                    <li key={s.spanID} data-testid="traceql-span">
                      <Link to={`/trace/${t.traceID}?span=${s.spanID}`}>{s.name}</Link>{' '}
                      <span className="muted">
                        {formatDuration(s.durationNanos)}
                        {s.attributes.map((a) => ` · ${a.key}=${anyValueText(a.value)}`)}
                      </span>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </article>
        ))
      )}
    </section>
  );
}
