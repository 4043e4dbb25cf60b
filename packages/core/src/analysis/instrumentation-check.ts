/**
 * `sextant check` and the health page: the quality findings of many traces, plus the rules only a whole run can
 * answer (a service that never continues its callers' traces, expected services or operations that never
 * showed up), judged against the rules' severities. Pure: the CLI feeds it files or traces read from the API,
 * the server feeds it a window of stored traces.
 */
import { SpanKind, getAttr, type Span } from '../model.js';
import { clockShifts } from './clock-skew.js';
import { remoteServiceName } from './dependencies.js';
import { RULES, RULE_IDS, defaultRulesConfig, type RuleId, type RulesConfig, type Severity } from './instrumentation-rules.js';
import { qualityFindings } from './quality.js';
import { buildTraceTree, childrenOf, retimeTree, type TraceTree } from './tree.js';

export interface CheckFinding {
  rule: RuleId;
  message: string;
  /** Empty for findings about the run rather than one trace (an expected service that never appeared). */
  traceId: string;
  /** Services of the spans involved (or the service the finding is about). */
  services: string[];
  spanIds: string[];
}

export interface RuleResult {
  rule: RuleId;
  group: string;
  severity: Severity;
  /** `fail` for an error-severity rule with findings, `warn` for a warn-severity one, `pass` otherwise. */
  status: 'pass' | 'warn' | 'fail';
  summary: string;
  /** Traces with at least one finding of this rule. */
  traces: number;
  findings: CheckFinding[];
}

export interface CheckReport {
  ok: boolean;
  traces: number;
  spans: number;
  services: string[];
  rules: RuleResult[];
}

/** `host:port` a span says it talks to (client) or was reached at (server), when it says both. */
function addressOf(s: Span): string | undefined {
  const host = getAttr(s.attributes, 'server.address') ?? getAttr(s.attributes, 'net.host.name') ?? getAttr(s.attributes, 'net.peer.name');
  const port = getAttr(s.attributes, 'server.port') ?? getAttr(s.attributes, 'net.host.port') ?? getAttr(s.attributes, 'net.peer.port');
  return typeof host === 'string' && host !== '' && port !== undefined ? `${host}:${String(port)}` : undefined;
}

function isIncoming(kind: SpanKind): boolean {
  return kind === SpanKind.SERVER || kind === SpanKind.CONSUMER;
}

interface ServiceIncoming {
  spans: number;
  continued: number;
  /** The names and addresses callers would use for this service. */
  addresses: Set<string>;
  example?: { traceId: string; spanId: string };
}

/** Trees of the traces, clock-corrected as every analysis sees them. */
function correctedTree(spans: readonly Span[]): { tree: TraceTree; skew: ReturnType<typeof clockShifts>['adjustments'] } {
  const raw = buildTraceTree(spans);
  const skew = clockShifts(raw);
  return { tree: skew.adjustments.length > 0 ? retimeTree(raw, skew.shiftNano) : raw, skew: skew.adjustments };
}

export function checkTraces(traces: readonly (readonly Span[])[], config: RulesConfig = defaultRulesConfig()): CheckReport {
  const findings: CheckFinding[] = [];
  const allServices = new Set<string>();
  const operations = new Set<string>();
  const incoming = new Map<string, ServiceIncoming>();
  /** Client spans that reached no server span of their trace, by the service name or address they called. */
  const uncontinued = new Map<string, { service: string; traceId: string; spanId: string }>();
  let spanCount = 0;

  for (const spans of traces) {
    if (spans.length === 0) continue;
    spanCount += spans.length;
    const { tree, skew } = correctedTree(spans);
    const traceId = spans[0].traceId;
    for (const q of qualityFindings(tree, skew, config.thresholds)) {
      if (config.severity[q.check] === 'off') continue;
      const nodes = q.spanIds.map((id) => tree.byId.get(id)).filter((n): n is number => n !== undefined);
      findings.push({ rule: q.check, message: q.message, traceId, services: [...new Set(nodes.map((n) => tree.services[n]))].sort(), spanIds: q.spanIds });
    }
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i];
      const service = tree.services[i];
      allServices.add(service);
      operations.add(`${service}\u0000${s.name}`);
      if (isIncoming(s.kind)) {
        let entry = incoming.get(service);
        if (!entry) incoming.set(service, (entry = { spans: 0, continued: 0, addresses: new Set([service]) }));
        entry.spans++;
        if (s.parentSpanId !== '') entry.continued++;
        else entry.example ??= { traceId, spanId: s.spanId };
        const address = addressOf(s);
        if (address) entry.addresses.add(address);
      } else if (s.kind === SpanKind.CLIENT || s.kind === SpanKind.PRODUCER) {
        const kids = childrenOf(tree, i);
        let answered = false;
        for (const k of kids) if (isIncoming(spans[k].kind)) answered = true;
        if (!answered) {
          for (const target of [remoteServiceName(s), addressOf(s)]) {
            if (target !== undefined && !uncontinued.has(target)) uncontinued.set(target, { service, traceId, spanId: s.spanId });
          }
        }
      }
    }
  }

  if (config.severity['service-never-continues'] !== 'off') {
    for (const [service, entry] of incoming) {
      if (entry.continued > 0 || entry.spans < config.thresholds.minServerSpans) continue;
      // Only a service that traced callers are seen calling: an edge service's requests come from outside.
      const caller = [...entry.addresses].map((a) => uncontinued.get(a)).find((c) => c !== undefined && c.service !== service);
      if (!caller) continue;
      findings.push({
        rule: 'service-never-continues',
        message: `${service} received ${entry.spans} requests and started a new trace for every one, although ${caller.service} calls it from traced requests: its propagator does not read the callers' traceparent (OTEL_PROPAGATORS, or a proxy dropping the header)`,
        traceId: entry.example?.traceId ?? '',
        services: [service],
        spanIds: entry.example ? [entry.example.spanId] : [],
      });
    }
  }

  if (config.severity['expected-absent'] !== 'off') {
    for (const want of config.expect) {
      const colon = want.indexOf(':');
      const service = colon < 0 ? want : want.slice(0, colon);
      const operation = colon < 0 ? undefined : want.slice(colon + 1);
      const present = operation === undefined ? allServices.has(service) : operations.has(`${service}\u0000${operation}`);
      if (!present) {
        findings.push({
          rule: 'expected-absent',
          message:
            operation === undefined
              ? `no span of service ${service} in the checked traces`
              : `no span named ${operation} in service ${service}${allServices.has(service) ? '' : ` (the service sent no spans at all)`}`,
          traceId: '',
          services: [service],
          spanIds: [],
        });
      }
    }
  }

  const rules: RuleResult[] = RULE_IDS.map((rule) => {
    const severity = config.severity[rule];
    const own = findings.filter((f) => f.rule === rule);
    const status: RuleResult['status'] = severity === 'off' || own.length === 0 ? 'pass' : severity === 'error' ? 'fail' : 'warn';
    return { rule, group: RULES[rule].group, severity, status, summary: RULES[rule].summary, traces: new Set(own.map((f) => f.traceId).filter((t) => t !== '')).size, findings: own };
  });
  return { ok: rules.every((r) => r.status !== 'fail'), traces: traces.length, spans: spanCount, services: [...allServices].sort(), rules };
}
