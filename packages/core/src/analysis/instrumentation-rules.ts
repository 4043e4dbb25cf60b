/**
 * The catalogue of instrumentation rules: every check the quality findings, `sextant check` and the health page
 * report, with its default severity and thresholds, and the parser of a rules file that overrides them. One
 * source: the per-trace checks (quality.ts) read their thresholds from here and the cross-trace checks
 * (instrumentation-check.ts) too, so a rules file changes what every view reports.
 */

export type Severity = 'error' | 'warn' | 'off';

export type RuleId =
  // broken propagation
  | 'missing-parent'
  | 'multiple-roots'
  | 'fragment-root'
  | 'client-without-server'
  | 'service-never-continues'
  | 'duplicate-span-id'
  | 'parent-cycle'
  // identity
  | 'missing-service-name'
  // timing
  | 'clock-skew'
  | 'non-positive-duration'
  | 'child-outside-parent'
  // cardinality and size
  | 'id-in-span-name'
  | 'oversized-attributes'
  | 'id-in-attribute-key'
  // privacy
  | 'sensitive-attribute'
  // semantic conventions
  | 'deprecated-attribute'
  | 'http-server-incomplete'
  | 'error-without-detail'
  // the run as a whole
  | 'expected-absent';

export interface RuleInfo {
  group: 'propagation' | 'identity' | 'timing' | 'cardinality' | 'privacy' | 'conventions' | 'coverage';
  severity: Severity;
  /** What the rule protects against, one sentence, for reports and the rules reference. */
  summary: string;
}

export const RULES: Readonly<Record<RuleId, RuleInfo>> = {
  'missing-parent': { group: 'propagation', severity: 'error', summary: 'spans whose parent is not in the trace (incomplete trace or lost context)' },
  'multiple-roots': { group: 'propagation', severity: 'error', summary: 'traces with more than one root span' },
  'fragment-root': { group: 'propagation', severity: 'error', summary: 'traces whose root is a CLIENT or CONSUMER span: the caller’s context was lost, this is a fragment' },
  'client-without-server': { group: 'propagation', severity: 'error', summary: 'client calls to an instrumented service that never show up as its server span' },
  'service-never-continues': { group: 'propagation', severity: 'error', summary: 'services that are called by traced callers but never continue their traces' },
  'duplicate-span-id': { group: 'propagation', severity: 'error', summary: 'span ids used twice' },
  'parent-cycle': { group: 'propagation', severity: 'error', summary: 'parent ids that loop' },
  'missing-service-name': { group: 'identity', severity: 'error', summary: 'spans without service.name or with the SDK default unknown_service:*' },
  'clock-skew': { group: 'timing', severity: 'warn', summary: 'spans shifted to fit inside their parents because host clocks disagree' },
  'non-positive-duration': { group: 'timing', severity: 'error', summary: 'spans that end before or when they start (never ended, or zero-duration)' },
  'child-outside-parent': { group: 'timing', severity: 'error', summary: 'children that start before their parent beyond the clock-skew tolerance' },
  'id-in-span-name': { group: 'cardinality', severity: 'error', summary: 'span names that contain ids (GET /users/123): unbounded operation names' },
  'oversized-attributes': { group: 'cardinality', severity: 'warn', summary: 'huge attribute values, too many attributes, or dropped attributes' },
  'id-in-attribute-key': { group: 'cardinality', severity: 'warn', summary: 'attribute keys that contain ids: unbounded key sets' },
  'sensitive-attribute': { group: 'privacy', severity: 'error', summary: 'attributes that look like passwords, tokens, card numbers or e-mail addresses: redact them' },
  'deprecated-attribute': { group: 'conventions', severity: 'warn', summary: 'deprecated semantic-convention names sent alongside their replacements' },
  'http-server-incomplete': { group: 'conventions', severity: 'warn', summary: 'HTTP server spans without http.route or a response status code' },
  'error-without-detail': { group: 'conventions', severity: 'warn', summary: 'error spans without a status message, an exception event or error.type' },
  'expected-absent': { group: 'coverage', severity: 'error', summary: 'expected services or operations that no trace of the run contains' },
};

export const RULE_IDS = Object.keys(RULES) as RuleId[];

/** Thresholds of the per-trace checks. Times in nanoseconds. */
export interface RuleThresholds {
  /** How far a child may start before its parent after skew correction. */
  clockSkewToleranceNano: number;
  /** Longest attribute value (characters, or bytes for binary) before it counts as oversized. */
  maxAttributeValueLength: number;
  /** OpenTelemetry's default attribute count limit per span. */
  maxAttributesPerSpan: number;
  /** Extra attribute-key patterns (regular expressions, case-insensitive) that count as secrets. */
  sensitiveKeys: string[];
  /** Keys never reported as sensitive (exact names), for attributes known to hold redacted or harmless values. */
  allowKeys: string[];
  /** Whether an HTTP server span must carry http.route (frameworks set it; bare node:http servers cannot). */
  requireHttpRoute: boolean;
  /** Fewest server spans a service must have before `service-never-continues` judges it. */
  minServerSpans: number;
}

