import './health.css';
import { useMemo, useState } from 'react';
import { useApi } from '../lib/api.js';
import { serviceColor } from '../lib/colors.js';
import { formatPercent, type CostScope } from '@sextant/core';
import type { CostAnswer } from '../lib/api-types.js';
import { Link, navigate, useLocation, withQuery } from '../lib/router.js';
import { lookbackRange } from '../lib/time-range.js';
import { ErrorMessage, Loading, NoDataYet } from '../components/Message.js';
import { LookbackSelect } from '../components/LookbackSelect.js';
import { useSort } from '../components/sort.js';
import { squarify } from './treemap.js';

type AttributeCost = CostAnswer['attributes'][number];

const SCOPE_COLORS: Record<CostScope, string> = { span: '#2563eb', resource: '#7c3aed', event: '#db2777' };

function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${Math.round(n)} B`;
}

/**
 * /cost?lookback=: what the stored traces cost, per service and per attribute key (span, resource, event), with a
 * treemap of the keys by bytes, the span names with the most attributes, bytes received per service per minute,
 * and advice (costly keys nobody searches by, what dropping them saves, how long --max-size keeps traces).
 */
export function CostPage() {
  const loc = useLocation();
  const lookback = loc.search.get('lookback') ?? '1h';
  const range = useMemo(() => lookbackRange(lookback), [lookback]);
  const cost = useApi<CostAnswer>(withQuery('/api/v1/cost', { start: `${range.start}`, end: `${range.end}` }));
  if (cost.error) return <ErrorMessage error={cost.error} what="trace costs" />;
  if (!cost.data) return <Loading what="trace costs" />;
  const c = cost.data;
  if (c.spans === 0) return <NoDataYet />;
  return (
    <div>
      <div className="toolbar" style={{ marginBottom: 12 }}>
        <h1>What traces cost</h1>
        <LookbackSelect value={lookback} onChange={(v) => navigate(withQuery('/cost', { lookback: v }), { replace: true })} />
      </div>
      <p className="muted" data-testid="cost-summary">
        {c.spans} spans, {formatBytes(c.storedBytes)} of span data in this window; at this rate {formatBytes(c.advice.bytesPerDay)} of
        span data per day{c.advice.diskBytesPerDay > 0 ? <>, about {formatBytes(c.advice.diskBytesPerDay)} on disk</> : ' (an in-memory store: no disk figures)'}.
        {c.advice.daysKeptAtMaxSize !== null && <> With --max-size {formatBytes(c.advice.maxSizeBytes!)}, about {c.advice.daysKeptAtMaxSize.toFixed(1)} days are kept.</>}
        {c.advice.retentionDays !== null && <> Retention by age keeps {c.advice.retentionDays} days.</>}
      </p>
      {c.advice.drop.length > 0 && (
        <section className="panel">
          <h2>Advice</h2>
          <ul className="cost-advice" data-testid="cost-advice">
            {c.advice.drop.map((d) => (
              <li key={`${d.scope}:${d.key}`} data-key={d.key}>
                <b>{d.key}</b> ({d.scope}) is {formatPercent(d.share)} of the span data and {d.searches === 0 ? 'was never searched by' : `was searched by ${d.searches} times`}: dropping it
                (in the SDK, or the Collector's <code>attributes</code> processor) saves about {formatBytes(d.bytesPerDay)} per day.
              </li>
            ))}
          </ul>
        </section>
      )}
      <Treemap attributes={c.attributes} />
      <AttributeTable attributes={c.attributes} />
      <div className="health-grid" style={{ marginTop: 12 }}>
        <section className="panel">
          <h2>Services</h2>
          <table>
            <thead>
              <tr><th>service</th><th className="num">spans</th><th className="num">bytes</th><th className="num">share</th></tr>
            </thead>
            <tbody>
              {c.services.map((s) => (
                <tr key={s.service} data-testid="cost-service" data-service={s.service}>
                  <td><Link to={withQuery('/search', { service: s.service })}>{s.service}</Link></td>
                  <td className="num">{s.spans}</td>
                  <td className="num">{formatBytes(s.bytes)}</td>
                  <td className="num">{formatPercent(s.share)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="panel">
          <h2>Span names with the most attributes</h2>
          <table>
            <thead>
              <tr><th>service</th><th>span name</th><th className="num">attributes per span</th><th className="num">spans</th></tr>
            </thead>
            <tbody>
              {c.spanNames.map((n) => (
                <tr key={`${n.service}\u0000${n.name}`} data-testid="cost-span-name">
                  <td>{n.service}</td>
                  <td>{n.name}</td>
                  <td className="num">{n.attributesPerSpan.toFixed(1)}</td>
                  <td className="num">{n.spans}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <IngestTable ingest={c.ingest} />
      </div>
    </div>
  );
}

function Treemap(props: { attributes: AttributeCost[] }) {
  const [width] = useState(1200);
  const height = 320;
  const top = props.attributes.slice().sort((a, b) => b.bytes - a.bytes).slice(0, 40);
  const cells = squarify(top, (a) => a.bytes, width, height);
  return (
    <div className="cost-treemap panel" data-testid="cost-treemap" aria-label="attribute keys by stored bytes">
      {cells.map((c) => (
        <div
          key={`${c.item.scope}:${c.item.key}`}
          className="cell"
          data-testid="cost-treemap-cell"
          data-key={c.item.key}
          title={`${c.item.key} (${c.item.scope}): ${formatBytes(c.item.bytes)}, ${formatPercent(c.item.share)}`}
          style={{ left: `${(c.x / width) * 100}%`, top: c.y, width: `${(c.w / width) * 100}%`, height: c.h, background: SCOPE_COLORS[c.item.scope] }}
        >
          {c.w > 60 && c.h > 16 ? c.item.key : ''}
        </div>
      ))}
    </div>
  );
}

type Col = 'key' | 'scope' | 'bytes' | 'spanShare' | 'distinct' | 'searches';

function AttributeTable(props: { attributes: AttributeCost[] }) {
  const { sorted, header } = useSort<AttributeCost, Col>(props.attributes, { key: 'bytes', dir: 'desc' }, (a, k) => a[k]);
  return (
    <section className="panel">
      <h2>Attribute keys</h2>
      <table data-testid="cost-attributes">
        <thead>
          <tr>
            {header('key', 'key')}
            {header('scope', 'scope')}
            {header('bytes', 'bytes (share)', true)}
            {header('spanShare', 'spans carrying it', true)}
            {header('distinct', 'distinct values (est.)', true)}
            {header('searches', 'searches', true)}
          </tr>
        </thead>
        <tbody>
          {sorted.map((a) => (
            <tr key={`${a.scope}:${a.key}`} data-testid="cost-attribute" data-key={a.key} data-scope={a.scope}>
              <td className="mono">{a.key}</td>
              <td><span className="badge" style={{ color: SCOPE_COLORS[a.scope] }}>{a.scope}</span></td>
              <td className="num">{formatBytes(a.bytes)} ({formatPercent(a.share)})</td>
              <td className="num">{formatPercent(a.spanShare)}</td>
              <td className="num">{a.distinct}</td>
              <td className="num">{a.searches}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function IngestTable(props: { ingest: CostAnswer['ingest'] }) {
  const byService = new Map<string, { bytes: number; minutes: number }>();
  for (const r of props.ingest) {
    const row = byService.get(r.service) ?? { bytes: 0, minutes: 0 };
    row.bytes += r.bytes;
    row.minutes++;
    byService.set(r.service, row);
  }
  const rows = [...byService].sort((a, b) => b[1].bytes - a[1].bytes);
  return (
    <section className="panel">
      <h2>Received per minute (since the server started, last hour)</h2>
      {rows.length === 0 ? (
        <div className="muted">Nothing received since this server started.</div>
      ) : (
        <table>
          <thead>
            <tr><th>service</th><th className="num">bytes per minute (avg)</th><th className="num">minutes</th></tr>
          </thead>
          <tbody>
            {rows.map(([service, r]) => (
              <tr key={service} data-testid="cost-ingest" data-service={service}>
                <td><span className="dot" style={{ background: serviceColor(service) }} /> {service}</td>
                <td className="num">{formatBytes(r.bytes / r.minutes)}</td>
                <td className="num">{r.minutes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
