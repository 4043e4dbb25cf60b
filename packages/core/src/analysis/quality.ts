/**
 * Instrumentation quality checks: the things that make a trace lie (lost context, skewed clocks, spans with
 * no service) or cost too much (oversized attributes). Each finding names the spans involved.
 */
import { SpanKind, UNKNOWN_SERVICE, getAttr, type AttrValue, type KeyValue } from '../model.js';
import type { ClockSkewAdjustment } from './clock-skew.js';
import { remoteServiceName } from './dependencies.js';
import { formatDuration } from './format.js';
import type { TraceTree } from './tree.js';

export type QualityCheck =
  | 'missing-parent'
  | 'multiple-roots'
  | 'missing-service-name'
  | 'clock-skew'
  | 'non-positive-duration'
  | 'client-without-server'
  | 'oversized-attributes'
  | 'duplicate-span-id'
  | 'parent-cycle';

export interface QualityFinding {
  check: QualityCheck;
  spanIds: string[];
  message: string;
}

/** Longest attribute value (characters, or bytes for binary) before it counts as oversized. */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 4096;
/** OpenTelemetry's default attribute count limit per span. */
export const MAX_ATTRIBUTES_PER_SPAN = 128;

const REMOTE_HINTS = ['server.address', 'network.peer.address', 'net.peer.name', 'url.full', 'http.url'];

function valueLength(v: AttrValue): number {
  if (typeof v === 'string') return v.length;
  if (typeof v !== 'object') return 0; // numbers and booleans: most values, so decided before the object tests
  if (v instanceof Uint8Array) return v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + valueLength(x), 0);
  return 0;
}

function hasOversizedValue(attributes: readonly KeyValue[]): boolean {
  for (const kv of attributes) if (valueLength(kv.value) > MAX_ATTRIBUTE_VALUE_LENGTH) return true;
  return false;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function qualityFindings(tree: TraceTree, clockSkew: readonly ClockSkewAdjustment[] = []): QualityFinding[] {
  const { spans, services } = tree;
  const out: QualityFinding[] = [];
  const add = (check: QualityCheck, nodes: readonly number[], message: string) => {
    if (nodes.length > 0) out.push({ check, spanIds: nodes.map((i) => spans[i].spanId), message });
  };

  add(
    'missing-parent',
    tree.orphans,
    `${plural(tree.orphans.length, 'span')} name a parent that is not in the trace: the trace is incomplete or context propagation broke`,
  );
  if (tree.roots.length > 1) {
    add('multiple-roots', tree.roots, `the trace has ${tree.roots.length} root spans instead of one`);
  }
  add(
    'duplicate-span-id',
    tree.duplicates,
    `${plural(tree.duplicates.length, 'span')} reuse the id of another span without being its RPC peer (duplicates or fragments of it)`,
  );
  add('parent-cycle', tree.cycleBreaks, `parent ids form a loop; it was cut at ${plural(tree.cycleBreaks.length, 'span')}`);

  const unnamed: number[] = [];
  const nonPositive: number[] = [];
  const oversized: number[] = [];
  const clientsWithoutServer: number[] = [];
  const traced = new Set(services);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (services[i] === UNKNOWN_SERVICE || services[i].startsWith(`${UNKNOWN_SERVICE}:`)) unnamed.push(i);
    if (s.endTimeUnixNano <= s.startTimeUnixNano) nonPositive.push(i);
    if (s.attributes.length > MAX_ATTRIBUTES_PER_SPAN || s.droppedAttributesCount > 0 || hasOversizedValue(s.attributes)) {
      oversized.push(i);
    }
    if (s.kind === SpanKind.CLIENT && tree.childStart[i + 1] === tree.childStart[i]) {
      const remote = remoteServiceName(s);
      // A callee that sends its own spans elsewhere in this trace should have answered this call too; a client
      // that says nothing about its callee is most likely calling something instrumented but not propagating.
      const lost =
        remote !== undefined
          ? traced.has(remote) && remote !== services[i]
          : REMOTE_HINTS.every((k) => getAttr(s.attributes, k) === undefined);
      if (lost) clientsWithoutServer.push(i);
    }
  }
  add('missing-service-name', unnamed, `${plural(unnamed.length, 'span')} have no service.name resource attribute`);
  if (clockSkew.length > 0) {
    const largest = clockSkew.reduce((m, a) => (abs(a.adjustNano) > m ? abs(a.adjustNano) : m), 0n);
    add(
      'clock-skew',
      clockSkew.map((a) => a.node),
      `${plural(clockSkew.length, 'span')} were shifted (by up to ${formatDuration(largest)}) to fit inside their parents: host clocks disagree`,
    );
  }
  add('non-positive-duration', nonPositive, `${plural(nonPositive.length, 'span')} end before or when they start`);
  add(
    'client-without-server',
    clientsWithoutServer,
    `${plural(clientsWithoutServer.length, 'client span')} have no server span below them although the callee looks instrumented: trace context was probably not propagated`,
  );
  add(
    'oversized-attributes',
    oversized,
    `${plural(oversized.length, 'span')} carry more than ${MAX_ATTRIBUTES_PER_SPAN} attributes, a value over ${MAX_ATTRIBUTE_VALUE_LENGTH} characters, or dropped attributes`,
  );
  return out;
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}
