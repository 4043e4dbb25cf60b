/** Argument schemas shared by the MCP tools, and their translation into the native API's query parameters. */
import { z } from 'zod';
import { parseDurationNano, parseTimeNano } from '../query/search-params.js';
import type { Params } from './client.js';

export const traceIdSchema = z
  .string()
  .regex(/^([0-9a-fA-F]{16}){1,2}$/, 'a trace id is 32 (or 16) hexadecimal characters')
  .describe('trace id (32 hex characters), as printed by search_traces');

export const spanIdSchema = z.string().min(1).max(64).describe('span id (16 hex characters), as printed by the other tools');

const timeSchema = z.string().min(1).max(40);

/** A time window: explicit start/end, or the last `lookback` before end (or now). */
export const windowShape = {
  lookback: z.string().max(20).optional().describe('window length ending at `end` (or now): 15m, 1h, 24h, 7d'),
  start: timeSchema.optional().describe('window start: RFC 3339 time or nanoseconds since the epoch'),
  end: timeSchema.optional().describe('window end: RFC 3339 time or nanoseconds since the epoch (default now)'),
};
type Window = { lookback?: string; start?: string; end?: string };

/** start/end as nanosecond strings; `defaultLookback` applies when neither start nor lookback is given. */
export function windowParams(w: Window, defaultLookback?: string): { start?: string; end?: string } {
  const end = w.end !== undefined ? parseTimeNano(w.end, 'end') : BigInt(Date.now()) * 1_000_000n;
  const lookback = w.lookback ?? (w.start === undefined ? defaultLookback : undefined);
  if (w.start !== undefined) return { start: parseTimeNano(w.start, 'start').toString(), end: end.toString() };
  if (lookback !== undefined) return { start: (end - parseDurationNano(lookback, 'lookback')).toString(), end: end.toString() };
  return w.end !== undefined ? { end: end.toString() } : {};
}

const durationSchema = z.string().max(20);

/** Structured trace filters: the native search's parameters (all AND). */
export const filterShape = {
  service: z.string().max(200).optional().describe('service.name of some span of the trace'),
  operation: z.string().max(500).optional().describe('span name (with service: of that service)'),
  spanKind: z.enum(['server', 'client', 'producer', 'consumer', 'internal']).optional(),
  attributes: z
    .record(z.string().max(200), z.union([z.string().max(500), z.number(), z.boolean()]))
    .optional()
    .describe('attribute equality filters, e.g. {"http.response.status_code": 500}; typed (500 ≠ "500")'),
  minDuration: durationSchema.optional().describe('some matching span lasted at least this long: 250ms, 1.5s'),
  maxDuration: durationSchema.optional().describe('some matching span lasted at most this long'),
  traceMinDuration: durationSchema.optional().describe('the whole trace lasted at least this long'),
  traceMaxDuration: durationSchema.optional().describe('the whole trace lasted at most this long'),
  errorsOnly: z.boolean().optional().describe('only traces where a matching span failed'),
  ...windowShape,
};
export const filterSchema = z.object(filterShape);
export type Filters = z.infer<typeof filterSchema>;

/** The native search query for filters (`/api/v1/traces` and the cohort endpoint's selection/baseline). */
export function filterParams(f: Filters): Params {
  const p: Params = {
    service: f.service,
    operation: f.operation,
    spanKind: f.spanKind,
    minDuration: f.minDuration,
    maxDuration: f.maxDuration,
    traceMinDuration: f.traceMinDuration,
    traceMaxDuration: f.traceMaxDuration,
    status: f.errorsOnly ? 'error' : undefined,
    ...windowParams(f),
  };
  // The API's attr.KEY=VALUE is typed by the value's text: numbers and booleans are written as such.
  for (const [k, v] of Object.entries(f.attributes ?? {})) p[`attr.${k}`] = String(v);
  return p;
}
