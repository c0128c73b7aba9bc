// How the store sink lives through a serving-store outage: a failing write is retried with
// jittered backoff for up to SINK_RETRY_BUDGET while the batch keeps its credit, so
// backpressure holds the sources back and nothing after the last checkpoint is committed.
//
// The operator hears of it (runtime/outage.ts): a warning when writes start failing, another
// every 10 s while they go on (how long so far, how much budget is left), and an info line when
// a write succeeds again. Each statement's own retries are short (a few hundred ms, see
// CassandraSettings.writeAttempts), so an outage surfaces here within a second instead of being
// absorbed silently by a minute of statement retries.

import { retry, type BackoffOptions } from '../../runtime/backoff.js';
import type { Clock } from '../../runtime/clock.js';
import { ActorError } from '../../runtime/errors.js';
import { OutageLog } from '../../runtime/outage.js';

export { OutageLog } from '../../runtime/outage.js';

export const WRITE_BACKOFF: BackoffOptions = { minMs: 200, maxMs: 5_000, jitter: 0.2 };

/** Retried: errors the store classified as retriable (a server down, a timeout, overload). */
export const isRetriableStoreError = (e: unknown): boolean => e instanceof ActorError && e.retriable;

/**
 * Run `write` until it succeeds. A retriable failure is retried after a jittered backoff
 * (runtime/backoff.ts) until `budgetMs` has passed since the first attempt; then, or on any other
 * error, the error is thrown as is (the supervisor fails the pipeline over to its last
 * checkpoint). Upserts are idempotent, so writing a batch again is harmless.
 */
export async function writeUntil(write: () => Promise<void>, o: { budgetMs: number; clock: Clock; outage: OutageLog; onError?: (e: unknown) => void; backoff?: BackoffOptions }): Promise<void> {
  const started = o.clock.monotonic();
  await retry('serving store write', write, {
    attempts: 1,
    budgetMs: o.budgetMs,
    backoff: o.backoff ?? WRITE_BACKOFF,
    isRetriable: isRetriableStoreError,
    onError: (e) => o.onError?.(e),
    onRetry: (e, _attempt, delay) => o.outage.failed(e, delay, started),
    rethrow: 'original',
    clock: o.clock,
  });
  o.outage.succeeded();
}
