/**
 * The one error TraceQL parsing throws. It carries where the query went wrong (0-based offset, 1-based line and
 * column) and what the parser would have accepted there, so an editor can underline it and an API can return
 * a 400 naming the problem instead of a 500.
 */
export class TraceQLError extends Error {
  override name = 'TraceQLError';
  constructor(
    message: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
    readonly expected: readonly string[] = [],
    readonly found = '',
  ) {
    super(message);
  }
}

/** Line and column (1-based) of an offset in the query text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function errorAt(text: string, offset: number, what: string, expected: readonly string[] = [], found = ''): TraceQLError {
  const { line, column } = lineColumn(text, offset);
  return new TraceQLError(`TraceQL parse error at line ${line}, column ${column}: ${what}`, offset, line, column, expected, found);
}
