import { useEffect, useState, type FormEvent } from 'react';
import { parseDurationText } from '@sextant/core';
import { enc, useApi } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { LOOKBACKS, localInputToNano, nanoToLocalInput } from '../lib/time-range.js';
import { FormTraceQL } from '../traceql/FormTraceQL.js';
import { NameSelect } from '../components/NameSelect.js';
import { AttrFilters, appendAttrParams, attrsFromParams, type AttrFilter } from '../components/AttrFilters.js';

const KINDS = ['', 'server', 'client', 'internal', 'producer', 'consumer'];

interface FormState {
  service: string;
  parentService: string;
  operation: string;
  spanKind: string;
  attrs: AttrFilter[];
  minDuration: string;
  maxDuration: string;
  traceMinDuration: string;
  traceMaxDuration: string;
  errorsOnly: boolean;
  lookback: string;
  start: string;
  end: string;
  limit: string;
  /** Parameters the form has no field for (kept, shown and removable, so the URL never filters unseen). */
  other: [string, string][];
}

/** Parameters with a field of their own (sort and cursor belong to the result list). */
const KNOWN = new Set(['service', 'parentService', 'operation', 'spanKind', 'minDuration', 'maxDuration', 'traceMinDuration', 'traceMaxDuration', 'status', 'lookback', 'start', 'end', 'limit', 'sort', 'cursor', 'tag']);

function fromParams(p: URLSearchParams): FormState {
  const attrs = attrsFromParams(p);
  const other: [string, string][] = [];
  for (const [k, v] of p) {
    if (k.startsWith('attr.')) continue;
    // Jaeger's `tag=key:value` form means the same as attr.key=value.
    else if (k === 'tag' && v.indexOf(':') > 0) attrs.push({ key: v.slice(0, v.indexOf(':')), value: v.slice(v.indexOf(':') + 1) });
    else if (!KNOWN.has(k) || (k === 'status' && v !== 'error')) other.push([k, v]);
  }
  const custom = !p.get('lookback') && (p.get('start') || p.get('end'));
  return {
    service: p.get('service') ?? '',
    parentService: p.get('parentService') ?? '',
    operation: p.get('operation') ?? '',
    spanKind: p.get('spanKind') ?? '',
    attrs: attrs.length ? attrs : [{ key: '', value: '' }],
    minDuration: p.get('minDuration') ?? '',
    maxDuration: p.get('maxDuration') ?? '',
    traceMinDuration: p.get('traceMinDuration') ?? '',
    traceMaxDuration: p.get('traceMaxDuration') ?? '',
    errorsOnly: p.get('status') === 'error',
    lookback: custom ? 'custom' : (p.get('lookback') ?? ''),
    start: p.get('start') ?? '',
    end: p.get('end') ?? '',
    limit: p.get('limit') ?? '',
    other,
  };
}

function toQuery(f: FormState): string {
  const q = new URLSearchParams();
  const set = (k: string, v: string) => v.trim() && q.set(k, v.trim());
  set('service', f.service);
  set('parentService', f.parentService);
  set('operation', f.operation);
  set('spanKind', f.spanKind);
  appendAttrParams(q, f.attrs);
  set('minDuration', f.minDuration);
  set('maxDuration', f.maxDuration);
  set('traceMinDuration', f.traceMinDuration);
  set('traceMaxDuration', f.traceMaxDuration);
  if (f.errorsOnly) q.set('status', 'error');
  if (f.lookback === 'custom') {
    set('start', f.start);
    set('end', f.end);
  } else set('lookback', f.lookback);
  set('limit', f.limit);
  for (const [k, v] of f.other) q.append(k, v);
  return q.toString();
}


