import { useMemo } from 'react';
import { serviceColor } from '../lib/colors.js';
import { ShareBar } from '../components/ShareBar.js';
import { formatDuration } from '../lib/format.js';
import { useSort } from '../components/sort.js';
import type { TraceAnalysis } from './analysis-types.js';

interface Row {
  key: string;
  service: string;
  operation: string;
  count: number;
  total: number;
  self: number;
}

type Col = 'name' | 'count' | 'total' | 'self' | 'avgSelf' | 'share';

/** Where the trace's time went: self time (time not spent waiting on children) by service or operation. */
export function SelfTimeTable({ analysis, by, onBy: setBy }: { analysis: TraceAnalysis; by: 'service' | 'operation'; onBy: (by: 'service' | 'operation') => void }) {
  const rows = useMemo(
    () =>
      (by === 'service' ? analysis.selfTimeByService : analysis.selfTime).map((r) => ({
        key: `${r.service}\u0000${r.operation ?? ''}`,
        service: r.service,
        operation: r.operation ?? '',
        count: r.count,
        total: Number(r.totalNano),
        self: Number(r.selfNano),
      })),
    [analysis, by],
  );
  const allSelf = rows.reduce((a, r) => a + r.self, 0) || 1;
  const { sorted, header } = useSort<Row, Col>(rows, { key: 'self', dir: 'desc' }, (r, k) =>
    k === 'name' ? r.service + r.operation : k === 'avgSelf' ? r.self / r.count : k === 'share' ? r.self : r[k],
  );
  return (
    <div className="panel">
      <div className="toolbar" style={{ marginBottom: 8 }}>
        <span className="muted">Group by</span>
        <button className={`small ${by === 'service' ? 'on' : 'secondary'}`} onClick={() => setBy('service')}>
          Service
        </button>
        <button className={`small ${by === 'operation' ? 'on' : 'secondary'}`} onClick={() => setBy('operation')}>
          Operation
        </button>
      </div>
      <table className="data">
        <thead>
          <tr>
            {header('name', by === 'service' ? 'Service' : 'Service · operation')}
            {header('count', 'Spans', true)}
            {header('total', 'Total time', true)}
            {header('self', 'Self time', true)}
            {header('avgSelf', 'Avg self', true)}
            {header('share', '% of self time', true)}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.key}>
              <td>
                <span className="dot" style={{ background: serviceColor(r.service), marginRight: 6 }} />
                {r.service}
                {r.operation && <span className="muted"> · {r.operation}</span>}
              </td>
              <td className="num">{r.count}</td>
              <td className="num">{formatDuration(r.total)}</td>
              <td className="num">{formatDuration(r.self)}</td>
              <td className="num">{formatDuration(r.self / r.count)}</td>
              <td className="num">
                <ShareBar share={r.self / allSelf} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
