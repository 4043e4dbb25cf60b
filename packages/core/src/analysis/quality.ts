/**
 * Instrumentation quality checks over one trace: the things that make a trace lie (lost context, fragments,
 * skewed clocks, impossible timings, spans with no service), cost too much (ids in names and keys, oversized
 * attributes), leak (secret-looking values) or break conventions. Each finding names the spans involved. The
 * rules, their severities and thresholds are defined once in instrumentation-rules.ts.
 */
import { SpanKind, StatusCode, UNKNOWN_SERVICE, getAttr, type AttrValue, type KeyValue, type Resource, type Span } from '../model.js';
import { DEPRECATED_ATTRIBUTES, keyHasId, nameHasId, sensitiveKind, type SecretKind } from './attribute-patterns.js';
import type { ClockSkewAdjustment } from './clock-skew.js';
import { remoteServiceName } from './dependencies.js';
import { formatDuration } from './format.js';
import { DEFAULT_THRESHOLDS, type RuleId, type RuleThresholds } from './instrumentation-rules.js';
import type { TraceTree } from './tree.js';

/** The per-trace rules (the cross-trace ones are in instrumentation-check.ts). */
export type QualityCheck = Exclude<RuleId, 'service-never-continues' | 'expected-absent'>;

export interface QualityFinding {
  check: QualityCheck;
  spanIds: string[];
  message: string;
}

// Attributes that name a client span's callee; a GenAI provider (gen_ai.provider.name, formerly gen_ai.system) is one
// too: model APIs are called, not instrumented.
const REMOTE_HINTS = ['server.address', 'network.peer.address', 'net.peer.name', 'url.full', 'http.url', 'gen_ai.provider.name', 'gen_ai.system'];

function valueLength(v: AttrValue): number {
  if (typeof v === 'string') return v.length;
  if (typeof v !== 'object') return 0; // numbers and booleans: most values, so decided before the object tests
  if (v instanceof Uint8Array) return v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + valueLength(x), 0);
  return 0;
}

function hasOversizedValue(attributes: readonly KeyValue[], limit: number): boolean {
  for (const kv of attributes) if (valueLength(kv.value) > limit) return true;
  return false;
}

const HTTP_METHOD_KEYS = ['http.request.method', 'http.method'];
const HTTP_STATUS_KEYS = ['http.response.status_code', 'http.status_code'];

/** Keys of a list that look sensitive, with the kind of match (never the value). */
function sensitiveKeys(attributes: readonly KeyValue[], allow: ReadonlySet<string>, extra: readonly RegExp[], out: Map<string, SecretKind>): boolean {
  let found = false;
  for (const kv of attributes) {
    if (allow.has(kv.key)) continue;
    const kind = sensitiveKind(kv.key, kv.value, extra);
    if (kind !== undefined) {
      if (!out.has(kv.key)) out.set(kv.key, kind);
      found = true;
    }
  }
  return found;
}

function spanHasSecret(s: Span, allow: ReadonlySet<string>, extra: readonly RegExp[], out: Map<string, SecretKind>, seenResources: Map<Resource, boolean>): boolean {
  let found = sensitiveKeys(s.attributes, allow, extra, out);
  for (const e of s.events) if (sensitiveKeys(e.attributes, allow, extra, out)) found = true;
  let inResource = seenResources.get(s.resource);
  if (inResource === undefined) seenResources.set(s.resource, (inResource = sensitiveKeys(s.resource.attributes, allow, extra, out)));
  return found || inResource;
}

function listKeys(keys: Iterable<string>, max = 5): string {
  const all = [...keys];
  return all.slice(0, max).join(', ') + (all.length > max ? `, … (${all.length - max} more)` : '');
}

