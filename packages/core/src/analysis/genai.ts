/**
 * GenAI and agent runs: the spans of the OpenTelemetry GenAI semantic conventions (model calls, tool calls,
 * agents, retrieval), the conversation they carry, their tokens, and where a run spends its time: in the model,
 * in tools, or elsewhere, and how much of that is on the run's critical path.
 *
 * Reads the current conventions (`gen_ai.operation.name`, `gen_ai.request.model`, `gen_ai.usage.input_tokens`,
 * `gen_ai.input.messages`/`gen_ai.output.messages`, `gen_ai.tool.*`, `gen_ai.agent.*`) and the older ones
 * (`gen_ai.system`, `gen_ai.usage.prompt_tokens`/`completion_tokens`, and messages as span events:
 * `gen_ai.{system,user,assistant,tool}.message`, `gen_ai.choice`, `gen_ai.content.prompt`/`completion`).
 * Message text is untrusted and unbounded: parts are clipped to MAX_TEXT characters.
 */
import { getAttr, type AttrValue, type KeyValue, type Span } from '../model.js';
import { criticalPath } from './critical-path.js';
import { isErrorSpan } from './errors.js';
import { formatAttrValue } from './format.js';
import { startOf, type TraceTree } from './tree.js';

/** What a GenAI span does, from `gen_ai.operation.name`: the model answers, a tool runs, or an agent orchestrates. */
export type GenAiStepKind = 'model' | 'tool' | 'agent' | 'retrieval' | 'other';

export interface GenAiPart {
  type: 'text' | 'tool_call' | 'tool_result' | 'other';
  /** Text, or the tool call's arguments / the tool's result, as text. */
  text: string;
  toolName?: string;
  toolCallId?: string;
  /** The text was longer than MAX_TEXT and was cut. */
  truncated?: boolean;
}

export interface GenAiMessage {
  role: string;
  parts: GenAiPart[];
}

export interface GenAiStep {
  spanId: string;
  /** Span id of the nearest GenAI ancestor (the agent or tool that made this call), if any. */
  parentStepSpanId?: string;
  kind: GenAiStepKind;
  /** `gen_ai.operation.name` (or what the older attributes imply). */
  operation: string;
  name: string;
  service: string;
  model?: string;
  provider?: string;
  agentName?: string;
  toolName?: string;
  toolCallId?: string;
  inputTokens?: number;
  outputTokens?: number;
  startUnixNano: string;
  durationNano: string;
  error: boolean;
  /** Messages sent to the model that no earlier step of the trace already showed, then its answer. */
  input: GenAiMessage[];
  output: GenAiMessage[];
}

/** Time split three ways; the parts add up to the whole. */
export interface GenAiTimeSplit {
  modelNano: string;
  toolNano: string;
  otherNano: string;
}

/** A top-level GenAI span (usually `invoke_agent`) and everything under it. */
export interface GenAiRun {
  spanId: string;
  name: string;
  agentName?: string;
  durationNano: string;
  modelCalls: number;
  toolCalls: number;
  inputTokens: number;
  outputTokens: number;
  /** The run's own critical path (from its span), split by what each section was doing. */
  criticalPath: GenAiTimeSplit;
}

export interface GenAiAnalysis {
  /** Every GenAI span in start order. */
  steps: GenAiStep[];
  runs: GenAiRun[];
  modelCalls: number;
  /** `execute_tool` and `retrieval` spans. */
  toolCalls: number;
  inputTokens: number;
  outputTokens: number;
  models: { model: string; calls: number; inputTokens: number; outputTokens: number; totalNano: string }[];
  tools: { tool: string; calls: number; errors: number; totalNano: string }[];
  /** Summed durations of model calls and of tool calls (retrieval included; parallel calls each count), and of the trace. */
  time: { modelNano: string; toolNano: string; traceNano: string };
  /** The trace's critical path split by what each section was doing. */
  criticalPath: GenAiTimeSplit;
}

export const MAX_TEXT = 4000;
/** Steps kept in the analysis; a run with more is summarised but not listed in full. */
export const MAX_STEPS = 2000;

