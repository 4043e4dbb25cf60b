/**
 * The TraceQL a native search form stands for, and the native search a TraceQL query's pushable part stands
 * for (used to open a cohort comparison from a heatmap region). One direction each; both keep to what the two
 * languages share.
 */
import { formatDurationNano, parseDurationText, pushdownConditions, type Query } from '@sextant/core';

const q = (s: string) => JSON.stringify(s);

function durationText(text: string): string | null {
  const ns = parseDurationText(text);
  return ns === null ? null : formatDurationNano(Number(ns));
}

/** `service=api&minDuration=100ms&attr.http.route=/x` → `{ resource.service.name = "api" && duration >= 100ms && .http.route = "/x" }`. */
export function searchParamsToTraceQL(p: URLSearchParams): string {
  const conds: string[] = [];
  const service = p.get('service');
  if (service) conds.push(`resource.service.name = ${q(service)}`);
  const op = p.get('operation');
  if (op) conds.push(`name = ${q(op)}`);
  const kind = p.get('spanKind');
  if (kind) conds.push(`kind = ${kind}`);
  for (const [k, v] of p) if (k.startsWith('attr.')) conds.push(`.${/[\s{}()=~!<>&|^,"]/.test(k.slice(5)) ? q(k.slice(5)) : k.slice(5)} = ${q(v)}`);
  const min = p.get('minDuration') && durationText(p.get('minDuration')!);
  if (min) conds.push(`duration >= ${min}`);
  const max = p.get('maxDuration') && durationText(p.get('maxDuration')!);
  if (max) conds.push(`duration <= ${max}`);
  if (p.get('status') === 'error') conds.push('status = error');
  const tmin = p.get('traceMinDuration') && durationText(p.get('traceMinDuration')!);
  if (tmin) conds.push(`trace:duration >= ${tmin}`);
  const tmax = p.get('traceMaxDuration') && durationText(p.get('traceMaxDuration')!);
  if (tmax) conds.push(`trace:duration <= ${tmax}`);
  const filter = `{ ${conds.join(' && ')} }`.replace('{  }', '{ }');
  const parent = p.get('parentService');
  return parent ? `{ resource.service.name = ${q(parent)} } > ${filter}` : filter;
}

/** Native search parameters for the conditions of a TraceQL query that the native search can express. */
export function traceQLToSearchParams(query: Query): URLSearchParams {
  const out = new URLSearchParams();
  for (const c of pushdownConditions(query)) {
    const f = c.field;
    const v = c.value;
    if (c.op !== '=') continue;
    if (f.kind === 'attribute' && f.name === 'service.name' && f.scope !== 'span' && v.type === 'string') out.set('service', v.value);
    else if (f.kind === 'intrinsic' && f.name === 'name' && v.type === 'string') out.set('operation', v.value);
    else if (f.kind === 'intrinsic' && f.name === 'status' && v.type === 'status' && v.value === 2) out.set('status', 'error');
    else if (f.kind === 'attribute' && v.type === 'string') out.append(`attr.${f.name}`, v.value);
  }
  return out;
}