/** The verb form that agrees with a count: `agree(1, 'has', 'have')`. */
function agree(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function qualityFindings(
  tree: TraceTree,
  clockSkew: readonly ClockSkewAdjustment[] = [],
  limits: Readonly<RuleThresholds> = DEFAULT_THRESHOLDS,
): QualityFinding[] {
  const { spans, services } = tree;
  const out: QualityFinding[] = [];
  const add = (check: QualityCheck, nodes: readonly number[], message: string) => {
    if (nodes.length > 0) out.push({ check, spanIds: nodes.map((i) => spans[i].spanId), message });
  };

  add(
    'missing-parent',
    tree.orphans,
    `${plural(tree.orphans.length, 'span')} ${agree(tree.orphans.length, 'names', 'name')} a parent that is not in the trace: the trace is incomplete or context propagation broke`,
  );
  if (tree.roots.length > 1) {
    add('multiple-roots', tree.roots, `the trace has ${tree.roots.length} root spans instead of one`);
  }
  add(
    'duplicate-span-id',
    tree.duplicates,
    `${plural(tree.duplicates.length, 'span')} ${agree(tree.duplicates.length, 'reuses', 'reuse')} the id of another span without being its RPC peer (duplicates or fragments of it)`,
  );
  add('parent-cycle', tree.cycleBreaks, `parent ids form a loop; it was cut at ${plural(tree.cycleBreaks.length, 'span')}`);

  const fragmentRoots = tree.roots.filter(
    (i) => spans[i].parentSpanId === '' && (spans[i].kind === SpanKind.CLIENT || spans[i].kind === SpanKind.CONSUMER),
  );
  add(
    'fragment-root',
    fragmentRoots,
    `the trace starts at a ${spans[fragmentRoots[0]]?.kind === SpanKind.CONSUMER ? 'CONSUMER' : 'CLIENT'} span (${spans[fragmentRoots[0]]?.name ?? ''}): the caller's context was lost, so this is a fragment of another trace`,
  );

  const unnamed: number[] = [];
  const nonPositive: number[] = [];
  const outside: number[] = [];
  const oversized: number[] = [];
  const clientsWithoutServer: number[] = [];
  const idNames: number[] = [];
  const idKeys: number[] = [];
  const idKeyNames = new Set<string>();
  const secretSpans: number[] = [];
  const secretKeys = new Map<string, SecretKind>();
  const deprecated: number[] = [];
  const deprecatedPairs = new Set<string>();
  const incompleteServers: number[] = [];
  const incompleteWhat = new Set<string>();
  const bareErrors: number[] = [];
  const seenResources = new Map<Resource, boolean>();
  const allow = new Set(limits.allowKeys);
  const extraSecretKeys = limits.sensitiveKeys.map((p) => new RegExp(p, 'i'));
  const tolerance = limits.clockSkewToleranceNano;
  const traced = new Set(services);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (services[i] === UNKNOWN_SERVICE || services[i].startsWith(`${UNKNOWN_SERVICE}:`)) unnamed.push(i);
    if (s.endTimeUnixNano <= s.startTimeUnixNano) nonPositive.push(i);
    const p = tree.parent[i];
    if (p >= 0) {
      // On the corrected clock: a start that skew correction could not explain is impossible. Ends are not
      // judged: children may outlive their parent (work not awaited, a client that timed out).
      if (tree.start[p] - tree.start[i] > tolerance) outside.push(i);
    }
    if (s.attributes.length > limits.maxAttributesPerSpan || s.droppedAttributesCount > 0 || hasOversizedValue(s.attributes, limits.maxAttributeValueLength)) {
      oversized.push(i);
    }
    if (nameHasId(s.name)) idNames.push(i);
    let idKey = false;
    for (const kv of s.attributes) {
      if (keyHasId(kv.key)) {
        idKey = true;
        idKeyNames.add(kv.key);
      }
    }
    if (idKey) idKeys.push(i);
    if (spanHasSecret(s, allow, extraSecretKeys, secretKeys, seenResources)) secretSpans.push(i);
    let stale = false;
    for (const [old, current] of DEPRECATED_ATTRIBUTES) {
      if (getAttr(s.attributes, old) !== undefined && getAttr(s.attributes, current) !== undefined) {
        stale = true;
        deprecatedPairs.add(`${old} (use ${current})`);
      }
    }
    if (stale) deprecated.push(i);
    if (s.kind === SpanKind.SERVER && HTTP_METHOD_KEYS.some((k) => getAttr(s.attributes, k) !== undefined)) {
      const noRoute = limits.requireHttpRoute && getAttr(s.attributes, 'http.route') === undefined;
      const noStatus = HTTP_STATUS_KEYS.every((k) => getAttr(s.attributes, k) === undefined);
      if (noRoute) incompleteWhat.add('http.route');
      if (noStatus) incompleteWhat.add('http.response.status_code');
      if (noRoute || noStatus) incompleteServers.push(i);
    }
    if (
      s.status.code === StatusCode.ERROR &&
      s.status.message === '' &&
      getAttr(s.attributes, 'error.type') === undefined &&
      !s.events.some((e) => e.name === 'exception')
    ) {
      bareErrors.push(i);
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
  add('missing-service-name', unnamed, `${plural(unnamed.length, 'span')} ${agree(unnamed.length, 'has', 'have')} no service.name resource attribute`);
  if (clockSkew.length > 0) {
    const largest = clockSkew.reduce((m, a) => (abs(a.adjustNano) > m ? abs(a.adjustNano) : m), 0n);
    add(
      'clock-skew',
      clockSkew.map((a) => a.node),
      `${plural(clockSkew.length, 'span')} ${agree(clockSkew.length, 'was', 'were')} shifted (by up to ${formatDuration(largest)}) to fit inside their parents: host clocks disagree`,
    );
  }
  add('non-positive-duration', nonPositive, `${plural(nonPositive.length, 'span')} ${agree(nonPositive.length, 'ends', 'end')} before or when they start (never ended, or a zero-duration span)`);
  add(
    'child-outside-parent',
    outside,
    `${plural(outside.length, 'span')} ${agree(outside.length, 'starts', 'start')} before their parent by more than ${formatDuration(BigInt(Math.round(tolerance)))} after clock-skew correction`,
  );
  add(
    'client-without-server',
    clientsWithoutServer,
    `${plural(clientsWithoutServer.length, 'client span')} ${agree(clientsWithoutServer.length, 'has', 'have')} no server span below them although the callee looks instrumented: trace context was probably not propagated`,
  );
  add(
    'oversized-attributes',
    oversized,
    `${plural(oversized.length, 'span')} ${agree(oversized.length, 'carries', 'carry')} more than ${limits.maxAttributesPerSpan} attributes, a value over ${limits.maxAttributeValueLength} characters, or dropped attributes`,
  );
  add(
    'id-in-span-name',
    idNames,
    `${plural(idNames.length, 'span')} ${agree(idNames.length, 'has', 'have')} an id in their name (e.g. ${spans[idNames[0]]?.name ?? ''}): name spans after the route or operation and put the id in an attribute`,
  );
  add('id-in-attribute-key', idKeys, `${plural(idKeys.length, 'span')} ${agree(idKeys.length, 'uses', 'use')} attribute keys that contain ids (${listKeys(idKeyNames)}): put the id in the value`);
  add(
    'sensitive-attribute',
    secretSpans,
    `${plural(secretSpans.length, 'span')} ${agree(secretSpans.length, 'carries', 'carry')} attributes that look sensitive (${listKeys([...secretKeys].map(([k, kind]) => `${k}: ${kind}`))}): redact them in the SDK or the Collector`,
  );
  add('deprecated-attribute', deprecated, `${plural(deprecated.length, 'span')} ${agree(deprecated.length, 'sends', 'send')} deprecated names alongside the current ones: ${listKeys(deprecatedPairs)}`);
  add('http-server-incomplete', incompleteServers, `${plural(incompleteServers.length, 'HTTP server span')} ${agree(incompleteServers.length, 'lacks', 'lack')} ${[...incompleteWhat].join(' and ')}`);
  add('error-without-detail', bareErrors, `${plural(bareErrors.length, 'error span')} ${agree(bareErrors.length, 'says', 'say')} neither why (status message, error.type) nor what was thrown (exception event)`);
  return out;
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}
