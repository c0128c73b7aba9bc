// join: accepts scored tweet rows (any partitioning: each is joined on its own) and every price
// row (broadcast: each instance holds all ticks). Emits JoinedRow on `out` and LateRow on `late`.
import type { PriceRow, TweetRow } from '../../domain/records.js';
import type { LakeSettings } from '../../io/lake/open.js';

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
