/** Tokens and keys: generated with the OS's CSPRNG, compared in constant time, never written to a log. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * A set of accepted secrets. Comparing SHA-256 digests makes every comparison the same length, so neither a
 * token's content nor its length leaks through timing; every entry is compared, matched or not.
 */
export class SecretSet {
  private readonly digests: Buffer[];

  constructor(secrets: readonly string[]) {
    this.digests = secrets.filter((s) => s.length > 0).map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  has(candidate: string | undefined): boolean {
    if (candidate === undefined || candidate.length === 0) return false;
    const d = digest(candidate);
    let found = false;
    for (const known of this.digests) found = timingSafeEqual(d, known) || found;
    return found;
  }
}

/** The credential an HTTP client presents: `Authorization: Bearer …` or, as OTLP exporters often send, `x-api-key`. */
export function presentedSecret(authorization: string | undefined, apiKey: string | undefined): string | undefined {
  if (authorization !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (m) return m[1];
  }
  return apiKey?.trim() || undefined;
}
