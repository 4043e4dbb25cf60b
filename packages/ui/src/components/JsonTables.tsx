import type { ReactNode } from 'react';
import { Link } from '../lib/router.js';
import { formatDuration, formatPercent } from '../lib/format.js';

// Renders an analysis result whose exact shape may grow (cohort comparison) as headed sections and tables,
// with the project's conventions applied by key name: `…Nano` (or `…NanoA/B`) is a duration, `…TraceId(s)` links to traces,
// `…Share`/`…Rate` are fractions. Every value is React text.

function title(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isTraceKey(key: string): boolean {
  return /traceids?$/i.test(key);
}

function cell(key: string, v: unknown): ReactNode {
  if (v === null || v === undefined) return '–';
  if (isTraceKey(key)) {
    const ids = Array.isArray(v) ? v : [v];
    return ids.slice(0, 5).map((id, i) => (
      <Link key={i} className="mono" to={`/trace/${encodeURIComponent(String(id))}`} style={{ marginRight: 6 }}>
        {String(id).slice(0, 12)}
      </Link>
    ));
  }
  if (/nano[AB]?$/i.test(key) && (typeof v === 'string' || typeof v === 'number')) return formatDuration(v);
  if (typeof v === 'number' && /(share|rate|ratio|fraction)$/i.test(key) && v >= 0 && v <= 1) return formatPercent(v);
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(3);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.every((x) => typeof x !== 'object') ? v.join(', ') : `${v.length} items`;
  return JSON.stringify(v);
}

export function JsonTables({ value, depth = 0 }: { value: unknown; depth?: number }): ReactNode {
  if (Array.isArray(value)) {
    if (value.length === 0) return <div className="muted">None.</div>;
    if (value.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
      const cols = [...new Set(value.flatMap((r) => Object.keys(r as object)))];
      return (
        <div style={{ overflow: 'auto' }}>
          <table className="data">
            <thead>
              <tr>
                {cols.map((c) => (
                  <th key={c}>{title(c)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {value.slice(0, 200).map((r, i) => (
                <tr key={i}>
                  {cols.map((c) => (
                    <td key={c} className={typeof (r as Record<string, unknown>)[c] === 'number' ? 'num' : undefined}>
                      {cell(c, (r as Record<string, unknown>)[c])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    return <div>{cell('', value)}</div>;
  }
  if (value && typeof value === 'object') {
    return (
      <>
        {Object.entries(value).map(([k, v]) =>
          v && typeof v === 'object' ? (
            <section key={k} className={depth === 0 ? 'panel section' : 'section'}>
              {depth === 0 ? <h2>{title(k)}</h2> : <h3>{title(k)}</h3>}
              <JsonTables value={v} depth={depth + 1} />
            </section>
          ) : (
            <div key={k} className="stats" style={{ margin: '4px 0' }}>
              <span>
                <span className="label">{title(k)}</span>
                <b>{cell(k, v)}</b>
              </span>
            </div>
          ),
        )}
      </>
    );
  }
  return <span>{cell('', value)}</span>;
}
