// A lease on a lake: one holder at a time across processes and machines, built on nothing but
// `Lake.create` (create-if-absent). Every acquisition creates the next entry of a log,
// `_leases/<name>/<epoch>.json`; the newest entry is the lease: who holds it and until when.
// A contender takes the lease by creating the next epoch, which only one contender can do, and
// nobody overwrites another's entry: taking over an expired lease is the same step as taking a
// free one, with no window where two holders both believe they won.
//
// Holding is a promise about time. The holder renews its entry (every third of the TTL while it
// works, `hold`) and asks `holds()` before each step it must not take without the lease; it
// treats the lease as lost a quarter TTL before it expires, so a contender (who waits for the
// expiry itself) never overlaps it as long as the machines' clocks agree within that margin. A
// holder that dies leaves its entry to expire: the next holder waits at most one TTL.

import { randomUUID } from 'node:crypto';
import type { Clock } from '../../runtime/clock.js';
import type { Lake } from './lake.js';

export interface LeaseEntry {
  /** Who holds it, for people: `host:pid (what)`. */
  owner: string;
  /** Tells this holder's entries from another's with the same owner text. */
  token: string;
  /** Wall time (epoch ms) the lease lapses unless renewed. */
  expiresAt: number;
  released: boolean;
}

export type Acquired = { held: true } | { held: false; holder: LeaseEntry };

export interface LeaseOptions {
  owner: string;
  ttlMs: number;
  clock: Clock;
}

/** Entries kept behind the newest (older ones are deleted by the holder). */
const KEEP = 8;
const WIDTH = 12;

export class LakeLease {
  private readonly token = randomUUID();
  private epoch = 0;
  private entry: LeaseEntry | null = null;

  constructor(
    private readonly lake: Lake,
    private readonly bucket: string,
    private readonly name: string,
    private readonly o: LeaseOptions,
  ) {}

  private get prefix(): string {
    return `_leases/${this.name}/`;
  }

  private key(epoch: number): string {
    return `${this.prefix}${String(epoch).padStart(WIDTH, '0')}.json`;
  }

  private async read(epoch: number): Promise<LeaseEntry | null> {
    const bytes = await this.lake.read(this.bucket, this.key(epoch));
    return bytes === null ? null : (JSON.parse(bytes.toString('utf8')) as LeaseEntry);
  }

  private write(epoch: number, entry: LeaseEntry): Promise<void> {
    return this.lake.put(this.bucket, this.key(epoch), Buffer.from(JSON.stringify(entry)));
  }

  /** Epochs of the log, oldest first. */
  private async epochs(): Promise<number[]> {
    const objects = await this.lake.list(this.bucket, this.prefix);
    return objects.map((o) => Number(o.key.slice(this.prefix.length, this.prefix.length + WIDTH))).filter(Number.isInteger).sort((a, b) => a - b);
  }

  /** Take the lease if it is free, expired or released; else say who holds it. */
  async acquire(): Promise<Acquired> {
    const epochs = await this.epochs();
    const newest = epochs.at(-1) ?? 0;
    const current = newest > 0 ? await this.read(newest) : null;
    const now = this.o.clock.now();
    if (current && !current.released && current.expiresAt > now && current.token !== this.token) return { held: false, holder: current };
    const mine: LeaseEntry = { owner: this.o.owner, token: this.token, expiresAt: now + this.o.ttlMs, released: false };
    const next = newest + 1;
    if (!(await this.lake.create(this.bucket, this.key(next), Buffer.from(JSON.stringify(mine))))) {
      // A create refused because a retried attempt of this very call had made it reads back as ours.
      const holder = await this.read(next);
      if (holder?.token !== this.token) return { held: false, holder: holder ?? { owner: 'unknown (its entry vanished)', token: '', expiresAt: now + this.o.ttlMs, released: false } };
    }
    this.epoch = next;
    this.entry = mine;
    const old = epochs.filter((e) => e <= next - KEEP);
    if (old.length > 0) await this.lake.delete(this.bucket, old.map((e) => this.key(e)));
    return { held: true };
  }

  /** Whether this holder may still act: it holds the lease and is not within the margin of its expiry. */
  holds(): boolean {
    return this.entry !== null && this.o.clock.now() < this.entry.expiresAt - this.o.ttlMs / 4;
  }

  /** Extend the lease by a TTL from now; false (and no longer held) when it was lost. */
  async renew(): Promise<boolean> {
    if (!this.holds() || (await this.epochs()).at(-1) !== this.epoch) {
      this.entry = null;
      return false;
    }
    const entry = { ...this.entry!, expiresAt: this.o.clock.now() + this.o.ttlMs };
    await this.write(this.epoch, entry);
    this.entry = entry;
    return true;
  }

  /** Give the lease up now (a contender need not wait for the expiry). */
  async release(): Promise<void> {
    const entry = this.entry;
    this.entry = null;
    if (entry && (await this.epochs()).at(-1) === this.epoch) await this.write(this.epoch, { ...entry, released: true });
  }

  /**
   * Run `work` while holding the lease, renewing it every third of the TTL, and release it after.
   * A lease that cannot be renewed lapses: `holds()` turns false, and `work` should stop.
   */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    let cancel = (): void => undefined;
    let stopped = false;
    const schedule = () => {
      cancel = this.o.clock.setTimer(this.o.ttlMs / 3, () => {
        // Lost: stop renewing. A failed call (the store away): try again while it still holds.
        void this.renew().then(
          (ok) => ok && !stopped && schedule(),
          () => this.holds() && !stopped && schedule(),
        );
      });
    };
    schedule();
    try {
      return await work();
    } finally {
      stopped = true;
      cancel();
      await this.release().catch(() => undefined);
    }
  }
}
