/** What a receiver hands to ingest: the raw request body and how to read it; decoding it into the model. */
import {
  DecodeError,
  decodeLogsRequest,
  decodeOtlpJsonLogs,
  decodeOtlpJsonTraces,
  decodeTraceRequest,
  decodeJaegerPostSpans,
  decodeJaegerThriftBatch,
  decodeZipkinV1Json,
  decodeZipkinV1Thrift,
  decodeZipkinV2,
  decodeZipkinV2Proto,
  type DecodeResult,
  type LogRecord,
  type Span,
} from '@sextant/core';
import { IngestRejected } from './errors.js';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from './json-depth.js';

export type Signal = 'traces' | 'logs';
export type WireFormat =
  | 'otlp-proto'
  | 'otlp-json'
  | 'zipkin-json'
  | 'zipkin-proto'
  | 'zipkin-v1-json'
  | 'zipkin-v1-thrift'
  | 'jaeger-thrift'
  | 'jaeger-proto';

export interface IngestRequest {
  signal: Signal;
  format: WireFormat;
  body: Uint8Array;
}

export interface IngestResult {
  accepted: number;
  rejected: number;
  /** The first problems found with rejected items, one sentence each. */
  errors: string[];
  /** Something the sender should know about accepted items ('' when nothing): see retentionWarning. */
  warning: string;
}

export interface Ingestor {
  ingest(req: IngestRequest): Promise<IngestResult>;
}

const NAMES: Record<WireFormat, string> = {
  'otlp-proto': 'OTLP protobuf',
  'otlp-json': 'OTLP JSON',
  'zipkin-json': 'Zipkin v2 JSON',
  'zipkin-proto': 'Zipkin v2 protobuf',
  'zipkin-v1-json': 'Zipkin v1 JSON',
  'zipkin-v1-thrift': 'Zipkin v1 Thrift',
  'jaeger-thrift': 'jaeger.thrift',
  'jaeger-proto': 'Jaeger protobuf',
};

function parseJson(body: Uint8Array, what: string): unknown {
  if (jsonNestsDeeperThan(body, MAX_JSON_DEPTH)) throw new IngestRejected(`${what} nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch (err) {
    throw new IngestRejected(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

export function summarizeRejections(rejected: number, errors: readonly string[]): string {
  const shown = errors.slice(0, 5).join('; ');
  const more = errors.length > 5 ? ` (and ${errors.length - 5} more)` : '';
  return `${rejected} rejected: ${shown}${more}`;
}

/**
 * Retention is by span time, so spans that are already older than the retention age (an imported 2018 trace)
 * are stored and then deleted by the next retention pass, within a minute. They are accepted, as the sender
 * asked, and the answer says so rather than letting them vanish silently.
 */
export function retentionWarning(spans: readonly Span[], retentionNano: bigint | null, nowNano: bigint): string {
  if (retentionNano === null || spans.length === 0) return '';
  const cutoff = nowNano - retentionNano;
  let old = 0;
  for (const s of spans) if (s.endTimeUnixNano < cutoff) old++;
  if (old === 0) return '';
  return `${old} of ${spans.length} spans ended before the retention window (--retention) and will be deleted by the next retention pass, within a minute; to keep old traces, run sextant with a longer --retention or --retention 0`;
}

/** The one-line message an answer carries: rejections first, then any warning ('' when there is neither). */
export function ingestMessage(result: IngestResult): string {
  const parts = result.rejected > 0 ? [summarizeRejections(result.rejected, result.errors)] : [];
  if (result.warning !== '') parts.push(result.warning);
  return parts.join('; ');
}

/** Decodes one request body into spans or log records; throws IngestRejected when nothing can be kept. */
export function decodeIngest(req: IngestRequest): { spans: Span[]; logs: LogRecord[]; result: DecodeResult<unknown> } {
  let result: DecodeResult<Span> | DecodeResult<LogRecord>;
  const what = `the ${req.signal} request body`;
  try {
    switch (req.format) {
      case 'otlp-proto':
        result = req.signal === 'traces' ? decodeTraceRequest(req.body) : decodeLogsRequest(req.body);
        break;
      case 'otlp-json': {
        const doc = parseJson(req.body, what);
        result = req.signal === 'traces' ? decodeOtlpJsonTraces(doc) : decodeOtlpJsonLogs(doc);
        break;
      }
      case 'zipkin-json':
        result = decodeZipkinV2(parseJson(req.body, what));
        break;
      case 'zipkin-proto':
        result = decodeZipkinV2Proto(req.body);
        break;
      case 'zipkin-v1-json':
        result = decodeZipkinV1Json(parseJson(req.body, what));
        break;
      case 'zipkin-v1-thrift':
        result = decodeZipkinV1Thrift(req.body);
        break;
      case 'jaeger-thrift':
        result = decodeJaegerThriftBatch(req.body);
        break;
      case 'jaeger-proto':
        result = decodeJaegerPostSpans(req.body);
        break;
    }
  } catch (err) {
    if (err instanceof DecodeError) throw new IngestRejected(`invalid ${NAMES[req.format]} ${req.signal} request: ${err.message}`);
    throw err;
  }
  if (result.items.length === 0 && result.rejected > 0) {
    const items = req.signal === 'traces' ? 'spans' : 'log records';
    throw new IngestRejected(`no valid ${items} in request; ${summarizeRejections(result.rejected, result.errors)}`);
  }
  return req.signal === 'traces'
    ? { spans: result.items as Span[], logs: [], result }
    : { spans: [], logs: result.items as LogRecord[], result };
}
