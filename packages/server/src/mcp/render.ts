/** Small renderings the MCP answers share: every number with its unit, every span with the ids to pass on. */
import { SpanKind, formatDuration, formatPercent, startOf, type TraceTree } from '@sextant/core';
import { clip } from './budget.js';

const KIND_NAMES: Record<number, string> = {
  [SpanKind.UNSPECIFIED]: 'unspecified',
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? String(kind);
}

/** A duration from the API's decimal strings, float nanoseconds or bigints. */
export function dur(nano: bigint | number | string): string {
  if (typeof nano === 'bigint') return formatDuration(nano);
  const n = Number(nano);
  return Number.isFinite(n) ? formatDuration(BigInt(Math.round(n))) : '?';
}

export function pct(fraction: number): string {
  return Number.isFinite(fraction) ? formatPercent(fraction) : '-';
}

/** Wall-clock time of a nanosecond timestamp, to the millisecond. */
export function when(nano: bigint | string): string {
  return new Date(Number(BigInt(nano) / 1_000_000n)).toISOString();
}

/** `<spanId> <service> <name>`: what an agent needs to recognise a span and to ask about it next. */
export function spanLabel(tree: TraceTree, node: number): string {
  return `${tree.spans[node].spanId} ${clip(tree.services[node], 80)} ${clip(tree.spans[node].name, 120)}`;
}

/** Start of a node relative to the trace's start. */
export function offset(tree: TraceTree, node: number): string {
  return `+${formatDuration(startOf(tree, node) - tree.startNano)}`;
}
