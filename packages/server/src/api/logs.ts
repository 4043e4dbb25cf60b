/**
 * The log explorer's endpoint and the way back along span links (native API, /api/v1): `GET /api/v1/logs` searches
 * log lines; `GET /api/v1/traces/{id}/linked-from` lists spans of other traces that link to the trace.
 */
import type { FastifyInstance } from 'fastify';
import { encodeOtlpJsonLogs } from '@sextant/core';
import { MAX_INCOMING_LINKS, MAX_LOG_LIMIT, QueryError, type LogQuery, type SpanStore } from '../storage/contract.js';
import { one, parseAttrParams, parseDurationNano, parseLimit, parseWindow, traceIdParam, type Query } from '../query/search-params.js';

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

/** A log search cursor: the time its page ended at, and how many lines at that time it showed (`T.N`). */
const CURSOR = /^(\d{1,20})\.(\d{1,9})$/;

function cursorText(next: { endNano: bigint; skip: number }): string {
  return `${next.endNano}.${next.skip}`;
}

export function parseLogSearch(q: Query): LogQuery {
  const { start, end } = parseWindow(q);
  const severity = one(q, 'severity');
  const traceId = one(q, 'traceId');
  const cursorParam = one(q, 'cursor');
  const cursor = cursorParam === undefined ? null : CURSOR.exec(cursorParam);
  if (cursorParam !== undefined && !cursor) throw new QueryError(`cursor: '${cursorParam}' is not a cursor from a log search answer's nextCursor`);
  const cursorEnd = cursor ? BigInt(cursor[1]!) : end;
  return {
    startNano: start,
    endNano: cursorEnd < end ? cursorEnd : end,
    ...(cursor && cursorEnd <= end ? { skip: Number(cursor[2]) } : {}),
    service: one(q, 'service'),
    minSeverity: severity === undefined ? undefined : parseMinSeverity(severity),
    text: one(q, 'q'),
    attributes: parseAttrParams(q),
    traceId: traceId === undefined ? undefined : traceIdParam(traceId),
    limit: parseLimit(one(q, 'limit'), 200, MAX_LOG_LIMIT),
  };
}

const DAY_NANO = 86_400_000_000_000n;
const DEFAULT_LINK_WINDOW_NANO = DAY_NANO;
const MAX_LINK_WINDOW_DAYS = 31;
const MAX_LINK_WINDOW_NANO = BigInt(MAX_LINK_WINDOW_DAYS) * DAY_NANO;

export function registerLogsApi(app: FastifyInstance, store: SpanStore): void {
  // OTLP JSON like the trace's own logs, plus `more` when lines beyond the limit matched and the cursor of the next
  // (older) page.
  app.get('/api/v1/logs', async (req) => {
    const { logs, more, next } = await store.searchLogs(parseLogSearch(req.query as Query));
    return { ...encodeOtlpJsonLogs(logs), more, nextCursor: next ? cursorText(next) : null };
  });

  // Links are not indexed: the lookup is bounded to spans that started within `within` (default a day) of the
  // trace's first span, so its cost follows the window, not the store. An unknown trace has no incoming links.
  app.get<{ Params: { id: string } }>('/api/v1/traces/:id/linked-from', async (req) => {
    const q = req.query as Query;
    const id = traceIdParam(req.params.id);
    const limit = parseLimit(one(q, 'limit'), 50, MAX_INCOMING_LINKS);
    const withinText = one(q, 'within');
    const within = withinText === undefined ? DEFAULT_LINK_WINDOW_NANO : parseDurationNano(withinText, 'within');
    if (within > MAX_LINK_WINDOW_NANO) throw new QueryError(`within: at most ${MAX_LINK_WINDOW_DAYS} days`);
    const [first] = await store.getTrace(id, 1);
    if (!first) return { links: [] };
    const at = first.startTimeUnixNano;
    return { links: await store.linksTo(id, limit, { startNano: at - within, endNano: at + within }) };
  });
}
