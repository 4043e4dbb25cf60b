import type { Span } from '@sextant/core';
import { formatAttrValue } from '../lib/format.js';

export { spanKindName as kindName, statusCodeName as statusName } from '@sextant/core';

/** Lower-cased text a find-in-trace query matches against: ids, names and every attribute value. */
export function spanSearchText(s: Span, service: string): string {
  const parts = [s.spanId, s.name, service, s.status.message];
  for (const kv of s.attributes) parts.push(kv.key, formatAttrValue(kv.value));
  for (const kv of s.resource.attributes) parts.push(formatAttrValue(kv.value));
  for (const e of s.events) parts.push(e.name);
  return parts.join('\u0000').toLowerCase();
}
