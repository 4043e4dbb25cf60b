/**
 * Bounded text answers. Every tool takes `maxTokens`; its answer is built line by line and stops before it
 * would exceed that budget, ending with a marker that says what was left out and how to get it.
 *
 * Tokens are estimated, not counted: each model tokenises differently, Claude's tokenizer is not published,
 * and a BPE vocabulary for the others is megabytes loaded into every server (js-tiktoken's o200k: 2.3 MB, 1.5 s
 * to load, 180 MB of heap). The estimate charges each piece of text what BPE tokenizers charge for it at most:
 * random ids and cursors (letters and digits mixed) nearly a token per character (a 32-character trace id is
 * 27 tokens in o200k, where characters / 3 would say 11), digits one per three, words one per five letters,
 * punctuation, non-ASCII characters and line breaks one or two each. The MCP test checks it against o200k
 * and cl100k on every answer it gets.
 */
import { z } from 'zod';
import { printable } from '@sextant/core';

export const MIN_TOKENS = 200;
export const MAX_TOKENS = 32_000;
export const DEFAULT_TOKENS = 2_000;

const PIECE = /[A-Za-z0-9]+|[^\S\n]+|\n|[\x21-\x7e]|[^\x00-\x7f]/g;
const LETTERS = /^[A-Za-z]+$/;
const DIGITS = /^[0-9]+$/;

/** An upper estimate of the tokens `text` costs an agent (see above). */
export function estimateTokens(text: string): number {
  let n = 0;
  for (const [m] of text.matchAll(PIECE)) {
    const c = m.charCodeAt(0);
    if (LETTERS.test(m)) n += Math.ceil(m.length / 5);
    else if (DIGITS.test(m)) n += Math.ceil(m.length / 3);
    // Letters and digits mixed: ids, cursors, hashes; nearly one token per character when random.
    else if (/[0-9A-Za-z]/.test(m[0]!)) n += m.length > 4 ? Math.ceil(m.length * 0.85) + 1 : m.length;
    // A single space joins the word after it; longer runs (indentation) are a token of their own.
    else if (c === 32 || c === 9) n += m.length > 1 ? 1 : 0;
    else n += c < 128 ? 1 : 2;
  }
  return n;
}

export function maxTokensSchema(def = DEFAULT_TOKENS) {
  return z
    .number()
    .int()
    .min(MIN_TOKENS)
    .max(MAX_TOKENS)
    .default(def)
    .describe(`upper bound on the answer's size in tokens (estimated on the safe side); default ${def}`);
}

/** Room (in tokens) kept for the truncation marker, so that adding it never breaks the budget. */
const MARKER_RESERVE = 90;

export class BoundedText {
  private readonly lines: string[] = [];
  private used = 0;
  private readonly limit: number;
  private truncated = false;

  constructor(maxTokens: number) {
    this.limit = maxTokens - MARKER_RESERVE;
  }

  get full(): boolean {
    return this.truncated;
  }

  /** Adds a line if it fits; once one line does not fit, nothing more is added (answers are never gappy). */
  add(line: string): boolean {
    if (this.truncated) return false;
    const cost = estimateTokens(line) + 1;
    if (this.used + cost > this.limit) {
      this.truncated = true;
      return false;
    }
    this.lines.push(line);
    this.used += cost;
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
    let line = `[truncated: ${text}]`;
    for (let keep = text.length; estimateTokens(line) + 1 > MARKER_RESERVE; keep = Math.floor(keep * 0.8)) line = `[truncated: ${text.slice(0, keep)}…]`;
    this.lines.push(line);
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
