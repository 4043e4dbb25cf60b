import './health.css';
import { useMemo } from 'react';
import type { ServiceHealth } from '@sextant/core';
import { useApi } from '../lib/api.js';
import { Link, navigate, useLocation, withQuery } from '../lib/router.js';
import { lookbackRange } from '../lib/time-range.js';
import { ErrorMessage, Loading, NoDataYet } from '../components/Message.js';
import { LookbackSelect } from '../components/LookbackSelect.js';

interface RuleSummary {
  rule: string;
  group: string;
  severity: 'error' | 'warn' | 'off';
  status: 'pass' | 'warn' | 'fail';
  summary: string;
  traces: number;
  findings: number;
}

interface HealthAnswer {
  traces: number;
  spans: number;
  truncated: boolean;
  ok: boolean;
  rules: RuleSummary[];
  services: ServiceHealth[];
}

function scoreClass(score: number): string {
  return score >= 90 ? 'good' : score >= 60 ? 'warn' : 'bad';
}

/**
 * /health?service=&lookback=: instrumentation health per service over a window — the `sextant check` rules
 * (the trace page's Quality tab, one trace at a time) aggregated: a score, the top findings, example traces.
 */
export function HealthPage() {
  const loc = useLocation();
  const service = loc.search.get('service');
  const lookback = loc.search.get('lookback') ?? '1h';
  const range = useMemo(() => lookbackRange(lookback), [lookback]);
  const health = useApi<HealthAnswer>(withQuery('/api/v1/instrumentation/health', { start: `${range.start}`, end: `${range.end}`, service, limit: '2000' }));
  const set = (patch: Record<string, string | null>) => navigate(withQuery('/health', { service, lookback, ...patch }), { replace: true });

  if (health.error) return <ErrorMessage error={health.error} what="instrumentation health" />;
  if (!health.data) return <Loading what="instrumentation health" />;
  const data = health.data;
  if (data.traces === 0 && !service) return <NoDataYet />;
  const failed = data.rules.filter((r) => r.status === 'fail');
  return (
    <div>
      <div className="toolbar" style={{ marginBottom: 12 }}>
        <h1>Instrumentation health</h1>
        <select aria-label="Service" value={service ?? ''} onChange={(e) => set({ service: e.target.value || null })}>
          <option value="">All services</option>
          {data.services.map((s) => (
            <option key={s.service} value={s.service}>
              {s.service}
            </option>
          ))}
          {service && !data.services.some((s) => s.service === service) && <option value={service}>{service}</option>}
        </select>
        <LookbackSelect value={lookback} onChange={(v) => set({ lookback: v })} />
      </div>
      <p className="muted" data-testid="health-summary">
        {data.traces} traces, {data.spans} spans checked{data.truncated ? ' (the most recent ones of the window)' : ''}:{' '}
        {failed.length === 0 ? 'no rule fails' : `${failed.length} rule${failed.length === 1 ? '' : 's'} fail (${failed.map((r) => r.rule).join(', ')})`}. The
        same rules run in CI with <code>sextant check</code>.
      </p>
      {data.services.length === 0 && <div className="panel muted">No traces of {service} in this window.</div>}
      <div className="health-grid">
        {data.services.map((s) => (
          <ServiceCard key={s.service} health={s} lookback={lookback} expanded={service !== null} />
        ))}
      </div>
    </div>
  );
}

function ServiceCard(props: { health: ServiceHealth; lookback: string; expanded: boolean }) {
  const h = props.health;
  const shown = props.expanded ? h.findings : h.findings.slice(0, 3);
  return (
    <section className="panel health-card" data-testid="health-service" data-service={h.service} data-score={h.score}>
      <header className="toolbar">
        <span className={`health-score ${scoreClass(h.score)}`} title="share of this service's traces without findings (warnings count a quarter)">
          {h.score}
        </span>
        <h2>
          <Link to={withQuery('/health', { service: h.service, lookback: props.lookback })}>{h.service}</Link>
        </h2>
        <span className="muted">
          {h.traces} traces · {h.failingTraces} failing · {h.warningTraces} with warnings
        </span>
      </header>
      {h.findings.length === 0 ? (
        <div className="muted">Every rule passes.</div>
      ) : (
        <ul className="health-findings">
          {shown.map((f) => (
            <li key={f.rule} data-testid="health-finding" data-rule={f.rule} data-severity={f.severity}>
              <span className={`badge ${f.severity === 'error' ? 'error' : 'warn'}`}>{f.rule}</span>{' '}
              <span>{f.message}</span>
              <span className="muted"> — {f.traces > 0 ? `${f.traces} trace${f.traces === 1 ? '' : 's'}` : 'the run'}</span>
              {f.exampleTraceIds.length > 0 && (
                <div className="spans">
                  {f.exampleTraceIds.map((id) => (
                    <Link key={id} to={`/trace/${id}?tab=quality`} className="mono small" data-testid="health-example">
                      {id.slice(0, 16)}
                    </Link>
                  ))}
                </div>
              )}
            </li>
          ))}
          {h.findings.length > shown.length && (
            <li className="muted">
              <Link to={withQuery('/health', { service: h.service, lookback: props.lookback })}>{h.findings.length - shown.length} more rules…</Link>
            </li>
          )}
        </ul>
      )}
    </section>
  );
}
