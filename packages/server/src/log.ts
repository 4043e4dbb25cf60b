/**
 * The server's own log (stderr). Failures are described here in full, while clients get a sentence without
 * file paths or storage-engine text, which would tell an attacker about the host.
 */
export function logFailure(context: string, err: unknown): void {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`sextant: ${context}: ${detail}\n`);
}