const MODEL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings', 'completion']);
const AGENT_OPERATIONS = new Set(['invoke_agent', 'create_agent', 'invoke_workflow']);

function str(attrs: readonly KeyValue[], key: string): string | undefined {
  const v = getAttr(attrs, key);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(attrs: readonly KeyValue[], ...keys: string[]): number | undefined {
  for (const key of keys) {
    const v = getAttr(attrs, key);
    const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

/** The GenAI operation of a span, or undefined for a span that is not a GenAI span. */
export function genAiOperation(span: Span): string | undefined {
  const a = span.attributes;
  const op = str(a, 'gen_ai.operation.name');
  if (op !== undefined) return op;
  if (str(a, 'gen_ai.tool.name') !== undefined) return 'execute_tool';
  if (str(a, 'gen_ai.agent.name') !== undefined) return 'invoke_agent';
  if (str(a, 'gen_ai.request.model') !== undefined || str(a, 'gen_ai.system') !== undefined) return 'chat';
  return undefined;
}

function kindOf(operation: string): GenAiStepKind {
  if (MODEL_OPERATIONS.has(operation)) return 'model';
  if (operation === 'execute_tool') return 'tool';
  if (AGENT_OPERATIONS.has(operation)) return 'agent';
  if (operation === 'retrieval') return 'retrieval';
  return 'other';
}

/** An attribute value as plain JS (kvlists as objects), so that structured and JSON-string messages read alike. */
function plain(v: AttrValue | undefined): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return formatAttrValue(v);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const kv of v.kvlist) out[kv.key] = plain(kv.value);
    return out;
  }
  return v;
}

/** A JSON string attribute parsed, a structured one converted; unparsable text stays text. */
function structured(v: AttrValue | undefined): unknown {
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('[') || t.startsWith('{')) {
      try {
        return JSON.parse(t);
      } catch {
        return v;
      }
    }
    return v;
  }
  return plain(v);
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function part(type: GenAiPart['type'], value: unknown, extra: Partial<GenAiPart> = {}): GenAiPart {
  const text = asText(value);
  const p: GenAiPart = { type, text: text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text, ...extra };
  if (text.length > MAX_TEXT) p.truncated = true;
  return p;
}

function record(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function optString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** One part of the current conventions' message format (`{type, content}`, `{type:'tool_call', …}`, …). */
function partFrom(v: unknown): GenAiPart {
  const r = record(v);
  if (r === null) return part('text', v);
  const type = r.type;
  if (type === 'text' || type === 'reasoning') return part('text', r.content ?? r.text);
  if (type === 'tool_call') return part('tool_call', r.arguments, { toolName: optString(r.name), toolCallId: optString(r.id) });
  if (type === 'tool_call_response') return part('tool_result', r.response ?? r.result, { toolCallId: optString(r.id) });
  return part('other', r);
}

/** Tool calls in the older OpenAI-like shape: `[{id, function: {name, arguments}}]`. */
function legacyToolCalls(v: unknown): GenAiPart[] {
  if (!Array.isArray(v)) return [];
  return v.map((c) => {
    const r = record(c) ?? {};
    const fn = record(r.function) ?? {};
    return part('tool_call', fn.arguments ?? r.arguments, { toolName: optString(fn.name ?? r.name), toolCallId: optString(r.id) });
  });
}

/** A message in either shape: `{role, parts}` (current) or `{role, content, tool_calls}` (older). */
function messageFrom(v: unknown, defaultRole: string): GenAiMessage {
  const r = record(v);
  if (r === null) return { role: defaultRole, parts: [part('text', v)] };
  const role = optString(r.role) ?? defaultRole;
  if (Array.isArray(r.parts)) return { role, parts: r.parts.map(partFrom) };
  const inner = record(r.message);
  if (inner !== null) return messageFrom(inner, role);
  const parts: GenAiPart[] = [];
  if (r.content !== undefined && r.content !== null && r.content !== '') {
    parts.push(role === 'tool' ? part('tool_result', r.content, { toolCallId: optString(r.tool_call_id ?? r.id) }) : part('text', r.content));
  }
  parts.push(...legacyToolCalls(r.tool_calls));
  return { role, parts };
}

function messagesFrom(v: unknown, defaultRole: string): GenAiMessage[] {
  if (v === null || v === undefined || v === '') return [];
  return (Array.isArray(v) ? v : [v]).map((m) => messageFrom(m, defaultRole));
}

const EVENT_ROLES: Record<string, string> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};

