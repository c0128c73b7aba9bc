// Jittered exponential backoff and restart limits live here and nowhere else.
import { systemClock, type Clock } from './clock.js';

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** 0..1: the fraction of each delay that is randomised. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 100, maxMs: 10_000, jitter: 0.2 };

/** Delay before attempt `attempt` (0-based): min * 2^attempt capped at max, +-jitter. */
export function backoffDelay(attempt: number, o: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.minMs * 2 ** Math.min(attempt, 30));
  const spread = base * o.jitter;
  return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}

export interface RestartPolicy extends BackoffOptions {
  /** At most this many restarts within `withinMs`; one more escalates. */
  maxRestarts: number;
  withinMs: number;
}

export const DEFAULT_RESTART: RestartPolicy = { ...DEFAULT_BACKOFF, minMs: 50, maxMs: 5_000, maxRestarts: 3, withinMs: 60_000 };

/** Counts failures in a sliding window and says whether to restart (and after how long) or escalate. */
export class RestartTracker {
  private failures: number[] = [];

  constructor(private readonly policy: RestartPolicy) {}

  /** Record a failure at `nowMs`. Returns the delay before restarting, or null to escalate. */
  onFailure(nowMs: number, random?: () => number): number | null {
    this.failures = this.failures.filter((t) => nowMs - t < this.policy.withinMs);
    this.failures.push(nowMs);
    if (this.failures.length > this.policy.maxRestarts) return null;
    return backoffDelay(this.failures.length - 1, this.policy, random);
  }

  get recentFailures(): number {
    return this.failures.length;
  }
}

/**
 * Retry `fn` on errors that `isRetriable` accepts, with jittered backoff, until `attempts` run out
 * and, when `budgetMs` is given, that long has passed since the first attempt (an outage a
 * caller should ride out, e.g. a sink holding its sources back). The final error names `what`
 * (the server or resource) so the operator knows where to look, unless `rethrow: 'original'`
 * asks for the error as thrown (it carries its own classification, e.g. an ActorError).
 * Waits and the budget run on `clock` (the system clock unless a test injects a manual one).
 */
export async function retry<T>(
  what: string,
  fn: (attempt: number) => Promise<T>,
  opts: {
    attempts: number;
    budgetMs?: number;
    backoff?: BackoffOptions;
    isRetriable?: (e: unknown) => boolean;
    /** Every failure, the last one included. */
    onError?: (e: unknown, attempt: number) => void;
    /** A failure that will be retried after `delayMs`. */
    onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
    rethrow?: 'wrapped' | 'original';
    clock?: Clock;
    random?: () => number;
  },
): Promise<T> {
  const clock = opts.clock ?? systemClock;
  const started = clock.monotonic();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      opts.onError?.(e, attempt);
      const retriable = opts.isRetriable?.(e) ?? true;
      const spent = attempt + 1 >= opts.attempts && clock.monotonic() - started >= (opts.budgetMs ?? 0);
      if (!retriable || spent) {
        if (opts.rethrow === 'original') throw e;
        const msg = e instanceof Error ? e.message : String(e);
        const took = opts.budgetMs ? ` in ${((clock.monotonic() - started) / 1000).toFixed(1)} s` : '';
        throw new Error(`${what}: failed after ${attempt + 1} attempt(s)${took}: ${msg}`, { cause: e });
      }
      const delay = backoffDelay(attempt, opts.backoff, opts.random);
      opts.onRetry?.(e, attempt, delay);
      await new Promise<void>((r) => clock.setTimer(delay, r));
    }
  }
}
