/**
 * The names of span kinds and status codes, once: lower-case words as the APIs, the search syntax and the UI
 * show them (`server`, `error`), and OTLP's enum names (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`).
 */
import { SpanKind, StatusCode } from './model.js';

/** Indexed by SpanKind. */
export const SPAN_KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export type SpanKindName = (typeof SPAN_KIND_NAMES)[number];

/** Indexed by StatusCode. */
export const STATUS_CODE_NAMES = ['unset', 'ok', 'error'] as const;
export type StatusCodeName = (typeof STATUS_CODE_NAMES)[number];

export function spanKindName(kind: number): string {
  return SPAN_KIND_NAMES[kind] ?? String(kind);
}

/** OTLP's enum name of a kind, e.g. SPAN_KIND_SERVER. */
export function otlpSpanKindName(kind: SpanKind): string {
  return `SPAN_KIND_${SPAN_KIND_NAMES[kind]!.toUpperCase()}`;
}

/** A kind by name (`server`, `SERVER`, `SPAN_KIND_SERVER`) or number (0-5); null if it is none of them. */
export function parseSpanKind(text: string): SpanKind | null {
  const k = text.trim().toLowerCase().replace(/^span_kind_/, '');
  const i = (SPAN_KIND_NAMES as readonly string[]).indexOf(k);
  if (i >= 0) return i as SpanKind;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n < SPAN_KIND_NAMES.length ? (n as SpanKind) : null;
}

export function statusCodeName(code: number): string {
  return STATUS_CODE_NAMES[code] ?? String(code);
}

/** OTLP's enum name of a status code, e.g. STATUS_CODE_ERROR. */
export function otlpStatusCodeName(code: StatusCode): string {
  return `STATUS_CODE_${STATUS_CODE_NAMES[code]!.toUpperCase()}`;
}

/** A status code by name (`error`, `ERROR`, `STATUS_CODE_ERROR`); null if it is none of them. */
export function parseStatusCode(text: string): StatusCode | null {
  const c = text.trim().toLowerCase().replace(/^status_code_/, '');
  const i = (STATUS_CODE_NAMES as readonly string[]).indexOf(c);
  return i >= 0 ? (i as StatusCode) : null;
}

/**
 * The `otel.status_code` tag of formats without a status field (Zipkin, Jaeger), as OpenTelemetry's non-OTLP
 * exporter mapping writes it: "OK" or "ERROR", nothing for an unset status.
 */
export function statusFromOtelTag(value: unknown): StatusCode | null {
  return value === 'OK' ? StatusCode.OK : value === 'ERROR' ? StatusCode.ERROR : null;
}

export function otelStatusTag(code: StatusCode): 'OK' | 'ERROR' | null {
  return code === StatusCode.OK ? 'OK' : code === StatusCode.ERROR ? 'ERROR' : null;
}
