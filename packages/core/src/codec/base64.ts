// Base64 for bytes values in JSON formats, without Buffer (this package must run in browsers too).
import { DecodeError } from './errors.js';

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  }
  return btoa(binary);
}

/** Accepts standard and URL-safe alphabets, with or without padding (proto3 JSON allows both). */
export function base64ToBytes(text: string, where: string): Uint8Array {
  const std = text.replace(/-/g, '+').replace(/_/g, '/');
  let binary: string;
  try {
    binary = atob(std.padEnd(std.length + ((4 - (std.length % 4)) % 4), '='));
  } catch {
    throw new DecodeError(`${where}: expected base64, got '${text.slice(0, 40)}'`);
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
