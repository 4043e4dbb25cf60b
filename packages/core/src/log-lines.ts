// Log lines as a reader sees them: when a line happened, and when two stored lines are the same line (a batch
// that a sender re-sent after a lost acknowledgement is stored twice). One rule for the server's log search and
// for the browser, which joins pages and a live tail.
import type { AttrValue, LogRecord } from './model.js';

/** A line's time: its own, else when it was observed (OTLP allows either to be unset). */
export function logLineTime(l: LogRecord): bigint {
  return l.timeUnixNano !== 0n ? l.timeUnixNano : l.observedTimeUnixNano;
}

function valueText(v: AttrValue): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Array.from(x) : x));
}

/** Equal for lines identical in everything stored (times, ids, severity, body, attributes, resource, scope). */
export function logLineKey(l: LogRecord): string {
  return [
    l.timeUnixNano, l.observedTimeUnixNano, l.traceId, l.spanId, l.severityNumber, l.severityText, l.eventName, l.flags,
    valueText(l.body), valueText(l.attributes.map((a) => [a.key, a.value])), valueText(l.resource.attributes.map((a) => [a.key, a.value])),
    l.scope.name, l.scope.version,
  ].join('\u0000');
}

/** `lines` with each line kept once (the first), in their order; `seen` carries the keys across calls. */
export function distinctLogLines(lines: readonly LogRecord[], seen: Set<string> = new Set()): LogRecord[] {
  const out: LogRecord[] = [];
  for (const l of lines) {
    const k = logLineKey(l);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(l);
  }
  return out;
}
