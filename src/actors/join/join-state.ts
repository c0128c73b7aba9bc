// A join instance's state and its snapshot: the join itself (ticks and pending tweets), the
// sequence numbers of its outputs, its watermark, and the offsets that find its pending tweets in
// bronze. With a lake the pending tweets are not in the snapshot (pending-from-bronze.ts says
// why): a restore leaves a range to read back (`recovery`) before anything else happens.

import { TweetPriceJoin } from '../../domain/join.js';
import { BronzeOffsets, type PendingRange } from './pending-from-bronze.js';
import type { JoinState } from './protocol.js';

export class JoinInstanceState {
  join: TweetPriceJoin;
  seq = { out: 0, late: 0 };
  watermark = Number.NEGATIVE_INFINITY;
  readonly offsets = new BronzeOffsets();
  /** Set by restore: pending tweets to read back from bronze before anything else happens. */
  recovery: PendingRange | null = null;

  constructor(
    private readonly lookbackMs: number,
    private readonly partition: number,
    /** Pending tweets are read back from bronze rather than snapshot. */
    private readonly bronze: boolean,
  ) {
    this.join = new TweetPriceJoin(lookbackMs);
  }

  snapshot(): JoinState {
    const common = { seq: { ...this.seq }, watermark: Number.isFinite(this.watermark) ? this.watermark : null };
    if (!this.bronze) return { join: this.join.snapshot(), ...common };
    return { ticks: this.join.tickState(), pending: this.offsets.snapshot(this.join.pendingFrom()), ...common };
  }

  restore(st: JoinState): void {
    this.join = new TweetPriceJoin(this.lookbackMs);
    this.seq = { ...st.seq };
    this.watermark = st.watermark ?? Number.NEGATIVE_INFINITY;
    if (st.join) this.join.restore(st.join);
    else this.join.restoreTicks(st.ticks ?? []);
    if (st.pending) {
      if (!this.bronze) throw new Error('join: this snapshot keeps its pending tweets in bronze, but the actor has no lake');
      this.recovery = this.offsets.restore(st.pending, this.partition, this.watermark);
    }
  }
}
