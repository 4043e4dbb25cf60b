import { serviceColor } from '../lib/colors.js';
import { formatDuration } from '../lib/format.js';
import type { TraceAnalysis } from './analysis-types.js';

type Finding = TraceAnalysis['nPlusOne'][number];

/** One line naming a repeated call, for callouts: "7× cart · SELECT products (sequential)". */
export function repeatedCallTitle(f: Finding): string {
  return `${f.count}× ${f.service} · ${f.operation} (${f.pattern === 'sequential' ? 'one after another' : 'in parallel'})`;
}

/**
 * The N+1 and fan-out findings: the same call made many times under one parent. Sequential repeats cost their
 * summed time (each waits for the last); parallel ones cost their wall time.
 */
export function RepeatedCalls(props: {
  analysis: TraceAnalysis;
  parentName: (spanId: string) => string;
  onSelect: (spanIds: string[]) => void;
}) {
  const list = props.analysis.nPlusOne;
  if (list.length === 0)
    return (
      <div className="panel muted" data-testid="repeated-calls">
        No repeated calls: no span makes the same call five or more times.
      </div>
    );
  return (
    <div className="panel" data-testid="repeated-calls" style={{ padding: 0 }}>
      <table className="data">
        <thead>
          <tr>
            <th className="num">Calls</th>
            <th>Service · operation</th>
            <th>Pattern</th>
            <th className="num">Summed time</th>
            <th className="num">Wall time</th>
            <th>Called from</th>
          </tr>
        </thead>
        <tbody>
          {list.map((f, i) => (
            <tr
              key={i}
              className="clickable"
              data-testid="repeated-call-row"
              data-count={f.count}
              data-pattern={f.pattern}
              onClick={() => props.onSelect(f.spanIds)}
              title="Highlight these calls in the timeline"
            >
              <td className="num">
                <b>{f.count}×</b>
              </td>
              <td>
                <span className="dot" style={{ background: serviceColor(f.service), marginRight: 6 }} />
                {f.service} <span className="muted">·</span> {f.operation}
                {f.statement && <div className="mono muted statement">{f.statement}</div>}
              </td>
              <td>
                <span className={`badge ${f.pattern === 'sequential' ? 'warn' : 'accent'}`}>
                  {f.pattern === 'sequential' ? 'N+1 (sequential)' : 'fan-out (parallel)'}
                </span>
              </td>
              <td className="num">{formatDuration(f.totalNano)}</td>
              <td className="num">{formatDuration(f.wallNano)}</td>
              <td>{props.parentName(f.parentSpanId)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
