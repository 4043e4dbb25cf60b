/** Hex ids ⇄ the integers the store keeps (UHUGEINT trace ids, UBIGINT span ids; 0 means "no parent"). */
import { normalizeHexId } from '@sextant/core';

export function hexToBig(hex: string): bigint {
  return hex === '' ? 0n : BigInt('0x' + hex);
}

export function traceIdHex(v: bigint): string {
  return v.toString(16).padStart(32, '0');
}

export function spanIdHex(v: bigint): string {
  return v === 0n ? '' : v.toString(16).padStart(16, '0');
}

/** Parses a trace id given by a user (API path): 32 hex, or 16 hex (64-bit, zero-padded); null if not an id. */
export function parseTraceIdParam(s: string): string | null {
  return s.length === 32 || s.length === 16 ? normalizeHexId(s, 32) : null;
}

/**
 * 64-bit content hash for resource/scope rows (two 32-bit FNV-1a style lanes). Collisions only merge identical-
 * looking rows' ids; at 2^-64 per pair that is accepted.
 */
export function hash64(s: string): bigint {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (BigInt(h1 >>> 0) << 32n) | BigInt(h2 >>> 0);
}
