// The sending half of a link: a FIFO of envelopes that releases data only against credit
// (credit-based flow control, one credit = one batch). Control envelopes queue behind data, so
// they overtake nothing, but need no credit themselves.

import type { Envelope } from './protocol.js';

export interface OutLinkHooks {
  send(env: Envelope): void;
  onWait?(): void;
  onWaited?(ms: number): void;
  monotonic(): number;
}

export class OutLink {
  private credits: number;
  private readonly queue: { env: Envelope; resolve: () => void; queuedAt: number }[] = [];

  constructor(
    readonly id: string,
    initialCredits: number,
    private readonly hooks: OutLinkHooks,
  ) {
    this.credits = initialCredits;
  }

  /** Resolves once the envelope has been handed to the channel. */
  push(env: Envelope): Promise<void> {
    if (this.queue.length === 0 && (this.credits > 0 || !needsCredit(env))) {
      this.release(env);
      return Promise.resolve();
    }
    this.hooks.onWait?.();
    return new Promise((resolve) => {
      this.queue.push({ env, resolve, queuedAt: this.hooks.monotonic() });
    });
  }

  grant(n: number): void {
    this.credits += n;
    this.pump();
  }

  get available(): number {
    return this.credits;
  }

  get queued(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (needsCredit(head.env) && this.credits <= 0) return;
      this.queue.shift();
      this.hooks.onWaited?.(this.hooks.monotonic() - head.queuedAt);
      this.release(head.env);
      head.resolve();
    }
  }

  private release(env: Envelope): void {
    if (needsCredit(env)) this.credits--;
    this.hooks.send(env);
  }
}

const needsCredit = (env: Envelope): boolean => env.kind === 'data' || env.kind === 'local-data' || env.kind === 'shared';
