// What the operator hears while a server a sink writes to is down: a warning when calls start
// failing, another every `repeatMs` while they go on (how long so far, how much of the retry
// budget is left), and an info line when a call succeeds again. One per sink instance and server.

import type { Logger } from './actor.js';
import type { Clock } from './clock.js';
import { errorMessage } from './errors.js';

export class OutageLog {
  private since: number | null = null;
  private lastWarning = 0;
  private failures = 0;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly budgetMs: number,
    /** What is down, as the operator knows it: "serving store", "S3 lake". */
    private readonly server = 'serving store',
    private readonly repeatMs = 10_000,
  ) {}

  get inOutage(): boolean {
    return this.since !== null;
  }

  /**
   * A call failed and will be retried after `retryInMs`; `startedMs` (clock.monotonic) is when the
   * retried call's first attempt began, for the budget left (default: when the outage began).
   */
  failed(e: unknown, retryInMs: number, startedMs?: number): void {
    const now = this.clock.monotonic();
    this.failures++;
    const left = Math.max(0, Math.round((this.budgetMs - (now - (startedMs ?? this.since ?? now))) / 1000));
    if (this.since === null) {
      this.since = now;
      this.lastWarning = now;
      this.log.warn(`${this.server} unavailable: retrying with backoff, the sources are held back meanwhile`, { error: errorMessage(e), retryInMs, budgetLeftS: left });
    } else if (now - this.lastWarning >= this.repeatMs) {
      this.lastWarning = now;
      this.log.warn(`${this.server} still unavailable`, { error: errorMessage(e), forS: Math.round((now - this.since) / 1000), failedCalls: this.failures, budgetLeftS: left });
    }
  }

  /** A call succeeded: ends an outage, if one was going on. */
  succeeded(): void {
    if (this.since === null) return;
    this.log.info(`${this.server} available again`, { afterS: Math.round((this.clock.monotonic() - this.since) / 1000), failedCalls: this.failures });
    this.since = null;
    this.failures = 0;
  }
}
