/**
 * The web UI's trace answer (native API): `GET /api/v1/traces/{id}/columns` is the trace in core's compact
 * columns (codec/trace-columns.ts) instead of OTLP/JSON, a few times smaller and faster to write and to parse,
 * streamed a page of the engine at a time like the OTLP answer and capped by --max-trace-spans the same way.
 */
import type { FastifyInstance } from 'fastify';
import { TraceColumnsEncoder } from '@sextant/core';
import type { SpanStore } from '../storage/contract.js';
import { pagedTrace, truncationNote } from '../query/traces.js';
import { Deferred, encodedChunks, jsonStream, StreamedList } from './json-stream.js';

/**
 * Spans per engine read: each read of a page sorts the trace's rows again, so a 200,000-span trace read 2,000 at a
 * time costs about twice as much as 10,000 at a time (bench: links/ui figures); 10,000 compact spans are a few MB.
 */
const COLUMNS_PAGE = 10_000;

export function registerTraceColumnsApi(app: FastifyInstance, store: SpanStore, maxTraceSpans: number): void {
  app.get<{ Params: { id: string } }>('/api/v1/traces/:id/columns', async (req, reply) => {
    const trace = await pagedTrace(store, req.params.id, maxTraceSpans, COLUMNS_PAGE);
    const known = trace.decided ? trace.truncated() : null;
    if (known) reply.header('x-sextant-truncated', truncationNote(known));
    // One encoder for the whole answer: each chunk adds to the string and value tables of the chunks before it.
    const encoder = new TraceColumnsEncoder();
    const body = {
      chunks: new StreamedList(encodedChunks(trace.pages, (page) => [encoder.chunk(page)])),
      truncated: new Deferred(() => {
        const t = trace.truncated();
        return t ? { maxSpans: t.maxSpans, message: truncationNote(t) } : undefined;
      }),
    };
    return reply.type('application/json').send(jsonStream(body));
  });
}
