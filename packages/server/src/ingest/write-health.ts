/**
 * What /api/health says while the store cannot commit: a reason a person can act on, without the engine's text
 * (file paths), since the health endpoint is open to probes without a login.
 */
import type { WriteFailure } from './pipeline.js';

function cause(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/no space left|ENOSPC|disk (is )?full/i.test(text)) return 'the disk holding the data is full';
  if (/EFBIG|file too large|file size limit/i.test(text)) return 'a file size limit was reached';
  if (/EROFS|read-only file system|EACCES|permission denied/i.test(text)) return 'the data directory is not writable';
  return 'the store fails to commit (the server log has the error)';
}

export function writeHealthReason(f: WriteFailure): string {
  return `cannot store ingested data since ${new Date(f.since).toISOString()}: ${cause(f.error)}; the receivers answer 503 / UNAVAILABLE with a retry delay (nothing is acknowledged that is not stored) until a commit succeeds`;
}
