// The GenAI view of a trace: an agent run as a conversation (messages, tool calls and their results) in order,
// with tokens and latency per step, and where the run spent its time. Message text comes from spans: it is
// untrusted and rendered as text only.
import type { GenAiAnalysis, GenAiMessage, GenAiStep, GenAiTimeSplit } from '@sextant/core';
import { formatDuration, formatPercent } from '../lib/format.js';
import type { TraceAnalysis } from './analysis-types.js';

const KIND_LABEL: Record<GenAiStep['kind'], string> = { model: 'model', tool: 'tool', agent: 'agent', retrieval: 'retrieval', other: 'GenAI' };
const KIND_COLOR: Record<'model' | 'tool' | 'other', string> = { model: '#7c5cff', tool: '#e0873a', other: '#8a94a6' };

function TimeSplit(props: { split: GenAiTimeSplit; label: string }) {
  const parts = [
    ['model', Number(props.split.modelNano)],
    ['tool', Number(props.split.toolNano)],
    ['other', Number(props.split.otherNano)],
  ] as const;
  const total = parts.reduce((a, [, n]) => a + n, 0);
  if (total <= 0) return null;
  return (
    <div data-testid="genai-time-split" style={{ margin: '8px 0' }}>
      <div className="muted" style={{ fontSize: 12 }}>
        {props.label}: {parts.map(([k, n]) => `${k === 'tool' ? 'tools' : k} ${formatDuration(n)} (${formatPercent(n / total)})`).join(' · ')}
      </div>
      <div style={{ display: 'flex', height: 10, borderRadius: 3, overflow: 'hidden', marginTop: 4 }}>
        {parts.map(([k, n]) => (n > 0 ? <div key={k} data-part={k} title={`${k}: ${formatDuration(n)}`} style={{ width: `${(n / total) * 100}%`, background: KIND_COLOR[k] }} /> : null))}
      </div>
    </div>
  );
}

function Message(props: { message: GenAiMessage }) {
  return (
    <div className="genai-message" data-testid="genai-message" data-role={props.message.role} style={{ margin: '4px 0 4px 12px' }}>
      <span className="badge">{props.message.role}</span>
      {props.message.parts.map((p, i) => (
        <div key={i} style={{ marginLeft: 8 }}>
          {p.type === 'tool_call' ? (
            <code data-testid="genai-tool-call">
              → {p.toolName ?? 'tool'}({p.text})
            </code>
          ) : p.type === 'tool_result' ? (
            <code data-testid="genai-tool-result">← {p.text}</code>
          ) : (
            <span style={{ whiteSpace: 'pre-wrap' }}>{p.text}</span>
          )}
          {p.truncated && <span className="muted"> … (cut)</span>}
        </div>
      ))}
    </div>
  );
}

function Step(props: { step: GenAiStep; traceStart: bigint; traceNano: number; depth: number; onOpenSpan: (id: string) => void }) {
  const s = props.step;
  const offset = Number(BigInt(s.startUnixNano) - props.traceStart);
  const dur = Number(s.durationNano);
  const tokens = s.inputTokens !== undefined || s.outputTokens !== undefined ? `${s.inputTokens ?? 0} → ${s.outputTokens ?? 0} tokens` : null;
  const color = s.kind === 'model' ? KIND_COLOR.model : s.kind === 'tool' || s.kind === 'retrieval' ? KIND_COLOR.tool : KIND_COLOR.other;
  return (
    <li data-testid="genai-step" data-span-id={s.spanId} data-kind={s.kind} data-error={s.error ? 'true' : undefined} style={{ listStyle: 'none', marginLeft: props.depth * 16, padding: '6px 0', borderTop: '1px solid var(--border, #ddd)' }}>
      <div className="clickable" onClick={() => props.onOpenSpan(s.spanId)} title="show this span in the timeline" style={{ display: 'flex', gap: 8, alignItems: 'baseline', flexWrap: 'wrap' }}>
        <span className="badge" style={{ background: color, color: '#fff' }}>
          {KIND_LABEL[s.kind]}
        </span>
        <strong>{s.name}</strong>
        {s.model && <span className="muted">{s.model}</span>}
        {s.agentName && <span className="muted">agent {s.agentName}</span>}
        {s.error && <span className="error-text">error</span>}
        <span className="num" style={{ marginLeft: 'auto' }}>
          {tokens && (
            <>
              <span data-testid="genai-step-tokens">{tokens}</span> ·{' '}
            </>
          )}
          <span data-testid="genai-step-duration">{formatDuration(dur)}</span> <span className="muted">at +{formatDuration(offset)}</span>
        </span>
      </div>
      <div style={{ position: 'relative', height: 4, background: 'var(--track, #eee)', margin: '3px 0' }}>
        <div style={{ position: 'absolute', left: `${(offset / props.traceNano) * 100}%`, width: `max(2px, ${(dur / props.traceNano) * 100}%)`, top: 0, bottom: 0, background: color }} />
      </div>
      {[...s.input, ...s.output].map((m, i) => (
        <Message key={i} message={m} />
      ))}
    </li>
  );
}

