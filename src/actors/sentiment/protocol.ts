// sentiment: accepts ParsedTweets; emits one TweetRow per (tweet, symbol) on `out`, keyed by
// symbol (a tweet naming no symbol becomes one row under topic NONE). With `analytics`, also a
// slim TweetScore per row that names a symbol on `scores` (for the windows).
import { actorRef } from '../../runtime/actor.js';
import type { ParsedTweet, TweetRow, TweetScore } from '../../domain/records.js';

/**
 * The engines a pool thread can score with (engines.ts builds them). Named here, apart from the
 * engines, so that the configuration can check SENTIMENT_ENGINE without loading them.
 */
export const SENTIMENT_ENGINES = ['vader', 'vader-sentiment'] as const;
export type SentimentEngineName = (typeof SENTIMENT_ENGINES)[number];

export type SentimentMessage = ParsedTweet;

export interface SentimentOptions {
  pipeline: string;
  /** Texts are sent to the pool in batches of at least this many (or after lingerMs). */
  minBatch: number;
  maxBatch: number;
  lingerMs: number;
  /** Pool tasks this instance keeps in flight; results are emitted in input order. */
  maxInFlight: number;
  /** Emit the `scores` output too. */
  analytics: boolean;
}

/** What the actor emits, by output. */
export type SentimentOutputs = { out: TweetRow; scores: TweetScore };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const sentimentActor = actorRef<SentimentOptions, SentimentMessage, SentimentOutputs>(new URL('./actor.js', import.meta.url).href);
