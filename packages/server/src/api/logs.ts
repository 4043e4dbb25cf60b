/**
 * The log explorer's endpoint and the way back along span links (native API, /api/v1): `GET /api/v1/logs` searches
 * log lines; `GET /api/v1/traces/{id}/linked-from` lists spans of other traces that link to the trace.
 */
import type { FastifyInstance } from 'fastify';
import { encodeOtlpJsonLogs } from '@sextant/core';
import { MAX_INCOMING_LINKS, MAX_LOG_LIMIT, QueryError, type LogQuery, type SpanStore } from '../storage/contract.js';
import { one, parseAttrParams, parseLimit, parseWindow, traceIdParam, type Query } from '../query/search-params.js';

/** OTLP's severity ranges by the name of their lowest number (TRACE 1–4, DEBUG 5–8, … FATAL 21–24). */
const SEVERITY_FLOORS: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

/** `severity=warn` (or `WARN`, or an OTLP severity number 1–24): that severity and anything worse. */
export function parseMinSeverity(text: string): number {
  const named = SEVERITY_FLOORS[text.toLowerCase()];
  if (named !== undefined) return named;
  const n = Number(text);
  if (Number.isInteger(n) && n >= 1 && n <= 24) return n;
  throw new QueryError(`severity: '${text}' is not one of ${Object.keys(SEVERITY_FLOORS).join(', ')} or a severity number from 1 to 24`);
}

export function parseLogSearch(q: Query): LogQuery {
  const { start, end } = parseWindow(q);
  const severity = one(q, 'severity');
  const traceId = one(q, 'traceId');
  return {
    startNano: start,
    endNano: end,
    service: one(q, 'service'),
    minSeverity: severity === undefined ? undefined : parseMinSeverity(severity),
    text: one(q, 'q'),
    attributes: parseAttrParams(q),
    traceId: traceId === undefined ? undefined : traceIdParam(traceId),
    limit: parseLimit(one(q, 'limit'), 200, MAX_LOG_LIMIT),
  };
}

export function registerLogsApi(app: FastifyInstance, store: SpanStore): void {
  // OTLP JSON like the trace's own logs, plus `more` when lines beyond the limit matched.
  app.get('/api/v1/logs', async (req) => {
    const { logs, more } = await store.searchLogs(parseLogSearch(req.query as Query));
    return { ...encodeOtlpJsonLogs(logs), more };
  });

  app.get<{ Params: { id: string } }>('/api/v1/traces/:id/linked-from', async (req) => {
    const q = req.query as Query;
    return { links: await store.linksTo(traceIdParam(req.params.id), parseLimit(one(q, 'limit'), 50, MAX_INCOMING_LINKS)) };
  });
}
