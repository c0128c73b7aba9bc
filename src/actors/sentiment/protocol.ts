// sentiment: accepts ParsedTweets; emits one TweetRow per (tweet, symbol) on `out`, keyed by
// symbol (a tweet naming no symbol becomes one row under topic NONE). With `analytics`, also the
// rows that name a symbol on `tagged` (for the join) and their slim TweetScores on `scores` (for
// the windows).
import type { ParsedTweet } from '../../domain/records.js';

export type SentimentMessage = ParsedTweet;

export interface SentimentOptions {
  pipeline: string;
  /** Texts are sent to the pool in batches of at least this many (or after lingerMs). */
  minBatch: number;
  maxBatch: number;
  lingerMs: number;
  /** Pool tasks this instance keeps in flight; results are emitted in input order. */
  maxInFlight: number;
  /** Emit the `tagged` and `scores` outputs too. */
  analytics: boolean;
}
