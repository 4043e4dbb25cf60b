import { useEffect, useState } from 'react';
import { analyzeTrace, decodeOtlpJsonLogs, decodeTraceColumns, type LogRecord, type Span } from '@sextant/core';
import type { IncomingLink } from '../lib/api-types.js';
import type { Truncation } from '../trace/TraceView.js';
import { ApiError, enc, getJson, getJsonAndText } from '../lib/api.js';
import type { AnalysisReply } from '../trace/analysis-worker.js';
import { Link, navigate, updateQuery, useLocation, withQuery } from '../lib/router.js';
import { ErrorMessage, Loading, Message } from '../components/Message.js';
import { TraceView } from '../trace/TraceView.js';
import type { TraceAnalysis } from '../trace/analysis-types.js';

interface Loaded {
  spans: Span[];
  analysis: TraceAnalysis | undefined;
  analysisError?: Error;
  /** A big trace's analysis still runs in its worker. */
  analysing: boolean;
  logs: LogRecord[] | undefined;
  truncated: Truncation | undefined;
  incoming: IncomingLink[] | undefined;
}

/**
 * From this many spans the analysis runs in a worker after the timeline is shown (it takes about a second for 50,000
 * spans); smaller traces are analysed at once, so that their first view already has the critical path and skew.
 */
const ANALYSE_IN_WORKER_FROM = 5000;

function analyseInWorker(text: string): { result: Promise<TraceAnalysis>; stop: () => void } {
  const worker = new Worker(new URL('../trace/analysis-worker.ts', import.meta.url), { type: 'module' });
  const result = new Promise<TraceAnalysis>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<AnalysisReply>) => ('analysis' in e.data ? resolve(e.data.analysis) : reject(new Error(e.data.error)));
    worker.onerror = (e) => reject(new Error(e.message || 'the analysis worker failed'));
  }).finally(() => worker.terminate());
  worker.postMessage(text);
  return { result, stop: () => worker.terminate() };
}

/** /trace/{id}: spans (analysed in the browser), correlated logs and incoming links, fetched in parallel. */
export function TracePage({ traceId }: { traceId: string }) {
  const loc = useLocation();
  const [state, setState] = useState<{ data?: Loaded; error?: Error }>({});

  useEffect(() => {
    const ctl = new AbortController();
    let stopWorker = () => {};
    const base = `/api/v1/traces/${enc(traceId)}`;
    // The compact answer (api/trace-columns.ts), analysed here: the trace is read once.
    const spansP = getJsonAndText<{ truncated?: Truncation }>(`${base}/columns`, ctl.signal).then(({ body, text }) => ({ spans: decodeTraceColumns(body), truncated: body.truncated, text }));
    const logsP = getJson<unknown>(`${base}/logs`, ctl.signal).then(
      (doc) => decodeOtlpJsonLogs(doc).items,
      () => undefined,
    );
    const incomingP = getJson<{ links: IncomingLink[] }>(`${base}/linked-from`, ctl.signal).then(
      (r) => r.links,
      () => undefined,
    );
    Promise.all([spansP, logsP, incomingP]).then(
      ([{ spans, truncated, text }, logs, incoming]) => {
        const loaded: Loaded = { spans, analysis: undefined, analysing: false, logs, truncated, incoming };
        if (spans.length >= ANALYSE_IN_WORKER_FROM) {
          const job = analyseInWorker(text);
          stopWorker = job.stop;
          job.result.then(
            (analysis) => !ctl.signal.aborted && setState({ data: { ...loaded, analysis } }),
            (analysisError: Error) => !ctl.signal.aborted && setState({ data: { ...loaded, analysisError } }),
          );
          setState({ data: { ...loaded, analysing: true } });
          return;
        }
        try {
          if (spans.length > 0) loaded.analysis = analyzeTrace(spans);
        } catch (e) {
          loaded.analysisError = e as Error;
        }
        setState({ data: loaded });
      },
      (error: Error) => error.name !== 'AbortError' && setState({ error }),
    );
    return () => {
      ctl.abort();
      stopWorker();
    };
  }, [traceId]);

  if (state.error) {
    if (state.error instanceof ApiError && state.error.status === 404)
      return (
        <Message title="Trace not found">
          No trace with id <code>{traceId}</code> is stored. It may have been removed by retention, or its spans have not
          arrived yet. <Link to="/search">Search traces</Link>.
        </Message>
      );
    return <ErrorMessage error={state.error} what="the trace" />;
  }
  if (!state.data) return <Loading what="trace" />;
  if (state.data.spans.length === 0) return <Message title="This trace has no spans">The server returned an empty trace.</Message>;

  const params = {
    get: (k: string) => loc.search.get(k),
    // A new tab is a new history entry (Back returns to the previous tab); moving between spans is not.
    set: (patch: Record<string, string | null>) => updateQuery(patch, { replace: !('tab' in patch && patch.tab !== loc.search.get('tab')) }),
  };
  return (
    <TraceView
      spans={state.data.spans}
      analysis={state.data.analysis}
      analysisError={state.data.analysisError}
      analysing={state.data.analysing}
      logs={state.data.logs}
      truncated={state.data.truncated}
      incomingLinks={state.data.incoming}
      params={params}
      actions={
        <>
          <button className="small secondary" onClick={() => navigate(withQuery('/compare', { a: traceId }))}>
            Compare…
          </button>
          <a className="btn small" href={`/api/v1/traces/${enc(traceId)}`} download={`trace-${traceId}.json`}>
            Download OTLP JSON
          </a>
        </>
      }
    />
  );
}
