import { useState } from 'react';
import { navigate, useLocation, withQuery } from '../lib/router.js';

/** /compare?a=&b= (two traces) or /compare?selection=&baseline= (two cohorts). */
export function ComparePage() {
  const loc = useLocation();
  const a = loc.search.get('a');
  const b = loc.search.get('b');
  const selection = loc.search.get('selection');
  const baseline = loc.search.get('baseline');
  if (a && b) return <div>TODO {a} {b}</div>;
  if (selection !== null) return <div>TODO {selection} {baseline}</div>;
  return <ComparePicker a={a ?? ''} />;
}

function ComparePicker(props: { a: string }) {
  const [a, setA] = useState(props.a);
  const [b, setB] = useState('');
  return (
    <div className="message">
      <h2>Compare two traces</h2>
      <p className="muted">
        Paste two trace ids. Spans are matched by their place in the call tree, so you see which calls got slower, which
        appeared and which went missing. To compare groups of traces, drag a box on the search page's scatter plot.
      </p>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (a.trim() && b.trim()) navigate(withQuery('/compare', { a: a.trim(), b: b.trim() }));
        }}
      >
        <input className="mono" style={{ flex: 1 }} placeholder="Trace A id" aria-label="Trace A id" value={a} onChange={(e) => setA(e.target.value)} />
        <input className="mono" style={{ flex: 1 }} placeholder="Trace B id" aria-label="Trace B id" value={b} onChange={(e) => setB(e.target.value)} />
        <button type="submit" disabled={!a.trim() || !b.trim()}>
          Compare
        </button>
      </form>
    </div>
  );
}