export const DEFAULT_THRESHOLDS: Readonly<RuleThresholds> = {
  clockSkewToleranceNano: 1_000_000,
  maxAttributeValueLength: 4096,
  maxAttributesPerSpan: 128,
  sensitiveKeys: [],
  allowKeys: [],
  requireHttpRoute: true,
  minServerSpans: 3,
};

export interface RulesConfig {
  severity: Record<RuleId, Severity>;
  thresholds: RuleThresholds;
  /** `service` or `service:operation` entries that must appear in the checked traces. */
  expect: string[];
}

export function defaultRulesConfig(): RulesConfig {
  const severity = {} as Record<RuleId, Severity>;
  for (const id of RULE_IDS) severity[id] = RULES[id].severity;
  return { severity, thresholds: { ...DEFAULT_THRESHOLDS, sensitiveKeys: [], allowKeys: [] }, expect: [] };
}

export class RulesConfigError extends Error {}

const THRESHOLD_KEYS: Record<string, { key: keyof RuleThresholds; scale?: number; kind: 'number' | 'boolean' | 'strings' }> = {
  clockSkewToleranceMs: { key: 'clockSkewToleranceNano', scale: 1e6, kind: 'number' },
  maxAttributeValueLength: { key: 'maxAttributeValueLength', kind: 'number' },
  maxAttributesPerSpan: { key: 'maxAttributesPerSpan', kind: 'number' },
  sensitiveKeys: { key: 'sensitiveKeys', kind: 'strings' },
  allowKeys: { key: 'allowKeys', kind: 'strings' },
  requireHttpRoute: { key: 'requireHttpRoute', kind: 'boolean' },
  minServerSpans: { key: 'minServerSpans', kind: 'number' },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a rules file: `{"rules": {"RULE": "error"|"warn"|"off" | {"severity": …}}, "thresholds": {…},
 * "expect": ["service", "service:operation"]}`. Every key is checked, so a typo is an error, not a silent default.
 */
export function parseRulesConfig(json: unknown, base: RulesConfig = defaultRulesConfig()): RulesConfig {
  if (!isObject(json)) throw new RulesConfigError('the rules file must hold a JSON object');
  const out: RulesConfig = { severity: { ...base.severity }, thresholds: { ...base.thresholds }, expect: [...base.expect] };
  for (const key of Object.keys(json)) {
    if (key !== 'rules' && key !== 'thresholds' && key !== 'expect') throw new RulesConfigError(`unknown key '${key}' (expected rules, thresholds, expect)`);
  }
  if (json.rules !== undefined) {
    if (!isObject(json.rules)) throw new RulesConfigError('"rules" must be an object of rule: severity');
    for (const [id, v] of Object.entries(json.rules)) {
      if (!Object.hasOwn(RULES, id)) throw new RulesConfigError(`unknown rule '${id}' (rules: ${RULE_IDS.join(', ')})`);
      const severity = isObject(v) ? v.severity : v;
      if (severity !== 'error' && severity !== 'warn' && severity !== 'off') {
        throw new RulesConfigError(`rule '${id}': severity must be "error", "warn" or "off"`);
      }
      out.severity[id as RuleId] = severity;
    }
  }
  if (json.thresholds !== undefined) {
    if (!isObject(json.thresholds)) throw new RulesConfigError('"thresholds" must be an object');
    for (const [name, v] of Object.entries(json.thresholds)) {
      const spec = THRESHOLD_KEYS[name];
      if (!spec) throw new RulesConfigError(`unknown threshold '${name}' (thresholds: ${Object.keys(THRESHOLD_KEYS).join(', ')})`);
      if (spec.kind === 'number') {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RulesConfigError(`threshold '${name}' must be a non-negative number`);
        (out.thresholds[spec.key] as number) = v * (spec.scale ?? 1);
      } else if (spec.kind === 'boolean') {
        if (typeof v !== 'boolean') throw new RulesConfigError(`threshold '${name}' must be true or false`);
        (out.thresholds[spec.key] as boolean) = v;
      } else {
        if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new RulesConfigError(`threshold '${name}' must be a list of strings`);
        if (name === 'sensitiveKeys') {
          for (const p of v) {
            try {
              new RegExp(p, 'i');
            } catch {
              throw new RulesConfigError(`threshold 'sensitiveKeys': '${p}' is not a regular expression`);
            }
          }
        }
        (out.thresholds[spec.key] as string[]) = [...v];
      }
    }
  }
  if (json.expect !== undefined) {
    if (!Array.isArray(json.expect) || !json.expect.every((s) => typeof s === 'string' && s.trim() !== '')) {
      throw new RulesConfigError('"expect" must be a list of "service" or "service:operation" strings');
    }
    out.expect.push(...json.expect.map((s) => s.trim()));
  }
  return out;
}
