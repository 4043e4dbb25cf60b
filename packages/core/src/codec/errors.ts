/** Thrown when input cannot be read at all; the message is one sentence naming what was wrong and where. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/**
 * What a decoder made of a request that was readable as a whole: the valid items, and how many were rejected
 * and why (OTLP partial success). `errors` is capped so that a flood of bad spans cannot blow up a response.
 */
export interface DecodeResult<T> {
  items: T[];
  rejected: number;
  errors: string[];
}

export const MAX_REPORTED_ERRORS = 20;

export function emptyResult<T>(): DecodeResult<T> {
  return { items: [], rejected: 0, errors: [] };
}

/** Counts one rejected item and keeps its explanation while there is room. */
export function reject(result: DecodeResult<unknown>, message: string): void {
  result.rejected++;
  if (result.errors.length < MAX_REPORTED_ERRORS) result.errors.push(message);
}

/** Folds `from` into `into` (used when one file holds several documents). */
export function mergeResults<T>(into: DecodeResult<T>, from: DecodeResult<T>): void {
  for (const item of from.items) into.items.push(item);
  into.rejected += from.rejected;
  for (const e of from.errors) if (into.errors.length < MAX_REPORTED_ERRORS) into.errors.push(e);
}

/** Shortens untrusted text quoted in an error message. */
export function quote(value: unknown): string {
  const s = typeof value === 'string' ? value : typeof value === 'bigint' ? `${value}` : JSON.stringify(value) ?? String(value);
  return `'${s.length > 40 ? `${s.slice(0, 40)}…` : s}'`;
}