function depths(steps: readonly GenAiStep[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of steps) out.set(s.spanId, s.parentStepSpanId === undefined ? 0 : (out.get(s.parentStepSpanId) ?? -1) + 1);
  return out;
}

export function hasGenAi(analysis: TraceAnalysis | undefined): analysis is TraceAnalysis & { genAi: GenAiAnalysis } {
  return analysis?.genAi !== undefined;
}

export function GenAiView(props: { analysis: TraceAnalysis & { genAi: GenAiAnalysis }; onOpenSpan: (spanId: string) => void }) {
  const g = props.analysis.genAi;
  const traceStart = BigInt(props.analysis.startUnixNano);
  const traceNano = Math.max(1, Number(props.analysis.durationNano));
  const depth = depths(g.steps);
  return (
    <div className="panel" data-testid="genai-view">
      <div data-testid="genai-summary">
        <strong>
          {g.modelCalls} model calls · {g.toolCalls} tool calls · {g.inputTokens.toLocaleString('en-US')} tokens in · {g.outputTokens.toLocaleString('en-US')} tokens out
        </strong>
        <div className="muted" style={{ fontSize: 12 }}>
          Time in model calls {formatDuration(Number(g.time.modelNano))}, in tools {formatDuration(Number(g.time.toolNano))}, trace {formatDuration(Number(g.time.traceNano))} (calls that run in parallel each count).
        </div>
        {g.runs.map((r) => (
          <div key={r.spanId} data-testid="genai-run" data-span-id={r.spanId}>
            <TimeSplit split={r.criticalPath} label={`Critical path of ${r.agentName ?? r.name} (${formatDuration(Number(r.durationNano))})`} />
          </div>
        ))}
        {g.runs.length !== 1 && <TimeSplit split={g.criticalPath} label="Critical path of the trace" />}
      </div>
      <table className="data" style={{ marginTop: 8 }}>
        <thead>
          <tr>
            <th>Model / tool</th>
            <th className="num">Calls</th>
            <th className="num">Tokens in → out</th>
            <th className="num">Time</th>
          </tr>
        </thead>
        <tbody>
          {g.models.map((m) => (
            <tr key={`m:${m.model}`} data-testid="genai-model-row">
              <td>{m.model}</td>
              <td className="num">{m.calls}</td>
              <td className="num">
                {m.inputTokens.toLocaleString('en-US')} → {m.outputTokens.toLocaleString('en-US')}
              </td>
              <td className="num">{formatDuration(Number(m.totalNano))}</td>
            </tr>
          ))}
          {g.tools.map((t) => (
            <tr key={`t:${t.tool}`} data-testid="genai-tool-row">
              <td>
                {t.tool} {t.errors > 0 && <span className="error-text">{t.errors} failed</span>}
              </td>
              <td className="num">{t.calls}</td>
              <td className="num muted">–</td>
              <td className="num">{formatDuration(Number(t.totalNano))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 style={{ marginBottom: 0 }}>Conversation</h3>
      <p className="muted" style={{ marginTop: 2, fontSize: 12 }}>
        Each step in the order it started; a model call shows only the messages no earlier step showed. Click a step to see its span.
      </p>
      <ol style={{ padding: 0 }}>
        {g.steps.map((s) => (
          <Step key={s.spanId} step={s} traceStart={traceStart} traceNano={traceNano} depth={Math.max(0, depth.get(s.spanId) ?? 0)} onOpenSpan={props.onOpenSpan} />
        ))}
      </ol>
      {g.steps.length < g.modelCalls + g.toolCalls && <p className="muted">Only the first {g.steps.length} steps are listed.</p>}
    </div>
  );
}
