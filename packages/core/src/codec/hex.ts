// Id conversions shared by every codec. Hex goes through a 256-entry table: ids are converted for every span on
// the ingest path, and a table lookup per byte is far cheaper than number formatting.
const BYTE_TO_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

const HEX_TO_NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_TO_NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_TO_NIBBLE[65 + i] = 10 + i;
  HEX_TO_NIBBLE[97 + i] = 10 + i;
}

/** Lower-case hex of `bytes[start, end)`. */
export function bytesToHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += BYTE_TO_HEX[bytes[i]];
  return s;
}

/** A 64-bit id read as a signed integer (Thrift's i64) in 16 lower-case hex digits. */
export function u64Hex(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/** Bytes of a hex string (either case), or null when it is not an even-length hex string. */
export function hexToBytes(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const c1 = hex.charCodeAt(2 * i);
    const c2 = hex.charCodeAt(2 * i + 1);
    const hi = c1 < 128 ? HEX_TO_NIBBLE[c1] : -1;
    const lo = c2 < 128 ? HEX_TO_NIBBLE[c2] : -1;
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/**
 * Normalises a hex id from a text format: lower-cases it and left-pads it with zeros to `width` (Zipkin and
 * Jaeger print 64-bit trace ids as 16 characters, some tracers drop leading zeros). Returns null for non-hex.
 */
export function normalizeHexId(id: string, width: 16 | 32): string | null {
  if (id.length === 0 || id.length > width || !/^[0-9a-fA-F]+$/.test(id)) return null;
  const lower = id.toLowerCase();
  return lower.length === width ? lower : lower.padStart(width, '0');
}
