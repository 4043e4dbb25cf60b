import { useState } from 'react';
import { enc, useApi } from '../lib/api.js';

export interface AttrFilter {
  key: string;
  value: string;
}

/** Rows of `key = value` attribute filters, with the stored keys and a key's sampled values as suggestions. */
export function AttrFilters(props: { attrs: AttrFilter[]; onChange: (attrs: AttrFilter[]) => void; label?: string }) {
  const { attrs, onChange } = props;
  const keys = useApi<{ keys: string[] }>('/api/v1/attributes');
  const [valueKey, setValueKey] = useState('');
  const values = useApi<{ values: string[] }>(valueKey ? `/api/v1/attributes/${enc(valueKey)}/values` : null);
  const edit = (i: number, patch: Partial<AttrFilter>) => onChange(attrs.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  return (
    <div className="field">
      <span>{props.label ?? 'Attributes (key = value)'}</span>
      {attrs.map((a, i) => (
        <div className="attr-row" key={i}>
          <input list="attr-keys" placeholder="http.route" aria-label="Attribute key" value={a.key} onChange={(e) => edit(i, { key: e.target.value })} />
          <input
            list="attr-values"
            placeholder="value"
            aria-label="Attribute value"
            value={a.value}
            onFocus={() => setValueKey(a.key.trim())}
            onChange={(e) => edit(i, { value: e.target.value })}
          />
          <button
            type="button"
            className="ghost small"
            title="Remove"
            onClick={() => onChange(attrs.length > 1 ? attrs.filter((_, j) => j !== i) : [{ key: '', value: '' }])}
          >
            ✕
          </button>
        </div>
      ))}
      <button type="button" className="ghost small" style={{ alignSelf: 'flex-start' }} onClick={() => onChange([...attrs, { key: '', value: '' }])}>
        + Add attribute
      </button>
      <datalist id="attr-keys">
        {(keys.data?.keys ?? []).map((k) => (
          <option key={k} value={k} />
        ))}
      </datalist>
      <datalist id="attr-values">
        {(values.data?.values ?? []).slice(0, 500).map((v) => (
          <option key={v} value={v} />
        ))}
      </datalist>
    </div>
  );
}

/** The `attr.KEY=VALUE` parameters of a URL. */
export function attrsFromParams(p: URLSearchParams): AttrFilter[] {
  const attrs: AttrFilter[] = [];
  for (const [k, v] of p) if (k.startsWith('attr.')) attrs.push({ key: k.slice(5), value: v });
  return attrs;
}

export function appendAttrParams(q: URLSearchParams, attrs: AttrFilter[]): void {
  for (const a of attrs) if (a.key.trim()) q.append(`attr.${a.key.trim()}`, a.value);
}
