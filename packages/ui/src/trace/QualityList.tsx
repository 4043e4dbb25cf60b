import type { TraceAnalysis } from './analysis-types.js';
import { repeatedCallTitle } from './RepeatedCalls.js';

/**
 * What the analysis found wrong with the trace: instrumentation problems and repeated calls (N+1 / fan-out).
 * Each span id jumps to the span in the timeline.
 */
export function QualityList(props: { analysis: TraceAnalysis; onSelectSpan: (spanId: string) => void; onSelectSpans: (spanIds: string[]) => void }) {
  const q = props.analysis.quality;
  const repeated = props.analysis.nPlusOne;
  if (q.length === 0 && repeated.length === 0)
    return (
      <div className="panel muted">
        No problems found: every span has a parent in the trace, sensible times and a service name, and no call is
        repeated five or more times under one parent.
      </div>
    );
  return (
    <div className="panel" style={{ padding: 0 }}>
      {repeated.map((f, i) => (
        <div key={`r${i}`} className="finding" data-testid="quality-finding" data-check="repeated-calls">
          <span className="badge warn">repeated-calls</span> {repeatedCallTitle(f)}: the same call made {f.count} times
          under one parent{f.pattern === 'sequential' ? ', each waiting for the last (an N+1 loop)' : ''}.{' '}
          <button className="small secondary" onClick={() => props.onSelectSpans(f.spanIds)}>
            Show the {f.count} calls
          </button>
        </div>
      ))}
      {q.map((f, i) => (
        <div key={i} className="finding" data-testid="quality-finding" data-check={f.check}>
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
