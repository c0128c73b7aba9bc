// How the store sink lives through a serving-store outage: a failing write is retried with
// jittered backoff for up to SINK_RETRY_BUDGET while the batch keeps its credit, so
// backpressure holds the sources back and nothing after the last checkpoint is committed.
//
// The operator hears of it: a warning when writes start failing, another every `repeatMs` while
// they go on (with how long so far and how much budget is left), and an info line when a write
// succeeds again. Each statement's own retries are short (a few hundred ms, see
// CassandraSettings.writeAttempts), so an outage surfaces here within a second instead of being
// absorbed silently by a minute of statement retries.

import type { Logger } from '../../runtime/actor.js';
import { backoffDelay, type BackoffOptions } from '../../runtime/backoff.js';
import type { Clock } from '../../runtime/clock.js';
import { ActorError, errorMessage } from '../../runtime/errors.js';

export const WRITE_BACKOFF: BackoffOptions = { minMs: 200, maxMs: 5_000, jitter: 0.2 };

/** Retried: errors the store classified as retriable (a server down, a timeout, overload). */
export const isRetriableStoreError = (e: unknown): boolean => e instanceof ActorError && e.retriable;

/** The state of the store as one sink instance sees it, and the log lines that go with it. */
export class OutageLog {
  private since: number | null = null;
  private lastWarning = 0;
  private failures = 0;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly budgetMs: number,
    private readonly repeatMs = 10_000,
  ) {}

  get inOutage(): boolean {
    return this.since !== null;
  }

  /** A write failed and will be retried after `retryInMs`; `startedMs` is when this batch's first attempt began. */
  failed(e: unknown, startedMs: number, retryInMs: number): void {
    const now = this.clock.monotonic();
    this.failures++;
    const left = Math.max(0, Math.round((this.budgetMs - (now - startedMs)) / 1000));
    if (this.since === null) {
      this.since = now;
      this.lastWarning = now;
      this.log.warn('serving store unavailable: retrying the write with backoff, the sources are held back meanwhile', { error: errorMessage(e), retryInMs, budgetLeftS: left });
    } else if (now - this.lastWarning >= this.repeatMs) {
      this.lastWarning = now;
      this.log.warn('serving store still unavailable', { error: errorMessage(e), forS: Math.round((now - this.since) / 1000), failedWrites: this.failures, budgetLeftS: left });
    }
  }

  /** A write succeeded: ends an outage, if one was going on. */
  succeeded(): void {
    if (this.since === null) return;
    this.log.info('serving store available again: writes resumed', { afterS: Math.round((this.clock.monotonic() - this.since) / 1000), failedWrites: this.failures });
    this.since = null;
    this.failures = 0;
  }
}

/**
 * Run `write` until it succeeds. A retriable failure is retried after a jittered backoff until
 * `budgetMs` has passed since the first attempt; then, or on any other error, the error is
 * thrown (the supervisor fails the pipeline over to its last checkpoint). Upserts are
 * idempotent, so writing a batch again is harmless.
 */
export async function writeUntil(write: () => Promise<void>, o: { budgetMs: number; clock: Clock; outage: OutageLog; onError?: (e: unknown) => void; backoff?: BackoffOptions }): Promise<void> {
  const started = o.clock.monotonic();
  for (let attempt = 0; ; attempt++) {
    try {
      await write();
      o.outage.succeeded();
      return;
    } catch (e) {
      o.onError?.(e);
      if (!isRetriableStoreError(e) || o.clock.monotonic() - started > o.budgetMs) throw e;
      const delay = backoffDelay(attempt, o.backoff ?? WRITE_BACKOFF);
      o.outage.failed(e, started, delay);
      await new Promise<void>((r) => o.clock.setTimer(delay, r));
    }
  }
}
