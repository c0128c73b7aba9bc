// join: accepts scored tweet rows and price rows, keyed by symbol. Emits JoinedRow on `out` and
// LateRow on `late`.
import type { PriceRow, TweetRow } from '../../domain/records.js';

export type JoinMessage = TweetRow | PriceRow;

export interface JoinOptions {
  pipeline: string;
  /** Longest a tweet looks back for a tick. */
  lookbackMs: number;
}
