// join: accepts input partition p's scored tweet rows (forward: with a lake, a restore reads the
// pending ones back from partition p's bronze files) and every price row (broadcast: each
// instance holds all ticks). Emits JoinedRow on `out` and LateRow on `late`.
import type { TweetPriceJoin } from '../../domain/join.js';
import { actorRef } from '../../runtime/actor.js';
import type { JoinedRow, LateRow, PriceRow, TweetRow } from '../../domain/records.js';
import type { LakeSettings } from '../../io/lake/open.js';
import type { PendingSnapshot } from './pending-from-bronze.js';

export type JoinMessage = TweetRow | PriceRow;

export interface JoinOptions {
  pipeline: string;
  /** Longest a tweet looks back for a tick. */
  lookbackMs: number;
  /**
   * The lake whose bronze tweets hold this instance's pending tweets after a restore (they are
   * not in its snapshot). Without it, pending tweets are snapshot whole.
   */
  lake?: LakeSettings;
}

/** Snapshot. */
export interface JoinState {
  /** The whole join state, when there is no lake to read pending tweets back from. */
  join?: ReturnType<TweetPriceJoin['snapshot']>;
  /** With a lake: the ticks, and where in bronze the pending tweets are (pending-from-bronze.ts). */
  ticks?: ReturnType<TweetPriceJoin['tickState']>;
  pending?: PendingSnapshot | null;
  seq: { out: number; late: number };
  watermark: number | null;
}

/** What the actor emits, by output. */
export type JoinOutputs = { out: JoinedRow; late: LateRow };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const joinActor = actorRef<JoinOptions, JoinMessage, JoinOutputs>(new URL('./actor.js', import.meta.url).href);
