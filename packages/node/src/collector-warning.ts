// When the collector cannot be reached the app must keep running quietly: one line on stderr, once per
// process, whatever the signal (traces or logs) and however long the outage lasts.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

export type Warn = (line: string) => void;

const writeToStderr: Warn = (line) => {
  process.stderr.write(`${line}\n`);
};

export class CollectorWarning {
  private warned = false;

  constructor(private readonly warn: Warn = writeToStderr) {}

  report(signal: string, error: Error | undefined): void {
    if (this.warned) return;
    this.warned = true;
    const reason = error?.message ? `: ${error.message.split('\n')[0]}` : '';
    this.warn(
      `[sextant] could not export ${signal} to the OpenTelemetry collector${reason}. ` +
        'The app keeps running and telemetry is dropped while the collector is unreachable (shown once).',
    );
  }

  /** Passes results through, reporting the first failure. */
  watch(signal: string, callback: (result: ExportResult) => void): (result: ExportResult) => void {
    return (result) => {
      if (result.code === ExportResultCode.FAILED) this.report(signal, result.error);
      callback(result);
    };
  }
}

export class WarningSpanExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly warning: CollectorWarning,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, this.warning.watch('spans', resultCallback));
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export class WarningLogRecordExporter implements LogRecordExporter {
  constructor(
    private readonly inner: LogRecordExporter,
    private readonly warning: CollectorWarning,
  ) {}

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(logs, this.warning.watch('logs', resultCallback));
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
}
