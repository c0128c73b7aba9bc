// The receiving half: one FIFO per instance holding envelopes from all its input links, bounded
// by the credits those links hold. Inputs blocked by barrier alignment are stashed in order and
// replayed first when released.

import type { Envelope } from './protocol.js';

export interface Mail {
  link: string;
  env: Envelope;
}

export class Mailbox {
  private readonly queue: Mail[] = [];
  private stash: Mail[] = [];
  private waiter: (() => void) | null = null;

  put(mail: Mail): void {
    this.queue.push(mail);
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  get depth(): number {
    return this.queue.length + this.stash.length;
  }

  /** Next mail whose input is not blocked; waits when there is none. */
  async take(isBlocked: (link: string) => boolean): Promise<Mail> {
    for (;;) {
      const fromStash = this.stash.findIndex((m) => !isBlocked(m.link));
      if (fromStash >= 0) return this.stash.splice(fromStash, 1)[0];
      while (this.queue.length > 0) {
        const m = this.queue.shift()!;
        if (!isBlocked(m.link)) return m;
        this.stash.push(m);
      }
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  /** Wake a pending take() so it re-evaluates blocked inputs. */
  nudge(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
