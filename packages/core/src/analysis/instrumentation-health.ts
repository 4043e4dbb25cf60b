/**
 * Instrumentation health per service over a window: the `sextant check` findings (one source) grouped by the
 * service they involve, with a score a team can watch. Score = 100 × (1 − (traces with an error finding +
 * ¼ × traces with only warnings) / traces through the service): a service whose every trace is sound scores 100.
 */
import { serviceName, type Span } from '../model.js';
import type { CheckReport } from './instrumentation-check.js';
import type { RuleId, Severity } from './instrumentation-rules.js';

export interface ServiceRuleHealth {
  rule: RuleId;
  severity: Severity;
  summary: string;
  /** Findings of this rule that involve the service. */
  findings: number;
  /** Traces through the service with such a finding. */
  traces: number;
  /** One message for the reader, the first found. */
  message: string;
  /** A few traces to open (empty for run-level findings such as an expected service that never appeared). */
  exampleTraceIds: string[];
}

export interface ServiceHealth {
  service: string;
  score: number;
  traces: number;
  spans: number;
  /** Traces with at least one error-severity finding involving this service. */
  failingTraces: number;
  /** Traces with only warning findings involving this service. */
  warningTraces: number;
  /** Rules with findings, errors first, then by the number of traces affected. */
  findings: ServiceRuleHealth[];
}

const EXAMPLES = 5;

export function serviceHealth(traces: readonly (readonly Span[])[], report: CheckReport): ServiceHealth[] {
  const byService = new Map<string, { traces: number; spans: number }>();
  for (const spans of traces) {
    const seen = new Set<string>();
    for (const s of spans) {
      const name = serviceName(s);
      let row = byService.get(name);
      if (!row) byService.set(name, (row = { traces: 0, spans: 0 }));
      row.spans++;
      if (!seen.has(name)) (seen.add(name), row.traces++);
    }
  }
  const out: ServiceHealth[] = [];
  const services = new Set([...byService.keys(), ...report.rules.flatMap((r) => r.findings.flatMap((f) => f.services))]);
  for (const service of services) {
    const totals = byService.get(service) ?? { traces: 0, spans: 0 };
    const failing = new Set<string>();
    const warning = new Set<string>();
    const rules: ServiceRuleHealth[] = [];
    for (const r of report.rules) {
      if (r.severity === 'off') continue;
      const own = r.findings.filter((f) => f.services.includes(service));
      if (own.length === 0) continue;
      const traceIds = [...new Set(own.map((f) => f.traceId).filter((t) => t !== ''))];
      for (const t of traceIds) (r.severity === 'error' ? failing : warning).add(t);
      rules.push({ rule: r.rule, severity: r.severity, summary: r.summary, findings: own.length, traces: traceIds.length, message: own[0].message, exampleTraceIds: traceIds.slice(0, EXAMPLES) });
    }
    for (const t of failing) warning.delete(t);
    rules.sort((a, b) => (a.severity === b.severity ? b.traces - a.traces || b.findings - a.findings : a.severity === 'error' ? -1 : 1));
    // A service known only from a run-level finding (expected, never seen) has no trace to be sound in.
    const score = totals.traces > 0 ? Math.max(0, Math.round(100 * (1 - (failing.size + warning.size / 4) / totals.traces))) : 0;
    out.push({ service, score, traces: totals.traces, spans: totals.spans, failingTraces: failing.size, warningTraces: warning.size, findings: rules });
  }
  return out.sort((a, b) => a.score - b.score || a.service.localeCompare(b.service));
}
