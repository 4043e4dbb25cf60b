// Analyses a big trace off the main thread, from the compact answer's text (a string is cheap to post; the
// decoded spans would have to be cloned), so that the timeline shows and scrolls while the analysis runs.
import { analyzeTrace, decodeTraceColumns } from '@sextant/core';
import type { TraceAnalysis } from './analysis-types.js';

export type AnalysisReply = { analysis: TraceAnalysis } | { error: string };

self.onmessage = (e: MessageEvent<string>) => {
  let reply: AnalysisReply;
  try {
    reply = { analysis: analyzeTrace(decodeTraceColumns(JSON.parse(e.data))) };
  } catch (err) {
    reply = { error: (err as Error).message };
  }
  postMessage(reply);
};
