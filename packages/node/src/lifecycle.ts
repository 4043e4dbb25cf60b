// Flush telemetry when the process ends, without changing how it ends.
// - beforeExit (the event loop ran dry): flush; the process then exits as it would have.
// - SIGTERM / SIGINT: flush, then, if nobody else listens to that signal, re-raise it so the process dies
//   of the signal as it would have without us (exit status 128+n, parent sees the signal). When the app has
//   its own handler, exiting is the app's decision: we only flush.
export type Flush = () => Promise<void>;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

function withTimeout(flush: Flush, timeoutMillis: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMillis);
    flush()
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        resolve();
      });
  });
}

/** Installs the handlers; returns a function that removes them. */
export function flushOnExit(flush: Flush, timeoutMillis: number): () => void {
  let flushing: Promise<void> | undefined;
  const flushOnce = () => (flushing ??= withTimeout(flush, timeoutMillis));

  const onBeforeExit = () => {
    void flushOnce();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    const appHandlesSignal = process.listenerCount(signal) > 1;
    void flushOnce().then(() => {
      if (appHandlesSignal) return;
      remove();
      process.kill(process.pid, signal);
    });
  };
  function remove() {
    process.removeListener('beforeExit', onBeforeExit);
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  }

  process.once('beforeExit', onBeforeExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return remove;
}
