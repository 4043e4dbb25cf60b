import { useEffect, useMemo, useState } from 'react';
import { PATH_SEPARATOR, alignTraces, defaultCohortBaseline, decodeOtlpJsonTraces, type AlignedCall, type Span, type TraceComparison } from '@sextant/core';
import { enc, getJson, useApi } from '../lib/api.js';
import { serviceColor } from '../lib/colors.js';
import { formatDuration } from '../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../lib/router.js';
import { ErrorMessage, Loading, Message } from '../components/Message.js';
import { CohortView } from './CohortView.js';
import type { TraceSummary } from '../lib/api-types.js';
import { Time } from '../components/Time.js';

/** /compare?a=&b= (two traces) or /compare?selection=&baseline= (two cohorts). */
export function ComparePage() {
  const loc = useLocation();
  const a = loc.search.get('a');
  const b = loc.search.get('b');
  const selection = loc.search.get('selection');
  if (a && b) return <TwoTraces a={a} b={b} />;
  if (selection !== null) {
    const given = loc.search.get('baseline');
    const fallback = defaultCohortBaseline(selection);
    return <CohortView selection={selection} baseline={given ?? fallback.query} defaultDropped={given === null ? fallback.dropped : null} />;
  }
  return <ComparePicker a={a ?? ''} />;
}

