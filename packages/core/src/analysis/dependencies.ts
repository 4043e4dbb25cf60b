/**
 * Service-to-service call edges with Zipkin's DependencyLinker semantics: a server (or consumer) span links
 * the nearest remote ancestor's service to its own; a client (or producer) span links its service to the remote
 * service it named, but only when no instrumented server answered it (the server span carries the link then,
 * with the callee's own name). Local spans in between are looked through. Uninstrumented callees become virtual
 * nodes named by `peer.service`, a host name in `server.address`, or the database / messaging system.
 *
 * This is the one definition of the rule: `dependencyLinkRows` gives each link a trace contributes, with the
 * operations, latency and time the stores aggregate, and `DependencyLinker` sums them.
 */
import { SpanKind, UNKNOWN_SERVICE, getAttr, type Span } from '../model.js';
import { errorFlags } from './errors.js';
import type { TraceTree } from './tree.js';

export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
  errorCount: number;
}

/** One call a trace records between two services. */
export interface DependencyLinkRow {
  parent: string;
  child: string;
  /** The caller's operation (the client half's or remote ancestor's name), and the callee's. */
  parentOperation: string;
  childOperation: string;
  error: boolean;
  /** The call's latency as the caller saw it when it was recorded, else the callee's duration. */
  durationNano: bigint;
  /** The span that carries the link (its start time places the call in time). */
  node: number;
  /** The callee is named by the caller only (no span of its own answered). */
  virtual: boolean;
}

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/i;

function stringAttr(span: Span, key: string): string | undefined {
  const v = getAttr(span.attributes, key);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Name of the service at the other end of a remote span, when the span says. */
export function remoteServiceName(span: Span): string | undefined {
  const peer = stringAttr(span, 'peer.service');
  if (peer) return peer;
  // An address is an identity only when it is a name; bare IPs would turn every pod into a node.
  const address = stringAttr(span, 'server.address');
  if (address && !IP_LITERAL.test(address)) return address;
  return (
    stringAttr(span, 'db.system.name') ??
    stringAttr(span, 'db.system') ??
    (span.kind === SpanKind.PRODUCER || span.kind === SpanKind.CONSUMER ? stringAttr(span, 'messaging.system') : undefined)
  );
}

function isRemoteKind(kind: SpanKind): boolean {
  return kind === SpanKind.CLIENT || kind === SpanKind.SERVER || kind === SpanKind.PRODUCER || kind === SpanKind.CONSUMER;
}

const duration = (s: Span) => s.endTimeUnixNano - s.startTimeUnixNano;

/**
 * What the linker reads from each span beyond the tree: whether it failed and the service it names at its other
 * end. Stores that keep both per span (computed at ingest by isErrorSpan and remoteServiceName) pass them in
 * and build the tree from bare spans, without reading attributes back.
 */
export interface LinkFacts {
  failed: Uint8Array;
  remoteService: (node: number) => string | undefined;
}

function factsOf(tree: TraceTree): LinkFacts {
  return { failed: errorFlags(tree), remoteService: (i) => remoteServiceName(tree.spans[i]) };
}

/** Every link one trace contributes, in Zipkin's (breadth-first-equivalent: pre-order) visiting order. */
export function dependencyLinkRows(tree: TraceTree, facts: LinkFacts = factsOf(tree)): DependencyLinkRow[] {
  const { spans, parent, childStart } = tree;
  const out: DependencyLinkRow[] = [];
  const { failed } = facts;
  const local = (i: number) => (tree.services[i] === UNKNOWN_SERVICE ? undefined : tree.services[i]);
  // Like Zipkin, spans whose parent is missing are read as children of the trace's true root.
  const root = tree.roots.find((r) => spans[r].parentSpanId === '') ?? -1;
  const parentOf = (i: number) => (parent[i] >= 0 || i === root ? parent[i] : root);
  // Nearest ancestor with a remote kind, computed top-down once instead of walking up per span.
  const remoteAncestor = new Int32Array(spans.length).fill(-1);
  for (const i of tree.preorder) {
    const p = parentOf(i);
    if (p >= 0) remoteAncestor[i] = isRemoteKind(spans[p].kind) ? p : remoteAncestor[p];
  }
  for (const i of tree.preorder) {
    const s = spans[i];
    let kind: SpanKind = s.kind;
    if (kind === SpanKind.CLIENT && childStart[i + 1] > childStart[i]) continue;
    const service = local(i);
    const remote = facts.remoteService(i);
    if (!isRemoteKind(kind)) {
      if (service === undefined || remote === undefined) continue;
      kind = SpanKind.CLIENT;
    }
    let from: string | undefined;
    let to: string | undefined;
    if (kind === SpanKind.SERVER || kind === SpanKind.CONSUMER) {
      to = service;
      from = remote;
      if (i === root && from === undefined) continue;
    } else {
      from = service;
      to = remote;
    }
    let isError = failed[i] === 1;
    const row = (p: string, c: string, error: boolean, caller: number, virtual: boolean): void => {
      const callerSpan = caller >= 0 ? spans[caller] : s;
      out.push({
        parent: p,
        child: c,
        parentOperation: callerSpan.name,
        childOperation: s.name,
        error,
        durationNano: caller >= 0 && (callerSpan.kind === SpanKind.CLIENT || callerSpan.kind === SpanKind.PRODUCER) ? duration(callerSpan) : duration(s),
        node: i,
        virtual,
      });
    };
    if (kind === SpanKind.PRODUCER || kind === SpanKind.CONSUMER) {
      if (from !== undefined && to !== undefined) row(from, to, isError, -1, true);
      continue;
    }
    const ra = remoteAncestor[i];
    const raName = ra >= 0 ? local(ra) : undefined;
    let caller = -1;
    if (raName !== undefined) {
      // A client whose nearest remote ancestor is another service: that service called us without a span.
      if (kind === SpanKind.CLIENT && service !== undefined && raName !== service) row(raName, service, false, ra, false);
      if (kind === SpanKind.SERVER || from === undefined) {
        from = raName;
        caller = ra;
      }
      // The server half of a split RPC carries the link, so it also carries the client's failure.
      if (!isError && spans[ra].kind === SpanKind.CLIENT && parentOf(i) === ra) isError = failed[ra] === 1;
    }
    if (from === undefined || to === undefined) continue;
    row(from, to, isError, caller, caller < 0);
  }
  return out;
}

/** Accumulates links over any number of traces, keeping first-seen order. */
export class DependencyLinker {
  /** By parent, then child: no key string to build per call. */
  private readonly byParent = new Map<string, Map<string, DependencyLink>>();
  private readonly links: DependencyLink[] = [];

  add(parent: string, child: string, callCount: number, errorCount: number): void {
    let byChild = this.byParent.get(parent);
    if (byChild === undefined) this.byParent.set(parent, (byChild = new Map()));
    const link = byChild.get(child);
    if (link) {
      link.callCount += callCount;
      link.errorCount += errorCount;
    } else {
      const added = { parent, child, callCount, errorCount };
      byChild.set(child, added);
      this.links.push(added);
    }
  }

  putTrace(tree: TraceTree): this {
    for (const r of dependencyLinkRows(tree)) this.add(r.parent, r.child, 1, r.error ? 1 : 0);
    return this;
  }

  result(): DependencyLink[] {
    return this.links.map((l) => ({ ...l }));
  }
}

export function dependencyLinks(tree: TraceTree): DependencyLink[] {
  return new DependencyLinker().putTrace(tree).result();
}
