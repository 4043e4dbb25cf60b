import { useEffect, useMemo, useState } from 'react';
import { getJson, useApi } from '../lib/api.js';
import type { TraceSearchResult, TraceSummary } from '../lib/api-types.js';
import { serviceColor } from '../lib/colors.js';
import { formatDuration } from '../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../lib/router.js';
import { resolveRange } from '../lib/time-range.js';
import { ErrorMessage, Loading, Message, NoDataYet } from '../components/Message.js';
import { Time } from '../components/Time.js';
import { CopyButton } from '../components/CopyButton.js';
import { SearchForm } from './SearchForm.js';
import { TraceScatter, type ScatterSelection } from './TraceScatter.js';

type SortKey = 'recent' | 'longest' | 'shortest' | 'spans' | 'errors';
const SORTS: [SortKey, string][] = [
  ['recent', 'Most recent'],
  ['longest', 'Longest first'],
  ['shortest', 'Shortest first'],
  ['spans', 'Most spans'],
  ['errors', 'Most errors'],
];

/** The query the API gets for the search in the URL (relative ranges resolved; the server sorts the whole match). */
function apiQuery(search: URLSearchParams): URLSearchParams {
  return resolveRange(search);
}

/** /search: filters on the left; scatter plot and result list on the right. */
export function SearchPage() {
  const loc = useLocation();
  const search = loc.search;
  const searchKey = search.toString();
  // Resolved once per URL: "last hour" means the hour before the search ran, not before each re-render.
  const query = useMemo(() => apiQuery(new URLSearchParams(searchKey)), [searchKey]);
  const first = useApi<TraceSearchResult>(`/api/v1/traces?${query.toString()}`);
  const [more, setMore] = useState<{ traces: TraceSummary[]; cursor: string | null; loading: boolean; error?: Error }>();
  useEffect(() => setMore(undefined), [searchKey]);
  const services = useApi<{ services: string[] }>('/api/v1/services');
  const [selection, setSelection] = useState<ScatterSelection | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const sortKey = (search.get('sort') as SortKey | null) ?? 'recent';

  const traces = useMemo(() => [...(first.data?.traces ?? []), ...(more?.traces ?? [])], [first.data, more]);
  const cursor = more ? more.cursor : (first.data?.nextCursor ?? null);

  const loadMore = () => {
    if (!cursor) return;
    const q = new URLSearchParams(query);
    q.set('cursor', cursor);
    setMore((m) => ({ traces: m?.traces ?? [], cursor, loading: true }));
    getJson<TraceSearchResult>(`/api/v1/traces?${q.toString()}`).then(
      (r) => setMore((m) => ({ traces: [...(m?.traces ?? []), ...r.traces], cursor: r.nextCursor, loading: false })),
      (error: Error) => setMore((m) => ({ traces: m?.traces ?? [], cursor, loading: false, error })),
    );
  };

  const compareSelection = () => {
    if (!selection) return;
    const base = new URLSearchParams(query);
    base.delete('cursor');
    base.delete('limit');
    const sel = new URLSearchParams(base);
    sel.set('start', `${selection.startNano}`);
    sel.set('end', `${selection.endNano}`);
    sel.set('traceMinDuration', `${selection.minDurNano}`);
    sel.set('traceMaxDuration', `${selection.maxDurNano}`);
    // The baseline is the search itself: the dragged traces against the others it found.
    navigate(withQuery('/compare', { selection: sel.toString(), baseline: base.toString() }));
  };

  const noData = services.data && services.data.services.length === 0;

  return (
    <div className="search-layout">
      <SearchForm params={search} />
      <section aria-label="Search results">
        {first.error ? (
          <ErrorMessage error={first.error} what="traces" />
        ) : first.loading && !first.data ? (
          <Loading what="traces" />
        ) : noData && traces.length === 0 ? (
          <NoDataYet />
        ) : traces.length === 0 ? (
          <Message title="No traces match">
            Nothing matches these filters. Widen the time range, remove a filter, or check the service and attribute
            names (they are case-sensitive).
          </Message>
        ) : (
          <>
            <TraceScatter traces={traces} onOpen={(id) => navigate(`/trace/${id}`)} onSelect={setSelection} />
            {selection && (
              <div className="callout warn" style={{ marginBottom: 12 }}>
                <b>{selection.count} traces selected</b> ({formatDuration(selection.minDurNano)} –{' '}
                {formatDuration(selection.maxDurNano)}).
                <button className="small" onClick={compareSelection}>
                  Compare with the rest
                </button>
                <button className="small secondary" onClick={() => setSelection(null)}>
                  Clear
                </button>
              </div>
            )}
            <div className="results-head">
              <h2>
                {traces.length} trace{traces.length === 1 ? '' : 's'}
                {cursor ? '+' : ''}
              </h2>
              {picked.length > 0 && (
                <button
                  className="small"
                  disabled={picked.length !== 2}
                  onClick={() => navigate(withQuery('/compare', { a: picked[0], b: picked[1] }))}
                  title="Tick two traces to compare them side by side"
                >
                  Compare {picked.length}/2
                </button>
              )}
              <label className="sort-bar">
                Sort
                <select
                  value={sortKey}
                  onChange={(e) => {
                    const q = new URLSearchParams(search);
                    q.set('sort', e.target.value);
                    navigate(`/search?${q.toString()}`, { replace: true });
                  }}
                >
                  {SORTS.map(([k, label]) => (
                    <option key={k} value={k}>
                      {label}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <div className="trace-list">
              {traces.map((t) => (
                <TraceRow
                  key={t.traceId}
                  t={t}
                  picked={picked.includes(t.traceId)}
                  onPick={(on) =>
                    setPicked((p) => (on ? [...p.filter((x) => x !== t.traceId), t.traceId].slice(-2) : p.filter((x) => x !== t.traceId)))
                  }
                />
              ))}
            </div>
            {more?.error && <ErrorMessage error={more.error} what="more traces" />}
            {cursor && (
              <div style={{ textAlign: 'center', margin: 16 }}>
                <button className="secondary" onClick={loadMore} disabled={more?.loading}>
                  {more?.loading ? 'Loading…' : 'Load more'}
                </button>
              </div>
            )}
          </>
        )}
      </section>
    </div>
  );
}

function TraceRow({ t, picked, onPick }: { t: TraceSummary; picked: boolean; onPick: (on: boolean) => void }) {
  const services = t.services.slice().sort((a, b) => b.spanCount - a.spanCount);
  return (
    <Link to={`/trace/${t.traceId}`} className="trace-card" data-testid="trace-row" data-trace-id={t.traceId}>
      <div className="title">
        <input
          type="checkbox"
          className="cmp-check"
          checked={picked}
          aria-label="Pick for comparison"
          onClick={(e) => e.stopPropagation()}
          onChange={(e) => onPick(e.target.checked)}
        />
        <span className="dot" style={{ background: serviceColor(t.rootService), marginRight: 6 }} />
        {t.rootService}: {t.rootName}
      </div>
      <div className="dur">{formatDuration(t.durationNano)}</div>
      <div className="meta">
        <span className="badge">{t.spanCount} spans</span>
        {t.errorCount > 0 && <span className="badge error">{t.errorCount} errors</span>}
        {services.slice(0, 8).map((s) => (
          <span key={s.name} className="svc-chip" title={`${s.spanCount} spans, ${s.errorCount} errors`}>
            <span className="dot" style={{ background: serviceColor(s.name) }} />
            {s.name} <span className="muted">{s.spanCount}</span>
            {s.errorCount > 0 && <span className="error-text">!</span>}
          </span>
        ))}
        {services.length > 8 && <span className="muted">+{services.length - 8} more</span>}
      </div>
      <div className="when">
        <Time nano={t.startUnixNano} />
        <div className="trace-id">
          <span className="mono" data-testid="trace-id">
            {t.traceId}
          </span>
          <CopyButton text={t.traceId} label="Copy trace id" />
        </div>
      </div>
    </Link>
  );
}
