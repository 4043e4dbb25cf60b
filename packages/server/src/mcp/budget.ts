/**
 * Bounded text answers. Every tool takes `maxTokens`; its answer is built line by line and stops before it
 * would exceed that budget, ending with a marker that says what was left out and how to get it.
 *
 * Tokens are estimated as characters / 3: English prose tokenises at about 4 characters a token, hex ids and
 * numbers nearer 3, so the estimate errs on the side of a shorter answer.
 */
import { z } from 'zod';
import { printable } from '@sextant/core';

export const CHARS_PER_TOKEN = 3;
export const MIN_TOKENS = 200;
export const MAX_TOKENS = 32_000;
export const DEFAULT_TOKENS = 2_000;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function maxTokensSchema(def = DEFAULT_TOKENS) {
  return z
    .number()
    .int()
    .min(MIN_TOKENS)
    .max(MAX_TOKENS)
    .default(def)
    .describe(`upper bound on the answer's size in tokens (about ${CHARS_PER_TOKEN} characters each); default ${def}`);
}

/** Room kept for the truncation marker, so that adding it never breaks the budget. */
const MARKER_RESERVE = 260;

export class BoundedText {
  private readonly lines: string[] = [];
  private used = 0;
  private readonly limit: number;
  private truncated = false;

  constructor(maxTokens: number) {
    this.limit = maxTokens * CHARS_PER_TOKEN - MARKER_RESERVE;
  }

  get full(): boolean {
    return this.truncated;
  }

  /** Adds a line if it fits; once one line does not fit, nothing more is added (answers are never gappy). */
  add(line: string): boolean {
    if (this.truncated) return false;
    if (this.used + line.length + 1 > this.limit) {
      this.truncated = true;
      return false;
    }
    this.lines.push(line);
    this.used += line.length + 1;
    return true;
  }

  /**
   * Adds rows until the budget is spent. When some are left out, ends with a marker naming how many and
   * `hint` (what to call for the rest). Returns how many rows were added.
   */
  rows<T>(items: readonly T[], render: (item: T, index: number) => string, what: string, hint: (shown: number) => string): number {
    let shown = 0;
    for (const item of items) {
      if (!this.add(render(item, shown))) break;
      shown++;
    }
    if (shown < items.length) this.marker(`${items.length - shown} more ${what} not shown; ${hint(shown)}`);
    return shown;
  }

  /** An explicit truncation marker; always fits thanks to the reserve. */
  marker(text: string): void {
    this.truncated = true;
    this.lines.push(`[truncated: ${text.slice(0, MARKER_RESERVE - 20)}]`);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** Span data is untrusted and unbounded: one line, control characters shown as escapes, clipped. */
export function clip(text: string, max = 200): string {
  const flat = printable(text);
  return flat.length > max ? `${flat.slice(0, max - 1)}…(${flat.length} chars)` : flat;
}
