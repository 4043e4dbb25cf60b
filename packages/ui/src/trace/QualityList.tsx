import type { TraceAnalysis } from './analysis-types.js';

/** Instrumentation problems found in the trace; each span id jumps to the span in the timeline. */
export function QualityList(props: { analysis: TraceAnalysis; onSelectSpan: (spanId: string) => void }) {
  const q = props.analysis.quality;
  if (q.length === 0)
    return (
      <div className="panel muted">
        No instrumentation problems found: every span has a parent in the trace, sensible times and a service name.
      </div>
    );
  return (
    <div className="panel" style={{ padding: 0 }}>
      {q.map((f, i) => (
        <div key={i} className="finding">
          <span className="badge warn">{f.check}</span> {f.message}
          {f.spanIds.length > 0 && (
            <div className="spans">
              {f.spanIds.slice(0, 50).map((id) => (
                <button key={id} className="small secondary mono" onClick={() => props.onSelectSpan(id)}>
                  {id}
                </button>
              ))}
              {f.spanIds.length > 50 && <span className="muted">and {f.spanIds.length - 50} more</span>}
            </div>
          )}
        </div>
      ))}
    </div>
  );
}
