/**
 * Typed tag matching against the stored attribute form (attr-json.ts). A search value arrives as text; it matches
 * a string attribute with that text, and also an int, double or bool attribute when the text reads as one. Each
 * candidate becomes substrings that can only occur at a top-level member of the stored object.
 */
import { doubleText } from './attr-json.js';

/** Value literals (as stored) that the search text `value` may equal. */
export function candidateLiterals(value: string): { literal: string; quoted: boolean }[] {
  const out: { literal: string; quoted: boolean }[] = [{ literal: JSON.stringify(value), quoted: true }];
  const t = value.trim();
  if (/^[+-]?\d+$/.test(t)) {
    const big = BigInt(t);
    const safe = big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= -BigInt(Number.MAX_SAFE_INTEGER);
    out.push(safe ? { literal: big.toString(), quoted: false } : { literal: `"${big}"`, quoted: true });
  }
  if (t !== '' && Number.isFinite(Number(t))) out.push({ literal: doubleText(Number(t)), quoted: false });
  if (t === 'true' || t === 'false') out.push({ literal: t, quoted: false });
  return out;
}

/** Substrings whose presence in a stored attribute object means key == value (for some type). */
export function tagNeedles(key: string, value: string): string[] {
  const k = JSON.stringify(key);
  const needles: string[] = [];
  for (const { literal, quoted } of candidateLiterals(value)) {
    for (const lead of ['{', ',']) {
      if (quoted) needles.push(`${lead}${k}:${literal}`);
      else for (const tail of [',', '}']) needles.push(`${lead}${k}:${literal}${tail}`);
    }
  }
  return needles;
}
