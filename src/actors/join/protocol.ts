// join: accepts input partition p's scored tweet rows (forward: with a lake, a restore reads the
// pending ones back from partition p's bronze files) and every price row (broadcast: each
// instance holds all ticks). Emits JoinedRow on `out` and LateRow on `late`.
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
