/** Background work of an engine: a task every interval, never two runs at once, failures logged, not thrown. */
export function every(ms: number, what: string, task: () => Promise<unknown>, runNow = false): () => void {
  let busy = false;
  const run = () => {
    if (busy) return;
    busy = true;
    task()
      .catch((err) => process.stderr.write(`sextant: ${what} failed: ${(err as Error).message}\n`))
      .finally(() => (busy = false));
  };
  const timer = setInterval(run, ms);
  timer.unref();
  if (runNow) run();
  return () => clearInterval(timer);
}