/** Input and output messages of a model call, from attributes or, in the older form, span events. */
function conversation(span: Span): { input: GenAiMessage[]; output: GenAiMessage[] } {
  const a = span.attributes;
  const input = [
    ...messagesFrom(structured(getAttr(a, 'gen_ai.system_instructions')), 'system').map((m) => ({ ...m, role: 'system' })),
    ...messagesFrom(structured(getAttr(a, 'gen_ai.input.messages')), 'user'),
  ];
  const output = messagesFrom(structured(getAttr(a, 'gen_ai.output.messages')), 'assistant');
  for (const e of span.events) {
    const body = structured(getAttr(e.attributes, 'gen_ai.event.content') ?? getAttr(e.attributes, 'content') ?? getAttr(e.attributes, 'body'));
    const role = EVENT_ROLES[e.name];
    if (role !== undefined) {
      const m = record(body) !== null ? messageFrom(body, role) : { role, parts: body === null ? [] : [part(role === 'tool' ? 'tool_result' : 'text', body)] };
      if (m.parts.length === 0) m.parts.push(...legacyToolCalls(structured(getAttr(e.attributes, 'tool_calls'))));
      input.push(m);
    } else if (e.name === 'gen_ai.choice') {
      output.push(messageFrom(body ?? structured(getAttr(e.attributes, 'message')), 'assistant'));
    } else if (e.name === 'gen_ai.content.prompt') {
      input.push(...messagesFrom(structured(getAttr(e.attributes, 'gen_ai.prompt')), 'user'));
    } else if (e.name === 'gen_ai.content.completion') {
      output.push(...messagesFrom(structured(getAttr(e.attributes, 'gen_ai.completion')), 'assistant'));
    }
  }
  return { input, output };
}

function toolMessages(span: Span): { input: GenAiMessage[]; output: GenAiMessage[] } {
  const a = span.attributes;
  const args = getAttr(a, 'gen_ai.tool.call.arguments');
  const result = getAttr(a, 'gen_ai.tool.call.result');
  const extra = { toolName: str(a, 'gen_ai.tool.name'), toolCallId: str(a, 'gen_ai.tool.call.id') };
  return {
    input: args === undefined ? [] : [{ role: 'tool_call', parts: [part('tool_call', formatAttrValue(args), extra)] }],
    output: result === undefined ? [] : [{ role: 'tool', parts: [part('tool_result', formatAttrValue(result), extra)] }],
  };
}

const OTHER = 0;
const MODEL = 1;
const TOOL = 2;

/** Where a span's time counts in an agent run. */
export type GenAiTimeKind = 'model' | 'tool' | 'other';
const TIME_KINDS: readonly GenAiTimeKind[] = ['other', 'model', 'tool'];

/** Model calls are model time; tool calls and retrieval are tool time; agents and the rest are neither. */
export function genAiTimeKindOf(kind: GenAiStepKind | undefined): GenAiTimeKind {
  return kind === 'model' ? 'model' : kind === 'tool' || kind === 'retrieval' ? 'tool' : 'other';
}

/**
 * Per node of the tree: the category of its nearest model or tool span (itself included), and whether it is such
 * a span itself. The HTTP call a model client makes is model time; a sub-agent's model call inside a tool is
 * model time again; agent spans only coordinate and take their parent's category.
 */
function timeCategories(tree: TraceTree, operation: readonly (string | undefined)[]): { category: Uint8Array; own: Uint8Array } {
  const category = new Uint8Array(tree.spans.length);
  const own = new Uint8Array(tree.spans.length);
  for (const node of tree.preorder) {
    const p = tree.parent[node]!;
    const op = operation[node];
    own[node] = TIME_KINDS.indexOf(genAiTimeKindOf(op === undefined ? undefined : kindOf(op)));
    category[node] = own[node] !== OTHER ? own[node]! : p >= 0 ? category[p]! : OTHER;
  }
  return { category, own };
}