function TwoTraces({ a, b }: { a: string; b: string }) {
  const [state, setState] = useState<{ spans?: [Span[], Span[]]; error?: Error }>({});
  const [onlyDiff, setOnlyDiff] = useState(false);
  useEffect(() => {
    const ctl = new AbortController();
    const load = (id: string) => getJson<unknown>(`/api/v1/traces/${enc(id)}`, ctl.signal).then((d) => decodeOtlpJsonTraces(d).items);
    Promise.all([load(a), load(b)]).then(
      (spans) => setState({ spans: spans as [Span[], Span[]] }),
      (error: Error) => error.name !== 'AbortError' && setState({ error }),
    );
    return () => ctl.abort();
  }, [a, b]);
  const rows = useMemo(() => (state.spans ? alignTraces(...state.spans) : []), [state.spans]);
  const summary = useApi<TraceComparison>(`/api/v1/compare?a=${enc(a)}&b=${enc(b)}`);
  if (state.error) return <ErrorMessage error={state.error} what="the traces to compare" />;
  if (!state.spans) return <Loading what="both traces" />;

  const total = (spans: Span[]) => {
    let s = spans[0]?.startTimeUnixNano ?? 0n;
    let e = s;
    for (const x of spans) {
      if (x.startTimeUnixNano < s) s = x.startTimeUnixNano;
      if (x.endTimeUnixNano > e) e = x.endTimeUnixNano;
    }
    return e - s;
  };
  const [ta, tb] = state.spans.map(total);
  const onlyA = rows.filter((r) => !r.b).length;
  const onlyB = rows.filter((r) => !r.a).length;
  const shown = onlyDiff ? rows.filter((r) => !r.a || !r.b || significant(r)) : rows;
  return (
    <div>
      <div className="toolbar" style={{ marginBottom: 12 }}>
        <h1>Compare traces</h1>
        <span className="grow" />
        <label className="check">
          <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> Only differences
        </label>
        <button className="small secondary" onClick={() => navigate(withQuery('/compare', { a: b, b: a }))}>
          Swap A and B
        </button>
      </div>
      <div className="cmp-grid" style={{ marginBottom: 12 }}>
        {[
          ['A', a, ta, state.spans[0].length, onlyA],
          ['B', b, tb, state.spans[1].length, onlyB],
        ].map(([label, id, dur, n, only]) => (
          <div className="panel" key={label as string}>
            <b>{label as string}</b>{' '}
            <Link className="mono" to={`/trace/${enc(id as string)}`}>
              {id as string}
            </Link>
            <div className="stats">
              <span>
                <span className="label">Duration</span>
                <b>{formatDuration(dur as bigint)}</b>
              </span>
              <span>
                <span className="label">Spans</span>
                <b>{n as number}</b>
              </span>
              <span>
                <span className="label">Calls only here</span>
                <b>{only as number}</b>
              </span>
            </div>
          </div>
        ))}
      </div>
      {summary.data && <WhatChanged c={summary.data} />}
      <div className="panel" style={{ padding: 0 }}>
        <div className="cmp-row cmp-head">
          <span>Call tree (service · operation)</span>
          <span className="num">A</span>
          <span className="num">B</span>
          <span className="num">B − A</span>
        </div>
        {shown.map((r) => {
          const delta = r.a && r.b ? r.b.durNano - r.a.durNano : null;
          const cls = !r.b ? 'removed' : !r.a ? 'added' : significant(r) ? (delta! > 0n ? 'slower' : 'faster') : '';
          return (
            <div key={r.key} className={`cmp-row ${cls}`} title={!r.b ? 'Only in A' : !r.a ? 'Only in B' : undefined}>
              <span className="nm" style={{ paddingLeft: Math.min(r.depth, 30) * 12 }}>
                <span className="dot" style={{ background: serviceColor(r.service), marginRight: 6 }} />
                <b>{r.service}</b> {r.name}
              </span>
              <span className={`num${r.a?.error ? ' error-text' : ''}`}>{r.a ? formatDuration(r.a.durNano) : '—'}</span>
              <span className={`num${r.b?.error ? ' error-text' : ''}`}>{r.b ? formatDuration(r.b.durNano) : '—'}</span>
              <span className="num delta">{delta === null ? (r.a ? 'removed' : 'added') : `${delta > 0n ? '+' : ''}${formatDuration(delta)}`}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** A change worth colouring: at least 20% and 1ms either way. */
function significant(r: AlignedCall): boolean {
  if (!r.a || !r.b) return true;
  const d = r.b.durNano - r.a.durNano;
  const abs = d < 0n ? -d : d;
  return abs >= 1_000_000n && abs * 5n >= r.a.durNano;
}

function ComparePicker(props: { a: string }) {
  const [a, setA] = useState(props.a);
  const [b, setB] = useState('');
  const recent = useApi<{ traces: TraceSummary[] }>('/api/v1/traces?limit=20');
  const go = (x: string, y: string) => x.trim() && y.trim() && navigate(withQuery('/compare', { a: x.trim(), b: y.trim() }));
  return (
    <div className="compare-picker">
      <h1>Compare two traces</h1>
      <p className="muted">
        Paste two trace ids, or pick A and B from the recent traces below. Spans are matched by their place in the call
        tree, so you see which calls got slower, which appeared and which went missing. To compare groups of traces,
        drag a box on the search page's scatter plot.
      </p>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          go(a, b);
        }}
      >
        <input className="mono" style={{ flex: 1 }} placeholder="Trace A id" aria-label="Trace A id" value={a} onChange={(e) => setA(e.target.value)} />
        <input className="mono" style={{ flex: 1 }} placeholder="Trace B id" aria-label="Trace B id" value={b} onChange={(e) => setB(e.target.value)} />
        <button type="submit" disabled={!a.trim() || !b.trim()}>
          Compare
        </button>
      </form>
      <h2 style={{ marginTop: 16 }}>Recent traces</h2>
      {recent.error ? (
        <ErrorMessage error={recent.error} what="recent traces" />
      ) : !recent.data ? (
        <Loading what="recent traces" />
      ) : recent.data.traces.length === 0 ? (
        <p className="muted">No traces stored yet.</p>
      ) : (
        <table className="data panel" data-testid="compare-picker">
          <thead>
            <tr>
              <th>A</th>
              <th>B</th>
              <th>Trace</th>
              <th className="num">Duration</th>
              <th className="num">Spans</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {recent.data.traces.map((t) => (
              <tr key={t.traceId} data-testid="compare-candidate" data-trace-id={t.traceId}>
                <td>
                  <input type="radio" name="pick-a" aria-label={`Use ${t.traceId} as A`} checked={a === t.traceId} onChange={() => setA(t.traceId)} />
                </td>
                <td>
                  <input type="radio" name="pick-b" aria-label={`Use ${t.traceId} as B`} checked={b === t.traceId} onChange={() => setB(t.traceId)} />
                </td>
                <td>
                  <span className="dot" style={{ background: serviceColor(t.rootService), marginRight: 6 }} />
                  {t.rootService}: {t.rootName} <span className="mono muted">{t.traceId}</span>
                </td>
                <td className="num">{formatDuration(t.durationNano)}</td>
                <td className="num">{t.spanCount}</td>
                <td>
                  <Time nano={t.startUnixNano} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The server's comparison by call-tree path, in words and units: what appeared, went missing, got slower. */
function WhatChanged({ c }: { c: TraceComparison }) {
  const last = (path: string) => path.split(PATH_SEPARATOR).pop() ?? path;
  const sections: [string, string, { path: string; text: string }[]][] = [
    ['added', 'Only in B', c.added.map((x) => ({ path: x.path, text: `${x.count}× · ${formatDuration(x.totalNano)}` }))],
    ['missing', 'Only in A', c.missing.map((x) => ({ path: x.path, text: `${x.count}× · ${formatDuration(x.totalNano)}` }))],
    ['slower', 'Slower in B', c.slower.map((x) => ({ path: x.path, text: `${formatDuration(x.totalNanoA)} → ${formatDuration(x.totalNanoB)} (+${formatDuration(x.deltaNano)})` }))],
    ['faster', 'Faster in B', c.faster.map((x) => ({ path: x.path, text: `${formatDuration(x.totalNanoA)} → ${formatDuration(x.totalNanoB)} (−${formatDuration(-x.deltaNano)})` }))],
    ['count', 'Called a different number of times', c.countChanged.map((x) => ({ path: x.path, text: `${x.countA}× → ${x.countB}×` }))],
  ];
  const shown = sections.filter(([, , rows]) => rows.length > 0);
  return (
    <div className="panel what-changed" style={{ marginBottom: 12 }} data-testid="what-changed">
      <h3 style={{ marginTop: 0 }}>What changed</h3>
      {shown.length === 0 && <p className="muted">The two traces make the same calls in about the same time.</p>}
      {shown.map(([key, title, rows]) => (
        <div key={key} className="section">
          <b>{title}</b>
          <table className="data">
            <thead>
              <tr>
                <th>Call (service:operation, under its callers)</th>
                <th className="num">{key === 'count' ? 'Calls A → B' : key === 'added' || key === 'missing' ? 'Calls · time' : 'Time A → B'}</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, 10).map((r) => (
                <tr key={r.path} title={r.path}>
                  <td>
                    <b>{last(r.path)}</b> <span className="muted">{r.path.split(PATH_SEPARATOR).slice(0, -1).join(' › ')}</span>
                  </td>
                  <td className="num">{r.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length > 10 && <span className="muted">and {rows.length - 10} more</span>}
        </div>
      ))}
    </div>
  );
}
