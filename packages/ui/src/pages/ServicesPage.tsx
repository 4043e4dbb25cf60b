import { useMemo } from 'react';
import { useApi } from '../lib/api.js';
import type { RedOperation, RedResult } from '../lib/api-types.js';
import { serviceColor } from '../lib/colors.js';
import { formatDuration, formatPercent, formatRate, rateUnit } from '../lib/format.js';
import { ShareBar } from '../components/ShareBar.js';
import { Link, navigate, useLocation, withQuery } from '../lib/router.js';
import { lookbackRange } from '../lib/time-range.js';
import { ErrorMessage, Loading, NoDataYet } from '../components/Message.js';
import { LookbackSelect } from '../components/LookbackSelect.js';
import { RedCharts, redPath } from '../components/RedCharts.js';
import { useSort } from '../components/sort.js';

/** /services?service=&lookback=: RED charts for one service (or all) and its operations ranked by impact. */
export function ServicesPage() {
  const loc = useLocation();
  const service = loc.search.get('service');
  // Rates are only meaningful over a bounded window; the last hour is what the API defaults to as well.
  const lookback = loc.search.get('lookback') ?? '1h';
  const services = useApi<{ services: string[] }>('/api/v1/services');
  const set = (patch: Record<string, string | null>) =>
    navigate(withQuery('/services', { service, lookback, ...patch }), { replace: true });

  if (services.error) return <ErrorMessage error={services.error} what="services" />;
  if (!services.data) return <Loading what="services" />;
  if (services.data.services.length === 0) return <NoDataYet />;
  return (
    <div>
      <div className="toolbar" style={{ marginBottom: 12 }}>
        <h1>Services</h1>
        <select aria-label="Service" value={service ?? ''} onChange={(e) => set({ service: e.target.value || null })}>
          <option value="">All services</option>
          {services.data.services.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <LookbackSelect value={lookback} onChange={(v) => set({ lookback: v })} />
        <span className="grow" />
        {service && (
          <Link to={withQuery('/search', { service, lookback })}>Find traces of {service} →</Link>
        )}
      </div>
      <ServiceRed service={service} lookback={lookback} />
    </div>
  );
}

/** RED charts plus the operations table; also shown in the service map's side panel. */
export function ServiceRed(props: { service: string | null; lookback: string; compact?: boolean }) {
  const range = useMemo(() => lookbackRange(props.lookback), [props.lookback]);
  const path = useMemo(() => redPath(props.service, range), [props.service, range]);
  const red = useApi<RedResult>(path);
  if (red.error) return <ErrorMessage error={red.error} what="request rates" />;
  if (!red.data) return <Loading what="request rates" />;
  return (
    <>
      <RedCharts red={red.data} range={range} />
      <OperationsTable ops={red.data.operations} lookback={props.lookback} compact={props.compact} />
    </>
  );
}

type Col = 'name' | 'rate' | 'errorRate' | 'p50' | 'p95' | 'p99' | 'impact';

function OperationsTable(props: { ops: RedOperation[]; lookback: string; compact?: boolean }) {
  const { sorted, header } = useSort<RedOperation, Col>(props.ops, { key: 'impact', dir: 'desc' }, (o, k) => {
    switch (k) {
      case 'name':
        return `${o.service} ${o.operation}`;
      case 'p50':
        return Number(o.p50Nano);
      case 'p95':
        return Number(o.p95Nano);
      case 'p99':
        return Number(o.p99Nano);
      default:
        return o[k];
    }
  });
  const unit = rateUnit(Math.max(0, ...props.ops.map((o) => o.rate)));
  if (props.ops.length === 0) return <div className="panel muted">No operations recorded in this time range.</div>;
  return (
    <div className="panel" style={{ padding: 0, overflow: 'auto' }}>
      <table className="data">
        <thead>
          <tr>
            {header('name', 'Operation')}
            {header('rate', `Rate (${unit.suffix.slice(1)})`, true)}
            {header('errorRate', 'Errors', true)}
            {!props.compact && header('p50', 'p50', true)}
            {header('p95', 'p95', true)}
            {!props.compact && header('p99', 'p99', true)}
            {header('impact', 'Impact', true)}
          </tr>
        </thead>
        <tbody>
          {sorted.map((o) => (
            <tr key={`${o.service}\u0000${o.operation}`}>
              <td>
                <Link
                  to={withQuery('/search', { service: o.service, operation: o.operation, lookback: props.lookback })}
                  title="Find traces of this operation"
                >
                  <span className="dot" style={{ background: serviceColor(o.service), marginRight: 6 }} />
                  {o.service} <span className="muted">·</span> {o.operation}
                </Link>
              </td>
              <td className="num" title={`${o.count} requests`}>
                {formatRate(o.rate, unit)}
              </td>
              <td className={`num${o.errorRate > 0 ? ' error-text' : ''}`}>
                {o.errorRate > 0 ? (
                  <Link to={withQuery('/search', { service: o.service, operation: o.operation, status: 'error', lookback: props.lookback })}>
                    {formatPercent(o.errorRate)}
                  </Link>
                ) : (
                  formatPercent(0)
                )}
              </td>
              {!props.compact && <td className="num">{formatDuration(o.p50Nano)}</td>}
              <td className="num">
                <Link
                  to={withQuery('/search', {
                    service: o.service,
                    operation: o.operation,
                    minDuration: o.p95Nano,
                    lookback: props.lookback,
                  })}
                  title="Find the slow requests (at or above p95)"
                >
                  {formatDuration(o.p95Nano)}
                </Link>
              </td>
              {!props.compact && <td className="num">{formatDuration(o.p99Nano)}</td>}
              <td className="num" title="Share of all time spent in this operation">
                <ShareBar share={o.impact} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