/** The GenAI time category of each span of a tree (node order), for views that colour spans by it. */
export function genAiTimeKinds(tree: TraceTree): { kind: GenAiTimeKind[]; isStep: boolean[] } {
  const { category, own } = timeCategories(tree, tree.spans.map(genAiOperation));
  return { kind: [...category].map((c) => TIME_KINDS[c]!), isStep: [...own].map((o) => o !== OTHER) };
}

function split(nano: readonly bigint[]): GenAiTimeSplit {
  return { otherNano: nano[OTHER]!.toString(), modelNano: nano[MODEL]!.toString(), toolNano: nano[TOOL]!.toString() };
}

/** The GenAI side of a trace, or undefined when no span follows the GenAI conventions. */
export function analyzeGenAi(tree: TraceTree): GenAiAnalysis | undefined {
  const { spans, preorder, parent } = tree;
  const n = spans.length;
  const operation = new Array<string | undefined>(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    operation[i] = genAiOperation(spans[i]);
    if (operation[i] !== undefined) any = true;
  }
  if (!any) return undefined;

  const { category } = timeCategories(tree, operation);
  const stepOf = new Int32Array(n).fill(-1);
  for (const node of preorder) {
    const p = parent[node]!;
    stepOf[node] = operation[node] !== undefined ? node : p >= 0 ? stepOf[p]! : -1;
  }
  const splitPath = (root: number) => {
    const out = [0n, 0n, 0n];
    for (const s of criticalPath(tree, root)) out[category[s.node]!]! += s.endNano - s.startNano;
    return out;
  };

  const nodes = [...preorder].filter((i) => operation[i] !== undefined).sort((a, b) => tree.start[a]! - tree.start[b]!);
  const seen = new Set<string>();
  const models = new Map<string, { model: string; calls: number; inputTokens: number; outputTokens: number; totalNano: bigint }>();
  const tools = new Map<string, { tool: string; calls: number; errors: number; totalNano: bigint }>();
  const steps: GenAiStep[] = [];
  let modelNano = 0n;
  let toolNano = 0n;
  const totals = { modelCalls: 0, toolCalls: 0, inputTokens: 0, outputTokens: 0 };
  const perStep = new Map<number, { kind: GenAiStepKind; inputTokens: number; outputTokens: number }>();
  for (const node of nodes) {
    const s = spans[node];
    const a = s.attributes;
    const op = operation[node]!;
    const kind = kindOf(op);
    const durationNano = s.endTimeUnixNano - s.startTimeUnixNano;
    const inputTokens = num(a, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens');
    const outputTokens = num(a, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens');
    const model = str(a, 'gen_ai.request.model') ?? str(a, 'gen_ai.response.model');
    // The conventions name a tool span `execute_tool {gen_ai.tool.name}`: the name survives a missing attribute.
    const toolName = str(a, 'gen_ai.tool.name') ?? (kind === 'tool' && s.name.startsWith('execute_tool ') ? s.name.slice(13) : undefined);
    const error = isErrorSpan(s);
    perStep.set(node, { kind, inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0 });
    if (kind === 'model') {
      totals.modelCalls++;
      modelNano += durationNano;
      const key = model ?? '(unknown model)';
      const row = models.get(key) ?? { model: key, calls: 0, inputTokens: 0, outputTokens: 0, totalNano: 0n };
      row.calls++;
      row.inputTokens += inputTokens ?? 0;
      row.outputTokens += outputTokens ?? 0;
      row.totalNano += durationNano;
      models.set(key, row);
    } else if (kind === 'tool' || kind === 'retrieval') {
      totals.toolCalls++;
      toolNano += durationNano;
      const key = toolName ?? s.name;
      const row = tools.get(key) ?? { tool: key, calls: 0, errors: 0, totalNano: 0n };
      row.calls++;
      if (error) row.errors++;
      row.totalNano += durationNano;
      tools.set(key, row);
    }
    totals.inputTokens += inputTokens ?? 0;
    totals.outputTokens += outputTokens ?? 0;
    if (steps.length >= MAX_STEPS) continue;
    const messages = kind === 'tool' ? toolMessages(s) : conversation(s);
    // Each model call resends the whole conversation: show only what is new since the earlier steps.
    const input = messages.input.filter((m) => {
      const key = JSON.stringify(m);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    for (const m of messages.output) seen.add(JSON.stringify(m));
    const p = parent[node]!;
    const parentStep = p >= 0 ? stepOf[p]! : -1;
    const step: GenAiStep = {
      spanId: s.spanId,
      kind,
      operation: op,
      name: s.name,
      service: tree.services[node],
      startUnixNano: startOf(tree, node).toString(),
      durationNano: durationNano.toString(),
      error,
      input,
      output: messages.output,
    };
    if (parentStep >= 0) step.parentStepSpanId = spans[parentStep].spanId;
    if (model !== undefined) step.model = model;
    const provider = str(a, 'gen_ai.provider.name') ?? str(a, 'gen_ai.system');
    if (provider !== undefined) step.provider = provider;
    const agentName = str(a, 'gen_ai.agent.name');
    if (agentName !== undefined) step.agentName = agentName;
    if (toolName !== undefined) step.toolName = toolName;
    const toolCallId = str(a, 'gen_ai.tool.call.id');
    if (toolCallId !== undefined) step.toolCallId = toolCallId;
    if (inputTokens !== undefined) step.inputTokens = inputTokens;
    if (outputTokens !== undefined) step.outputTokens = outputTokens;
    steps.push(step);
  }

  // Runs: GenAI spans with no GenAI ancestor; depth-first order meets each run before what it contains.
  const runs: GenAiRun[] = [];
  const runOf = new Map<number, GenAiRun>();
  for (const node of preorder) {
    if (operation[node] === undefined) continue;
    const p = parent[node]!;
    const top = p >= 0 ? topStep(stepOf, parent, p) : -1;
    const run = top >= 0 ? runOf.get(top) : undefined;
    if (run !== undefined) {
      const st = perStep.get(node)!;
      if (st.kind === 'model') run.modelCalls++;
      if (st.kind === 'tool' || st.kind === 'retrieval') run.toolCalls++;
      run.inputTokens += st.inputTokens;
      run.outputTokens += st.outputTokens;
      continue;
    }
    const s = spans[node];
    const st = perStep.get(node)!;
    const newRun: GenAiRun = {
      spanId: s.spanId,
      name: s.name,
      durationNano: (s.endTimeUnixNano - s.startTimeUnixNano).toString(),
      modelCalls: st.kind === 'model' ? 1 : 0,
      toolCalls: st.kind === 'tool' || st.kind === 'retrieval' ? 1 : 0,
      inputTokens: st.inputTokens,
      outputTokens: st.outputTokens,
      criticalPath: split(splitPath(node)),
    };
    const agentName = str(s.attributes, 'gen_ai.agent.name');
    if (agentName !== undefined) newRun.agentName = agentName;
    runs.push(newRun);
    runOf.set(node, newRun);
  }

  return {
    steps,
    runs,
    ...totals,
    models: [...models.values()].sort((x, y) => y.calls - x.calls).map((m) => ({ ...m, totalNano: m.totalNano.toString() })),
    tools: [...tools.values()].sort((x, y) => y.calls - x.calls).map((t) => ({ ...t, totalNano: t.totalNano.toString() })),
    time: { modelNano: modelNano.toString(), toolNano: toolNano.toString(), traceNano: (tree.endNano - tree.startNano).toString() },
    criticalPath: split(tree.roots[0] === undefined ? [0n, 0n, 0n] : splitPath(tree.roots[0])),
  };
}

/** The outermost GenAI step at or above `node`. */
function topStep(stepOf: Int32Array, parent: Int32Array, node: number): number {
  let top = stepOf[node]!;
  while (top >= 0) {
    const p = parent[top]!;
    const above = p >= 0 ? stepOf[p]! : -1;
    if (above < 0) return top;
    top = above;
  }
  return top;
}
