import { getAttr, SpanKind, StatusCode, type Span } from '@sextant/core';
export function isErrorSpan(s: Span): boolean {
  if (s.status.code === StatusCode.ERROR) return true;
  if (s.kind === SpanKind.SERVER) {
    const code = getAttr(s.attributes, 'http.response.status_code') ?? getAttr(s.attributes, 'http.status_code');
    if (code !== undefined && Number(code) >= 500) return true;
  }
  return s.events.some((e) => e.name === 'exception');
}