/** The search filters. Submitting writes them into the URL, which is what the results read. */
export function SearchForm({ params }: { params: URLSearchParams }) {
  const sort = params.get('sort');
  const [f, setF] = useState(() => fromParams(params));
  const paramsKey = params.toString();
  useEffect(() => setF(fromParams(new URLSearchParams(paramsKey))), [paramsKey]);

  const services = useApi<{ services: string[] }>('/api/v1/services');
  const ops = useApi<{ operations: { name: string; spanKind: string }[] }>(
    f.service ? `/api/v1/services/${enc(f.service)}/operations` : null,
  );

  const badDuration = [f.minDuration, f.maxDuration, f.traceMinDuration, f.traceMaxDuration].some((d) => d.trim() !== '' && parseDurationText(d) === null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (badDuration) return;
    const q = new URLSearchParams(toQuery(f));
    if (sort) q.set('sort', sort);
    navigate(`/search?${q.toString()}`);
  };
  const upd = (patch: Partial<FormState>) => setF((s) => ({ ...s, ...patch }));
  const opNames = [...new Set(ops.data?.operations.map((o) => o.name) ?? [])].sort();

  return (
    <form className="search-form panel" onSubmit={submit} aria-label="Search traces">
      <label className="field">
        <span>Service</span>
        <NameSelect value={f.service} names={services.data?.services} anyLabel="All services" onChange={(service) => upd({ service, operation: '' })} />
      </label>
      <label className="field">
        <span>Called by (parent service)</span>
        <NameSelect label="Parent service" value={f.parentService} names={services.data?.services} anyLabel="Any caller" onChange={(parentService) => upd({ parentService })} />
      </label>
      <label className="field">
        <span>Operation</span>
        <NameSelect value={f.operation} names={opNames} anyLabel={f.service ? 'All operations' : 'Pick a service first'} disabled={!f.service} onChange={(operation) => upd({ operation })} />
      </label>
      <label className="field">
        <span>Span kind</span>
        <select value={f.spanKind} onChange={(e) => upd({ spanKind: e.target.value })}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k || 'Any kind'}
            </option>
          ))}
        </select>
      </label>
      <AttrFilters attrs={f.attrs} onChange={(attrs) => upd({ attrs })} />
      <div className="field">
        <span>Span duration</span>
        <div className="field-row">
          <input placeholder="min e.g. 100ms" aria-label="Minimum span duration" value={f.minDuration} onChange={(e) => upd({ minDuration: e.target.value })} />
          <input placeholder="max e.g. 2s" aria-label="Maximum span duration" value={f.maxDuration} onChange={(e) => upd({ maxDuration: e.target.value })} />
        </div>
      </div>
      <div className="field">
        <span>Trace duration</span>
        <div className="field-row">
          <input placeholder="min" aria-label="Minimum trace duration" value={f.traceMinDuration} onChange={(e) => upd({ traceMinDuration: e.target.value })} />
          <input placeholder="max" aria-label="Maximum trace duration" value={f.traceMaxDuration} onChange={(e) => upd({ traceMaxDuration: e.target.value })} />
        </div>
        {badDuration && <span className="error-text">Durations look like 250ms, 1.5s or 2m.</span>}
      </div>
      <label className="check">
        <input type="checkbox" checked={f.errorsOnly} onChange={(e) => upd({ errorsOnly: e.target.checked })} /> Only traces with errors
      </label>
      <label className="field">
        <span>Time range</span>
        <select value={f.lookback} onChange={(e) => upd({ lookback: e.target.value })}>
          {LOOKBACKS.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
          <option value="custom">Custom range…</option>
        </select>
      </label>
      {f.lookback === 'custom' && (
        <div className="time-fields">
          <label>
            <span className="muted">From</span>
            <input type="datetime-local" step={1} aria-label="From" value={nanoToLocalInput(f.start)} onChange={(e) => upd({ start: localInputToNano(e.target.value) })} />
          </label>
          <label>
            <span className="muted">To</span>
            <input type="datetime-local" step={1} aria-label="To" value={nanoToLocalInput(f.end)} onChange={(e) => upd({ end: localInputToNano(e.target.value) })} />
          </label>
        </div>
      )}
      <label className="field">
        <span>Limit</span>
        <select value={f.limit} onChange={(e) => upd({ limit: e.target.value })}>
          {['', '50', '100', '200', '500', '1000'].map((l) => (
            <option key={l} value={l}>
              {l || 'Default'}
            </option>
          ))}
        </select>
      </label>
      {f.other.length > 0 && (
        <div className="field">
          <span>Other filters (from the address)</span>
          {f.other.map(([k, v], i) => (
            <div className="attr-row" key={`${k}=${v}`} data-testid="other-filter">
              <input aria-label={`Filter ${k}`} value={k} readOnly />
              <input aria-label={`Value of ${k}`} value={v} onChange={(e) => upd({ other: f.other.map((o, j) => (j === i ? [k, e.target.value] : o)) })} />
              <button type="button" className="ghost small" title="Remove" onClick={() => upd({ other: f.other.filter((_, j) => j !== i) })}>
                ✕
              </button>
            </div>
          ))}
        </div>
      )}
      <button type="submit" disabled={badDuration}>
        Find traces
      </button>
      <FormTraceQL params={new URLSearchParams(toQuery(f))} />
    </form>
  );
}
