import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTraceTree, decodeTraceFile } from '@sextant/core';
import { readFixtureText } from '../../../testing/fixtures.js';
import { analyzeGenAi } from '../src/analysis/genai.js';
import { analyzeTrace } from '../src/analysis/trace-analysis.js';
import { span } from './analysis-builders.js';

const MS = 1_000_000;

test('the GenAI fixture (Jaeger UI): model and tool calls, tokens, and where the agent run spent its time', () => {
  const spans = decodeTraceFile(readFixtureText('jaeger-ui/misc/genaiTestTrace.json')).result.items;
  const g = analyzeTrace(spans).genAi!;
  assert.ok(g, 'recognised as a GenAI trace');
  // 5 chat calls (4 × model-a in the triage agent, 1 × model-b in the summarizer), 7 execute_tool + 3 retrieval.
  assert.equal(g.modelCalls, 5);
  assert.equal(g.toolCalls, 10);
  assert.equal(g.inputTokens, 4 * 1840 + 920);
  assert.equal(g.outputTokens, 4 * 260 + 140);
  assert.deepEqual(g.models.map((m) => [m.model, m.calls, m.inputTokens, m.outputTokens, m.totalNano]), [
    ['model-a', 4, 7360, 1040, String(4 * 1800 * MS)],
    ['model-b', 1, 920, 140, String(3500 * MS)],
  ]);
  assert.deepEqual(g.tools.find((t) => t.tool === 'search_traces'), { tool: 'search_traces', calls: 3, errors: 0, totalNano: String(3 * 900 * MS) });
  assert.equal(g.time.modelNano, String(10_700 * MS));
  assert.equal(g.time.toolNano, String((6 * 900 + 3 * 250 + 4000) * MS));
  // One run: the triage agent; the summarizer agent runs inside its summarize_findings tool call.
  assert.equal(g.runs.length, 1);
  const run = g.runs[0]!;
  assert.deepEqual([run.spanId, run.agentName, run.modelCalls, run.toolCalls, run.inputTokens], ['0000000000000004', 'triage-agent', 5, 10, 8280]);
  // The run's critical path (worked by hand): the agent waits 4.049 s for summarize_findings, whose path runs
  // through the summarizer's model call (3.5 s of model time: chat 49 ms + HTTP 3.45 s + 1 ms) and 0.5 s of
  // tool/MCP overhead around it; the agent itself holds the other 38 s (37.954 s after the tool, 46 ms before).
  assert.deepEqual(run.criticalPath, { modelNano: String(3500 * MS), toolNano: String(500 * MS), otherNano: String(38_000 * MS) });
  // The trace's own critical path runs through graphql.execution, not the agent: nothing of it is model or tool time.
  assert.deepEqual(g.criticalPath, { modelNano: '0', toolNano: '0', otherNano: String(44_000 * MS) });
  // The conversation: system instructions and the user's question once, then each answer; repeats are not shown again.
  const first = g.steps.find((s) => s.kind === 'model')!;
  assert.deepEqual(first.input.map((m) => m.role), ['system', 'user']);
  assert.match(first.input[1]!.parts[0]!.text, /Why did the checkout latency regress/);
  assert.equal(first.output[0]!.role, 'assistant');
  assert.deepEqual(g.steps.filter((s) => s.kind === 'model' && s.model === 'model-a').slice(1).map((s) => s.input.length), [0, 0, 0]);
  const tool = g.steps.find((s) => s.toolName === 'list_dashboards')!;
  assert.deepEqual([tool.kind, tool.toolCallId, tool.input[0]!.parts[0]!.text, tool.output[0]!.parts[0]!.text], ['tool', 'call_list_dashboards', '{"window":"1h"}', '{"status":"ok","rows":12}']);
  assert.equal(tool.parentStepSpanId, '0000000000000004');
  assert.deepEqual(g.steps.map((s) => s.kind).filter((k, i, a) => a.indexOf(k) === i).sort(), ['agent', 'model', 'retrieval', 'tool']);
  assert.ok(JSON.stringify(analyzeTrace(spans)).length > 0);
});

test('the older conventions: gen_ai.system, prompt/completion tokens, and messages as span events', () => {
  const spans = [
    span({ id: 'a', name: 'chat gpt-4', start: 0, end: 100, unit: MS, attrs: { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4', 'gen_ai.usage.prompt_tokens': 12, 'gen_ai.usage.completion_tokens': 7 },
      events: [
        { name: 'gen_ai.system.message', time: 1, attrs: { content: 'Be brief.' } },
        { name: 'gen_ai.user.message', time: 1, attrs: { content: 'Weather in Paris?' } },
        { name: 'gen_ai.choice', time: 99, attrs: { message: '{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]}' } },
      ] }),
    span({ id: 'b', name: 'chat gpt-4', start: 150, end: 200, unit: MS, attrs: { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4', 'gen_ai.usage.prompt_tokens': 30, 'gen_ai.usage.completion_tokens': 9 },
      events: [
        { name: 'gen_ai.tool.message', time: 151, attrs: { 'gen_ai.event.content': '{"content":"rain, 12°C","id":"c1"}' } },
        { name: 'gen_ai.content.completion', time: 199, attrs: { 'gen_ai.completion': '[{"role":"assistant","content":"Rainy, 12 °C."}]' } },
      ] }),
  ];
  const g = analyzeGenAi(buildTraceTree(spans))!;
  assert.equal(g.modelCalls, 2);
  assert.deepEqual([g.inputTokens, g.outputTokens], [42, 16]);
  const [a, b] = g.steps;
  assert.deepEqual([a!.provider, a!.model, a!.operation], ['openai', 'gpt-4', 'chat']);
  assert.deepEqual(a!.input.map((m) => [m.role, m.parts[0]!.text]), [['system', 'Be brief.'], ['user', 'Weather in Paris?']]);
  assert.deepEqual(a!.output[0]!.parts[0], { type: 'tool_call', text: '{"city":"Paris"}', toolName: 'get_weather', toolCallId: 'c1' });
  assert.deepEqual(b!.input[0], { role: 'tool', parts: [{ type: 'tool_result', text: 'rain, 12°C', toolCallId: 'c1' }] });
  assert.equal(b!.output[0]!.parts[0]!.text, 'Rainy, 12 °C.');
});

test('a trace without GenAI spans has no genAi section, and long message text is clipped', () => {
  assert.equal(analyzeTrace([span({ id: 'a', start: 0, end: 10 })]).genAi, undefined);
  const long = 'x'.repeat(10_000);
  const g = analyzeGenAi(buildTraceTree([span({ id: 'a', start: 0, end: 10, attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: long }] }]) } })]))!;
  const part = g.steps[0]!.input[0]!.parts[0]!;
  assert.equal(part.text.length, 4000);
  assert.equal(part.truncated, true);
});
