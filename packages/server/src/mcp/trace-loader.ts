/**
 * One trace fetched, decoded and analysed once, then kept for a short while: an agent usually asks several
 * questions about the same trace in a row (overview, then its critical path, then a span), and a 50,000-span
 * trace costs seconds to move and analyse.
 */
import { analyzeTrace, buildTraceTree, decodeOtlpJsonTraces, type Span, type TraceAnalysis, type TraceTree } from '@sextant/core';
import type { SextantClient } from './client.js';

export interface LoadedTrace {
  traceId: string;
  spans: Span[];
  tree: TraceTree;
  analysis: TraceAnalysis;
}

const KEEP_MS = 60_000;
const KEEP_TRACES = 4;

export type TraceCache = Map<string, { at: number; trace: Promise<LoadedTrace> }>;

export class TraceLoader {
  /** `cache` may be shared by the loaders of many sessions of one server (each with its caller's client). */
  constructor(
    private readonly client: SextantClient,
    private readonly cache: TraceCache = new Map(),
  ) {}

  load(traceId: string): Promise<LoadedTrace> {
    const id = traceId.toLowerCase();
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && now - hit.at < KEEP_MS) return hit.trace;
    const trace = this.fetch(id);
    this.cache.delete(id);
    this.cache.set(id, { at: now, trace });
    // A failed fetch (unknown trace, server down) must not be remembered.
    trace.catch(() => this.cache.delete(id));
    while (this.cache.size > KEEP_TRACES) this.cache.delete(this.cache.keys().next().value!);
    return trace;
  }

  private async fetch(traceId: string): Promise<LoadedTrace> {
    const doc = await this.client.get(`/api/v1/traces/${traceId}`);
    const spans = decodeOtlpJsonTraces(doc).items;
    return { traceId: spans[0]?.traceId ?? traceId, spans, tree: buildTraceTree(spans), analysis: analyzeTrace(spans) };
  }
}
