import { useMemo } from 'react';
import { serviceColor } from '../lib/colors.js';
import { ShareBar } from '../components/ShareBar.js';
import { formatDuration } from '../lib/format.js';
import type { TraceAnalysis } from './analysis-types.js';

export interface CriticalPathRow {
  service: string;
  operation: string;
  nano: number;
  sections: number;
  spanIds: string[];
}

/** The critical path grouped by service and operation, largest share first (what `sextant analyze` prints). */
export function criticalPathRows(analysis: TraceAnalysis): { rows: CriticalPathRow[]; totalNano: number } {
  const byOp = new Map<string, CriticalPathRow>();
  let total = 0;
  for (const s of analysis.criticalPath) {
    const nano = Number(BigInt(s.endUnixNano) - BigInt(s.startUnixNano));
    total += nano;
    const key = `${s.service}\u0000${s.operation}`;
    let row = byOp.get(key);
    if (!row) byOp.set(key, (row = { service: s.service, operation: s.operation, nano: 0, sections: 0, spanIds: [] }));
    row.nano += nano;
    row.sections++;
    if (!row.spanIds.includes(s.spanId)) row.spanIds.push(s.spanId);
  }
  return { rows: [...byOp.values()].sort((a, b) => b.nano - a.nano), totalNano: total };
}

/** Which operations hold the trace's critical path; a row highlights its spans in the timeline. */
export function CriticalPathSummary(props: { analysis: TraceAnalysis; onSelect: (spanIds: string[]) => void }) {
  const { rows, totalNano } = useMemo(() => criticalPathRows(props.analysis), [props.analysis]);
  if (rows.length === 0) return <div className="panel muted">This trace has no critical path (no timed root span).</div>;
  return (
    <div className="panel" data-testid="critical-path-summary">
      <p className="muted" style={{ marginTop: 0 }}>
        The critical path is the chain of work the trace waited on: making anything else faster would not have made
        this trace faster. {formatDuration(totalNano)} in {props.analysis.criticalPath.length} sections. Click a row to
        see its spans.
      </p>
      <table className="data">
        <thead>
          <tr>
            <th>Service · operation</th>
            <th className="num">Time on path</th>
            <th className="num">Share</th>
            <th className="num">Sections</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={`${r.service}\u0000${r.operation}`}
              className="clickable"
              data-testid="critical-path-row"
              data-service={r.service}
              data-operation={r.operation}
              onClick={() => props.onSelect(r.spanIds)}
            >
              <td>
                <span className="dot" style={{ background: serviceColor(r.service), marginRight: 6 }} />
                {r.service} <span className="muted">·</span> {r.operation}
              </td>
              <td className="num">{formatDuration(r.nano)}</td>
              <td className="num">
                <ShareBar share={totalNano ? r.nano / totalNano : 0} />
              </td>
              <td className="num">{r.sections}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
