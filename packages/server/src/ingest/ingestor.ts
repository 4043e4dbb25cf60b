/**
 * Ingest of raw request bodies: decode into the model and encode into the engine's write form on the receiving
 * thread, then wait in the group commit until the batch is durable.
 */
import type { BatchEncoder, BatchWriter, EncodedBatch } from '../storage/contract.js';
import { decodeIngest, retentionWarning, type IngestRequest, type IngestResult, type Ingestor } from './decode.js';
import { IngestPipeline, type WriteFailure } from './pipeline.js';
import type { IngestMeter } from './ingest-meter.js';

export interface IngestOptions {
  /** Spans and log records that may wait for a commit before requests are turned away (retryably). */
  maxQueuedItems: number;
  /** Commits in flight at once (the engine's `concurrentWrites`). */
  concurrentWrites: number;
  /** The store's retention age (null: forever), to warn about spans that are already older. */
  retentionNano: bigint | null;
  /** Counts the bytes of committed requests per service and minute (the cost view). */
  meter?: IngestMeter;
}

export class BatchIngestor<B extends EncodedBatch> implements Ingestor {
  private readonly pipeline: IngestPipeline<B>;

  constructor(
    private readonly encoder: BatchEncoder<B>,
    writer: BatchWriter<B>,
    private readonly opts: IngestOptions,
  ) {
    this.pipeline = new IngestPipeline(writer, opts.maxQueuedItems, opts.concurrentWrites);
  }

  async ingest(req: IngestRequest): Promise<IngestResult> {
    const { spans, logs, result } = decodeIngest(req);
    await this.pipeline.submit(spans.length > 0 ? this.encoder.encode(spans) : null, logs);
    this.opts.meter?.record(spans, req.body.length);
    const warning = retentionWarning(spans, this.opts.retentionNano, BigInt(Date.now()) * 1_000_000n);
    return { accepted: result.items.length, rejected: result.rejected, errors: result.errors, warning };
  }

  /** Set while the store fails to commit what ingest gives it (a full disk...), until a commit succeeds. */
  get writeFailure(): WriteFailure | null {
    return this.pipeline.writeFailure;
  }

  /** Resolves when everything accepted so far is committed (or failed). */
  flush(): Promise<void> {
    return this.pipeline.flush();
  }
}
