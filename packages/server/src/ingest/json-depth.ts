/**
 * Nesting depth of a JSON text, found by a linear scan that keeps no stack. Decoders walk documents
 * recursively, so a body of 200,000 nested brackets would overflow the call stack there; checking first lets
 * such a body be refused as bad input.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/** Telemetry nests little (OTLP's deepest path is ~10 levels plus nested attribute values). */
export const MAX_JSON_DEPTH = 128;

/** True when some container in `bytes` (UTF-8 JSON) is nested deeper than `max`. */
export function jsonNestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--;
  }
  return false;
}
