// The GenAI view of a trace: an agent run as a conversation (messages, tool calls and their results) in order,
// with tokens and latency per step, and where the run spent its time. Message text comes from spans: it is
// untrusted and rendered as text only.
import { useCallback, useMemo, useState } from 'react';
import { buildTraceTree, genAiTimeKindOf, genAiTimeKinds, type GenAiAnalysis, type GenAiMessage, type GenAiStep, type GenAiTimeKind, type GenAiTimeSplit } from '@sextant/core';
import { formatDuration, formatMs, formatPercent } from '../lib/format.js';
import type { TraceAnalysis } from './analysis-types.js';
import { FlameGraph } from './FlameGraph.js';
import { buildTraceLayout, type TraceLayout } from './layout.js';

const KIND_LABEL: Record<GenAiStep['kind'], string> = { model: 'model', tool: 'tool', agent: 'agent', retrieval: 'retrieval', other: 'GenAI' };
const KIND_COLOR: Record<GenAiTimeKind, string> = { model: '#7c5cff', tool: '#e0873a', other: '#8a94a6' };
/** Spans under a model or tool step (the model's HTTP call, a tool's queries, a sub-agent it ran): its colour, paler. */
const KIND_COLOR_INNER: Record<GenAiTimeKind, string> = { model: '#b6a6ff', tool: '#f1c195', other: '#c3c9d3' };

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
  const color = KIND_COLOR[genAiTimeKindOf(s.kind)];
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

/**
 * An agent run (its span and everything under it) as a flame graph coloured by where the time went: model
 * calls, tools (and retrieval), everything else. Spans a step made inherit its colour, paler.
 */
function RunFlame(props: { layout: TraceLayout; runSpanId: string; onOpenSpan: (spanId: string) => void }) {
  const { layout, runSpanId } = props;
  const sub = useMemo(() => {
    const row = layout.indexById.get(runSpanId);
    return row === undefined ? null : buildTraceLayout(layout.spans.slice(row, row + layout.subtree[row] + 1), undefined);
  }, [layout, runSpanId]);
  const colors = useMemo(() => {
    if (!sub) return [];
    // Layout rows are the input of the tree built here, so node i is row i.
    const { kind, isStep } = genAiTimeKinds(buildTraceTree(sub.spans));
    return kind.map((k, i) => (isStep[i] ? KIND_COLOR[k] : k === 'other' ? KIND_COLOR.other : KIND_COLOR_INNER[k]));
  }, [sub]);
  const colorOf = useCallback((pos: number) => colors[pos] ?? KIND_COLOR.other, [colors]);
  const [view, setView] = useState<[number, number]>([0, sub?.durationMs ?? 0]);
  const [selected, setSelected] = useState(-1);
  if (!sub) return null;
  const sel = selected >= 0 ? sub.spans[selected] : undefined;
  return (
    <div data-testid="genai-flame" style={{ marginTop: 8 }}>
      <FlameGraph
        layout={sub}
        view={view}
        onView={setView}
        selected={selected}
        onSelect={setSelected}
        onOpen={(pos) => props.onOpenSpan(sub.spans[pos].spanId)}
        colorOf={colorOf}
        caption={
          <>
            Width is time. Colour: <span style={{ color: KIND_COLOR.model }}>■</span> model calls, <span style={{ color: KIND_COLOR.tool }}>■</span> tools and
            retrieval, <span style={{ color: KIND_COLOR.other }}>■</span> the rest; paler frames are spans under a model or tool call (its HTTP request, queries, a sub-agent it ran).
          </>
        }
      />
      {sel && (
        <div className="toolbar" data-testid="genai-flame-selected">
          <span>
            {sub.service[selected]} · {sel.name} · {formatMs(sub.endMs[selected] - sub.startMs[selected])}
          </span>
          <button className="small secondary" onClick={() => props.onOpenSpan(sel.spanId)}>
            Show in timeline
          </button>
        </div>
      )}
    </div>
  );
}

export function GenAiView(props: { analysis: TraceAnalysis & { genAi: GenAiAnalysis }; layout: TraceLayout; onOpenSpan: (spanId: string) => void }) {
  const g = props.analysis.genAi;
  const traceStart = BigInt(props.analysis.startUnixNano);
  const traceNano = Math.max(1, Number(props.analysis.durationNano));
  const depth = depths(g.steps);
  const [run, setRun] = useState(0);
  const flameRun = g.runs[Math.min(run, g.runs.length - 1)];
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
      {flameRun && (
        <>
          <h3 style={{ marginBottom: 0 }}>Where the run spent its time</h3>
          {g.runs.length > 1 && (
            <div className="toolbar">
              {g.runs.map((r, i) => (
                <button key={r.spanId} className={`small ${r === flameRun ? '' : 'secondary'}`} aria-pressed={r === flameRun} onClick={() => setRun(i)}>
                  {r.agentName ?? r.name}
                </button>
              ))}
            </div>
          )}
          <RunFlame key={flameRun.spanId} layout={props.layout} runSpanId={flameRun.spanId} onOpenSpan={props.onOpenSpan} />
        </>
      )}
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
