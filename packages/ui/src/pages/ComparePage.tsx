import { useEffect, useMemo, useState } from 'react';
import { buildTraceTree, decodeOtlpJsonTraces, isErrorSpan, type Span } from '@sextant/core';
import { enc, getJson, useApi } from '../lib/api.js';
import { serviceColor } from '../lib/colors.js';
import { formatDuration } from '../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../lib/router.js';
import { ErrorMessage, Loading, Message } from '../components/Message.js';
import { CohortView } from './CohortView.js';
import { JsonTables } from '../components/JsonTables.js';

/** /compare?a=&b= (two traces) or /compare?selection=&baseline= (two cohorts). */
export function ComparePage() {
  const loc = useLocation();
  const a = loc.search.get('a');
  const b = loc.search.get('b');
  const selection = loc.search.get('selection');
  if (a && b) return <TwoTraces a={a} b={b} />;
  if (selection !== null) return <CohortView selection={selection} baseline={loc.search.get('baseline') ?? 'rest'} />;
  return <ComparePicker a={a ?? ''} />;
}

interface AlignedRow {
  key: string;
  depth: number;
  service: string;
  name: string;
  a?: { spanId: string; durNano: bigint; error: boolean };
  b?: { spanId: string; durNano: bigint; error: boolean };
}

/**
 * Lines up two traces by position in the call tree: a span's key is its ancestors' service/operation chain
 * plus its rank among same-named siblings, so the 3rd `SELECT` under `GET /cart` meets the 3rd in the other
 * trace. Rows present on one side only are calls that appeared or disappeared.
 */
function alignTraces(sa: Span[], sb: Span[]): AlignedRow[] {
  const rows = new Map<string, AlignedRow>();
  const walk = (spans: Span[], side: 'a' | 'b'): string[] => {
    const tree = buildTraceTree(spans);
    const keys: string[] = new Array(spans.length);
    const seen = new Map<string, number>();
    const order: string[] = [];
    for (const node of tree.preorder) {
      const s = spans[node];
      const p = tree.parent[node];
      const base = `${p >= 0 ? keys[p] : ''}/${tree.services[node]}\u0000${s.name}`;
      const rank = seen.get(base) ?? 0;
      seen.set(base, rank + 1);
      const key = `${base}#${rank}`;
      keys[node] = key;
      order.push(key);
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { key, depth: tree.depth[node], service: tree.services[node], name: s.name }));
      row[side] = { spanId: s.spanId, durNano: s.endTimeUnixNano - s.startTimeUnixNano, error: isErrorSpan(s) };
    }
    return order;
  };
  const orderA = walk(sa, 'a');
  const orderB = walk(sb, 'b');
  // A's tree order, with each call that only B made placed right after the row B had just before it.
  const after = new Map<string, string[]>();
  let anchor = '';
  for (const k of orderB) {
    if (rows.get(k)!.a) anchor = k;
    else {
      const list = after.get(anchor);
      if (list) list.push(k);
      else after.set(anchor, [k]);
    }
  }
  const out: AlignedRow[] = (after.get('') ?? []).map((k) => rows.get(k)!);
  for (const k of orderA) {
    out.push(rows.get(k)!);
    for (const extra of after.get(k) ?? []) out.push(rows.get(extra)!);
  }
  return out;
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
  const summary = useApi<Record<string, unknown>>(`/api/v1/compare?a=${enc(a)}&b=${enc(b)}`);
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
      {summary.data && (
        <details className="panel" style={{ marginBottom: 12 }} open>
          <summary>
            <b>What changed</b> <span className="muted">(calls grouped by their path in the tree)</span>
          </summary>
          <JsonTables
            value={Object.fromEntries(Object.entries(summary.data).filter(([, v]) => Array.isArray(v) && v.length > 0))}
            depth={1}
          />
        </details>
      )}
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
function significant(r: AlignedRow): boolean {
  if (!r.a || !r.b) return true;
  const d = r.b.durNano - r.a.durNano;
  const abs = d < 0n ? -d : d;
  return abs >= 1_000_000n && abs * 5n >= r.a.durNano;
}

function ComparePicker(props: { a: string }) {
  const [a, setA] = useState(props.a);
  const [b, setB] = useState('');
  const recent = useApi<{ traces: { traceId: string; rootService: string; rootName: string; durationNano: string }[] }>('/api/v1/traces?limit=20');
  return (
    <Message title="Compare two traces">
      <p className="muted">
        Paste two trace ids, or pick from recent traces. Spans are matched by their place in the call tree, so you see
        which calls got slower, which appeared and which went missing. To compare groups of traces, drag a box on the
        search page's scatter plot.
      </p>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (a.trim() && b.trim()) navigate(withQuery('/compare', { a: a.trim(), b: b.trim() }));
        }}
      >
        <input className="mono" list="recent-traces" style={{ flex: 1 }} placeholder="Trace A id" aria-label="Trace A id" value={a} onChange={(e) => setA(e.target.value)} />
        <input className="mono" list="recent-traces" style={{ flex: 1 }} placeholder="Trace B id" aria-label="Trace B id" value={b} onChange={(e) => setB(e.target.value)} />
        <button type="submit" disabled={!a.trim() || !b.trim()}>
          Compare
        </button>
        <datalist id="recent-traces">
          {(recent.data?.traces ?? []).map((t) => (
            <option key={t.traceId} value={t.traceId}>
              {`${t.rootService}: ${t.rootName} (${formatDuration(t.durationNano)})`}
            </option>
          ))}
        </datalist>
      </form>
    </Message>
  );
}
