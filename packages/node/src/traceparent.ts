// W3C Trace Context `traceparent` (Level 1 and 2): parsing and formatting.
// https://www.w3.org/TR/trace-context-2/#traceparent-header

/** Bit 0: the caller may have recorded the trace. */
export const FLAG_SAMPLED = 0x01;
/** Bit 1 (Level 2): at least the right-most 7 bytes of the trace id are random. */
export const FLAG_RANDOM = 0x02;
/** The flags this implementation understands; the spec says unknown bits are reset when propagating. */
export const KNOWN_FLAGS = FLAG_SAMPLED | FLAG_RANDOM;

export interface Traceparent {
  version: number;
  traceId: string;
  parentId: string;
  /** Only the known bits (sampled, random) are kept. */
  traceFlags: number;
}

const VERSION_00_LENGTH = 55;
const LOWER_HEX = /^[0-9a-f]+$/;
const ALL_ZERO = /^0+$/;
// HTTP allows optional white space (space, horizontal tab) around a header value.
const OWS = /^[ \t]+|[ \t]+$/g;

function hexField(value: string, start: number, length: number): string | undefined {
  const field = value.slice(start, start + length);
  return field.length === length && LOWER_HEX.test(field) ? field : undefined;
}

/**
 * Parses one `traceparent` value. Returns undefined for anything the spec says to ignore (restart the trace):
 * version 00 must match the format exactly; version ff is invalid; higher versions are parsed leniently
 * (the known prefix must be well formed and followed by the end of the value or a dash).
 */
export function parseTraceparent(header: string): Traceparent | undefined {
  const value = header.replace(OWS, '');
  const versionHex = hexField(value, 0, 2);
  if (versionHex === undefined || versionHex === 'ff' || value[2] !== '-') return undefined;
  if (versionHex === '00' && value.length !== VERSION_00_LENGTH) return undefined;
  if (value.length < VERSION_00_LENGTH) return undefined;
  const traceId = hexField(value, 3, 32);
  const parentId = hexField(value, 36, 16);
  const flags = hexField(value, 53, 2);
  if (traceId === undefined || parentId === undefined || flags === undefined) return undefined;
  if (value[35] !== '-' || value[52] !== '-') return undefined;
  if (value.length > VERSION_00_LENGTH && value[VERSION_00_LENGTH] !== '-') return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(parentId)) return undefined;
  return { version: parseInt(versionHex, 16), traceId, parentId, traceFlags: parseInt(flags, 16) & KNOWN_FLAGS };
}

/** Formats a version 00 value: `00-<trace-id>-<parent-id>-<flags>`; also the Level 2 `traceresponse` format. */
export function formatTraceparent(traceId: string, parentId: string, traceFlags: number): string {
  return `00-${traceId}-${parentId}-${(traceFlags & KNOWN_FLAGS).toString(16).padStart(2, '0')}`;
}
