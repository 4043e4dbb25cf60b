import { useState, type DragEvent } from 'react';
import { analyzeTrace, decodeTraceFile, groupByTrace, serviceName, type Span } from '@sextant/core';
import { formatDuration } from '../lib/format.js';
import { serviceColor } from '../lib/colors.js';
import { Message } from '../components/Message.js';
import { Time } from '../components/Time.js';
import { TraceView } from '../trace/TraceView.js';
import { useLocalViewParams } from '../trace/view-params.js';
import type { TraceAnalysis } from '../trace/analysis-types.js';

interface OpenedFile {
  name: string;
  format: string;
  traces: Span[][];
  rejected: number;
  errors: string[];
}

/**
 * /upload: OTLP, Jaeger or Zipkin JSON files opened and analysed in the browser. Nothing is sent to the server,
 * so this also works for traces that must not be stored.
 */
export function UploadPage() {
  const [file, setFile] = useState<OpenedFile | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  const viewParams = useLocalViewParams();
  const [analysis, setAnalysis] = useState<{ value?: TraceAnalysis; error?: Error }>({});

  const read = async (f: File) => {
    setError(null);
    setFile(null);
    setOpen(null);
    try {
      const { result: r, format } = decodeTraceFile(await f.text());
      const traces = groupByTrace(r.items).sort((a, b) => b.length - a.length);
      if (traces.length === 0) setError(`${f.name} holds no spans${r.errors.length ? `: ${r.errors[0]}` : '.'}`);
      else {
        setFile({ name: f.name, format, traces, rejected: r.rejected, errors: r.errors });
        if (traces.length === 1) show(traces[0]);
      }
    } catch (e) {
      setError(`${f.name} could not be read: ${(e as Error).message}`);
    }
  };
  const show = (spans: Span[], i = 0) => {
    setOpen(i);
    viewParams.set({ span: null });
    try {
      setAnalysis({ value: analyzeTrace(spans) });
    } catch (e) {
      setAnalysis({ error: e as Error });
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer.files[0];
    if (f) void read(f);
  };

  if (file && open !== null) {
    return (
      <TraceView
        key={`${file.name}:${open}`}
        spans={file.traces[open]}
        analysis={analysis.value}
        analysisError={analysis.error}
        logs={undefined}
        params={viewParams}
        actions={
          <>
            <span className="badge accent" title="Analysed in the browser; not stored">
              local {file.format} file: {file.name}
            </span>
            <button className="small secondary" onClick={() => (file.traces.length > 1 ? setOpen(null) : setFile(null))}>
              {file.traces.length > 1 ? 'All traces in file' : 'Open another file'}
            </button>
          </>
        }
      />
    );
  }

  return (
    <div style={{ maxWidth: 900, margin: '0 auto' }}>
      <h1 style={{ marginBottom: 12 }}>Open a trace file</h1>
      <label
        className={`drop${over ? ' over' : ''}`}
        onDragOver={(e) => (e.preventDefault(), setOver(true))}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        style={{ display: 'block', cursor: 'pointer' }}
      >
        <p style={{ fontSize: 16, margin: '0 0 8px' }}>Drop a JSON file here, or click to choose one.</p>
        <p className="muted" style={{ margin: 0 }}>
          OTLP JSON, Jaeger JSON (<code>{'{"data":[…]}'}</code> or a single trace) and Zipkin v2 JSON are detected
          automatically. The file is analysed in your browser and is not stored.
        </p>
        <input type="file" accept=".json,application/json" hidden onChange={(e) => e.target.files?.[0] && void read(e.target.files[0])} />
      </label>
      {error && (
        <Message kind="error" title="Cannot open this file">
          {error}
        </Message>
      )}
      {file && (
        <div className="section">
          <h2>
            {file.name}: {file.traces.length} traces
          </h2>
          {file.rejected > 0 && (
            <div className="callout warn" style={{ marginBottom: 8 }}>
              {file.rejected} spans were skipped: {file.errors.slice(0, 3).join('; ')}
            </div>
          )}
          <div className="trace-list">
            {file.traces.map((t, i) => (
              <UploadedTraceRow key={i} spans={t} onOpen={() => show(t, i)} />
            ))}
          </div>
        </div>
      )}
    </div>
  );
}

function UploadedTraceRow({ spans, onOpen }: { spans: Span[]; onOpen: () => void }) {
  let start = spans[0].startTimeUnixNano;
  let end = spans[0].endTimeUnixNano;
  for (const s of spans) {
    if (s.startTimeUnixNano < start) start = s.startTimeUnixNano;
    if (s.endTimeUnixNano > end) end = s.endTimeUnixNano;
  }
  const root = spans.find((s) => s.parentSpanId === '') ?? spans[0];
  const svc = serviceName(root);
  return (
    <button className="trace-card" style={{ textAlign: 'left', width: '100%', background: 'var(--panel)', fontWeight: 400 }} onClick={onOpen}>
      <div className="title">
        <span className="dot" style={{ background: serviceColor(svc), marginRight: 6 }} />
        {svc}: {root.name}
      </div>
      <div className="dur">{formatDuration(end - start)}</div>
      <div className="meta">
        <span className="badge">{spans.length} spans</span>
        <span className="mono muted">{root.traceId}</span>
      </div>
      <div className="when">
        <Time nano={start} />
      </div>
    </button>
  );
}
