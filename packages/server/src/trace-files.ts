/** Trace files named on the command line (OTLP JSON, Jaeger JSON, Zipkin v2 JSON), read and decoded. */
import { readFileSync } from 'node:fs';
import { DecodeError, decodeTraceFile, type Span } from '@sextant/core';
import { UsageError } from './usage-error.js';

/** Every valid span of the files; invalid spans are reported on stderr, unreadable files are usage errors. */
export function readTraceFiles(files: readonly string[]): Span[] {
  const all: Span[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    try {
      const { result } = decodeTraceFile(text);
      if (result.items.length === 0) throw new UsageError(`${file} holds no valid spans${result.errors[0] ? `: ${result.errors[0]}` : ''}`);
      if (result.rejected > 0) process.stderr.write(`sextant: ${file}: skipped ${result.rejected} invalid spans (${result.errors[0]})\n`);
      all.push(...result.items);
    } catch (err) {
      if (err instanceof DecodeError) throw new UsageError(`${file}: ${err.message}`);
      throw err;
    }
  }
  return all;
}
