import { useEffect, useState } from 'react';
import { analyzeTrace, decodeOtlpJsonLogs, decodeOtlpJsonTraces, type LogRecord, type Span } from '@sextant/core';
import type { IncomingLink } from '../lib/api-types.js';
import type { Truncation } from '../trace/TraceView.js';
import { ApiError, enc, getJson } from '../lib/api.js';
import { Link, navigate, updateQuery, useLocation, withQuery } from '../lib/router.js';
import { ErrorMessage, Loading, Message } from '../components/Message.js';
import { TraceView } from '../trace/TraceView.js';
import type { TraceAnalysis } from '../trace/analysis-types.js';

interface Loaded {
  spans: Span[];
  analysis: TraceAnalysis | undefined;
  analysisError?: Error;
  logs: LogRecord[] | undefined;
  truncated: Truncation | undefined;
  incoming: IncomingLink[] | undefined;
}

/** /trace/{id}: spans, server-side analysis and correlated logs, fetched in parallel. */
export function TracePage({ traceId }: { traceId: string }) {
  const loc = useLocation();
  const [state, setState] = useState<{ data?: Loaded; error?: Error }>({});

  useEffect(() => {
    const ctl = new AbortController();
    const base = `/api/v1/traces/${enc(traceId)}`;
    const spansP = getJson<{ truncated?: Truncation }>(base, ctl.signal).then((doc) => ({ spans: decodeOtlpJsonTraces(doc).items, truncated: doc.truncated }));
    const analysisP = getJson<TraceAnalysis>(`${base}/analysis`, ctl.signal).then(
      (a) => ({ analysis: a }),
      (e: Error) => ({ analysisError: e }),
    );
    const logsP = getJson<unknown>(`${base}/logs`, ctl.signal).then(
      (doc) => decodeOtlpJsonLogs(doc).items,
      () => undefined,
    );
    const incomingP = getJson<{ links: IncomingLink[] }>(`${base}/linked-from`, ctl.signal).then(
      (r) => r.links,
      () => undefined,
    );
    Promise.all([spansP, analysisP, logsP, incomingP]).then(
      ([{ spans, truncated }, a, logs, incoming]) => {
        let analysis = 'analysis' in a ? a.analysis : undefined;
        let analysisError = 'analysisError' in a ? a.analysisError : undefined;
        // The analysis is pure, so when the server cannot answer it the browser computes it itself.
        if (!analysis && spans.length > 0) {
          try {
            analysis = analyzeTrace(spans);
            analysisError = undefined;
          } catch (e) {
            analysisError = e as Error;
          }
        }
        setState({ data: { spans, analysis, analysisError, logs, truncated, incoming } });
      },
      (error: Error) => error.name !== 'AbortError' && setState({ error }),
    );
    return () => ctl.abort();
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
