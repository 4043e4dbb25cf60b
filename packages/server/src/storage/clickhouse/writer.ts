/**
 * Inserts into ClickHouse: one INSERT per table per batch (ClickHouse wants thousands of rows per insert, and
 * every insert makes a part), retried with exponential backoff while the server is unreachable or busy. A batch
 * that cannot be stored within the retry budget fails with StorageUnavailableError, which receivers answer with
 * 503 + Retry-After (gRPC UNAVAILABLE): the sender keeps the data and sends it again.
 */
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import { StorageUnavailableError } from '../contract.js';

/**
 * Server error codes worth retrying: the server is overloaded, restarting, read-only for a while (replication),
 * or the connection broke mid-request. Anything else (a schema mismatch, bad data) will fail again.
 */
const RETRYABLE_CODES = new Set(['3', '159', '164', '202', '203', '209', '210', '241', '242', '252', '319', '394', '425', '999']);

export function isRetryable(err: unknown): boolean {
  if (err instanceof ClickHouseError) return RETRYABLE_CODES.has(err.code);
  return true;
}

export interface RetryPolicy {
  /** Give up (and answer 503) after this long. */
  budgetMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/**
 * Short enough that a sender hears 503 before its own timeout (OTLP exporters default to 10 s) and retries the
 * request itself, which keeps the data in the sender rather than in this stateless process.
 */
export const DEFAULT_RETRY: RetryPolicy = { budgetMs: 3_000, firstDelayMs: 100, maxDelayMs: 1_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function withRetries<T>(policy: RetryPolicy, what: string, run: (attempt: number) => Promise<T>): Promise<T> {
  const started = Date.now();
  let delay = policy.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (err) {
      const elapsed = Date.now() - started;
      if (!isRetryable(err)) throw err;
      if (elapsed + delay > policy.budgetMs) {
        throw new StorageUnavailableError(`ClickHouse did not take ${what} after ${attempt} attempts: ${(err as Error).message}; retry later`);
      }
      // Full jitter keeps many ingest processes from retrying in lockstep.
      await sleep(delay / 2 + Math.random() * (delay / 2));
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}

/**
 * Runs `insert` (an INSERT ... FORMAT statement) with `body` as its data. The same deduplication token on every
 * attempt lets a replicated table drop a block whose first attempt did land before the connection failed.
 */
export async function insertRows(client: ClickHouseClient, insert: string, body: string, policy: RetryPolicy, token: string = randomUUID()): Promise<void> {
  if (body === '') return;
  const table = /^INSERT INTO (\S+)/.exec(insert)?.[1] ?? 'a table';
  await withRetries(policy, `an insert into ${table}`, async () => {
    const res = await client.exec({
      query: insert,
      values: Readable.from([body]),
      clickhouse_settings: { insert_deduplication_token: token, async_insert: 0 },
    });
    res.stream.resume();
    await new Promise<void>((resolve, reject) => {
      res.stream.once('end', resolve);
      res.stream.once('close', resolve);
      res.stream.once('error', reject);
    });
  });
}
