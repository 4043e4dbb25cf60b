// Reads a trace file of unknown format (CLI `sextant analyze`, UI upload). Browser-safe: text in, spans out.
import type { Span } from '../model.js';
import { DecodeError, emptyResult, mergeResults, type DecodeResult } from './errors.js';
import { decodeJaegerJson } from './jaeger-json.js';
import { decodeOtlpJsonTraces } from './otlp-json.js';
import { decodeZipkinV2 } from './zipkin.js';
import { isObject } from './common.js';

export type TraceFileFormat = 'otlp-json' | 'jaeger-json' | 'zipkin-v2';

export interface DecodedTraceFile {
  format: TraceFileFormat;
  result: DecodeResult<Span>;
}

function formatOf(doc: unknown): TraceFileFormat | undefined {
  if (isObject(doc)) {
    if ('resourceSpans' in doc || 'resource_spans' in doc) return 'otlp-json';
    if (Array.isArray(doc.spans) || Array.isArray(doc.data) || (isObject(doc.data) && Array.isArray(doc.data.spans))) return 'jaeger-json';
    return undefined;
  }
  if (!Array.isArray(doc) || doc.length === 0) return undefined;
  const first: unknown = doc[0];
  if (Array.isArray(first)) return 'zipkin-v2';
  if (isObject(first) && Array.isArray(first.spans)) return 'jaeger-json';
  if (isObject(first) && 'traceId' in first && 'id' in first) return 'zipkin-v2';
  return undefined;
}

function decodeAs(format: TraceFileFormat, doc: unknown): DecodeResult<Span> {
  if (format === 'otlp-json') return decodeOtlpJsonTraces(doc);
  if (format === 'jaeger-json') return decodeJaegerJson(doc);
  return decodeZipkinV2(doc);
}

const NOT_A_TRACE = 'is not OTLP JSON (an object with "resourceSpans"), Jaeger JSON ({"data": [...]} or a trace with "spans") or Zipkin v2 JSON (an array of spans)';

/** One OTLP/JSON document per line, as the OpenTelemetry Collector's file exporter writes. */
function decodeJsonLines(text: string, firstError: string): DecodedTraceFile {
  const lines = text.split('\n');
  const result = emptyResult<Span>();
  let documents = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (e) {
      throw new DecodeError(documents === 0 ? `The file is not valid JSON: ${firstError}` : `Line ${i + 1} is not valid JSON: ${(e as Error).message}`);
    }
    if (formatOf(doc) !== 'otlp-json') throw new DecodeError(`Line ${i + 1} of the JSON-lines file is not an OTLP JSON document with "resourceSpans".`);
    mergeResults(result, decodeOtlpJsonTraces(doc));
    documents++;
  });
  return { format: 'otlp-json', result };
}

/** Detects the format of a trace file and decodes it; throws DecodeError (one sentence) when it is none of them. */
export function decodeTraceFile(text: string): DecodedTraceFile {
  if (text.trim() === '') throw new DecodeError('The file is empty.');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return decodeJsonLines(text, (e as Error).message);
  }
  const format = formatOf(doc);
  if (format === undefined) {
    throw new DecodeError(Array.isArray(doc) && doc.length === 0 ? 'The file holds an empty array: there are no spans to read.' : `The file ${NOT_A_TRACE}.`);
  }
  return { format, result: decodeAs(format, doc) };
}
