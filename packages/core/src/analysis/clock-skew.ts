/**
 * Clock-skew correction. Spans recorded on different hosts carry different clocks, so a server span can appear
 * to start before the client that called it. Like Jaeger's adjuster and Zipkin's treeCorrectedForClockSkew, a
 * span on a different clock from its parent that does not fit inside the parent is shifted (with its events
 * and with every descendant on its own clock) so that it sits centred inside the parent: for an RPC, half the
 * network latency on each side. Spans on the parent's clock inherit the parent's shift.
 */
import { getAttr, type Resource, type Span } from '../model.js';
import { endOf, startOf, type TraceTree } from './tree.js';

export interface ClockSkewAdjustment {
  spanId: string;
  node: number;
  /** Added to the span's start, end and event times. */
  adjustNano: bigint;
}

export interface ClockSkewResult {
  /** The input spans, with shifted copies in place of the adjusted ones. */
  spans: Span[];
  adjustments: ClockSkewAdjustment[];
}

const HOST_KEYS = ['host.id', 'host.name', 'host.ip', 'network.local.address', 'net.host.ip', 'zipkin.local.ipv4', 'zipkin.local.ipv6'];

/** Spans with the same key share a clock: the host when the resource says which, otherwise the service. */
function clockKey(resource: Resource, service: string): string {
  for (const key of HOST_KEYS) {
    const v = getAttr(resource.attributes, key);
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string' && first !== '') return `host:${first}`;
  }
  return `service:${service}`;
}

/** A small number per clock for every node; the key is worked out once per Resource object. */
function clockIds(tree: TraceTree): Int32Array {
  const byKey = new Map<string, number>();
  const byResource = new Map<Resource, number>();
  const out = new Int32Array(tree.spans.length);
  for (let i = 0; i < out.length; i++) {
    const resource = tree.spans[i].resource;
    let id = byResource.get(resource);
    if (id === undefined) {
      const key = clockKey(resource, tree.services[i]);
      id = byKey.get(key);
      if (id === undefined) byKey.set(key, (id = byKey.size));
      byResource.set(resource, id);
    }
    out[i] = id;
  }
  return out;
}

/** Shift that puts `child` on `parent`'s clock; zero when it already fits or cannot be placed better. */
function skewAgainstParent(cs: bigint, ce: bigint, ps: bigint, pe: bigint, isAsync: boolean): bigint {
  // An asynchronous child may legitimately run after its parent ended; it only has to start after it.
  if (isAsync) return cs < ps ? ps - cs : 0n;
  const cd = ce - cs;
  const pd = pe - ps;
  if (cd > pd) return cs < ps ? ps - cs : 0n;
  if (cs >= ps && ce <= pe) return 0n;
  return ps + (pd - cd) / 2n - cs;
}

/** `span` with its start, end and event times moved by `delta`. */
export function shiftedSpan(span: Span, delta: bigint): Span {
  return {
    ...span,
    startTimeUnixNano: span.startTimeUnixNano + delta,
    endTimeUnixNano: span.endTimeUnixNano + delta,
    events: span.events.length === 0 ? span.events : span.events.map((e) => ({ ...e, timeUnixNano: e.timeUnixNano + delta })),
  };
}

export interface ClockShifts {
  /** Added to each node's times (0n for most). */
  shiftNano: bigint[];
  adjustments: ClockSkewAdjustment[];
}

/** The correction without copying any span: feed `shiftNano` to `retimeTree`. */
export function clockShifts(tree: TraceTree): ClockShifts {
  const { spans, parent } = tree;
  const clock = clockIds(tree);
  const delta: bigint[] = new Array<bigint>(spans.length).fill(0n);
  const adjustments: ClockSkewAdjustment[] = [];
  for (const i of tree.preorder) {
    const p = parent[i];
    if (p < 0) continue;
    const start = startOf(tree, i);
    const parentStart = startOf(tree, p);
    // A span without a timestamp (a fragment reported apart from its timing) tells nothing about clocks.
    if (clock[i] === clock[p] || start === 0n || parentStart === 0n) {
      delta[i] = delta[p];
    } else {
      delta[i] = skewAgainstParent(start, endOf(tree, i), parentStart + delta[p], endOf(tree, p) + delta[p], tree.asyncFromParent[i] === 1);
    }
    if (delta[i] !== 0n) adjustments.push({ spanId: spans[i].spanId, node: i, adjustNano: delta[i] });
  }
  return { shiftNano: delta, adjustments };
}

export function correctClockSkew(tree: TraceTree): ClockSkewResult {
  const { adjustments } = clockShifts(tree);
  const out = tree.spans.slice();
  for (const a of adjustments) out[a.node] = shiftedSpan(tree.spans[a.node], a.adjustNano);
  return { spans: out, adjustments };
}
