// The serving store: the seed's `tweets` and `market_data` views, per symbol, newest first.
// Embedded: LMDB on local disk. Stack: Cassandra keyspace `twitter` (issue 4).
//
// Keys are (symbol, event time descending, record id): the seed clusters tweets by
// ingest_timestamp, but a replay re-ingests at a new time and would duplicate rows; event time
// plus record id makes every upsert idempotent. ingest_timestamp is kept as a column.

import type { AlertRow, PriceRow, TweetRow, WindowRow } from '../../domain/records.js';

export interface StoredTweet {
  id: string;
  topic: string;
  created_at: number;
  ingest_timestamp: number;
  text: string;
  user_id: string;
  sentiment_score: number;
}

export interface StoredPrice {
  id: string;
  symbol: string;
  trade_timestamp: number;
  ingest_timestamp: number;
  open_price: number;
  close_price: number;
  volume: number;
}

/** Which of a symbol's rows a read returns: the newest `limit`, event time from `sinceMs` (inclusive) to `untilMs` (exclusive). */
export interface TimeRange {
  limit?: number;
  sinceMs?: number;
  untilMs?: number;
}

export interface ServingStore {
  /** Resolves when the rows are committed (visible to readers, durable). */
  upsertTweets(rows: readonly TweetRow[]): Promise<void>;
  upsertPrices(rows: readonly PriceRow[]): Promise<void>;
  /** A symbol's rows, newest first: at most `limit` (default 50), event time in [sinceMs, untilMs). */
  latestTweets(symbol: string, opts?: TimeRange): Promise<StoredTweet[]>;
  latestPrices(symbol: string, opts?: TimeRange): Promise<StoredPrice[]>;
  /**
   * Bound the store in time: for each symbol remove rows with event time before `cutoffMs`
   * (-Infinity: none). Returns the number of rows removed. (A row cap, where a store has one, is
   * kept by its writes: see LmdbServingStore.)
   */
  expire(symbols: Iterable<string>, cutoffMs: number): Promise<number>;
  /**
   * Resolves once every write acknowledged so far is on stable storage, power loss included (as
   * far as the store can: Cassandra acknowledges by its commit-log mode, see `durabilityRisk`).
   * The store sink awaits it at each barrier, before the checkpoint can record the offsets.
   */
  flushed(): Promise<void>;
  /** Why rows the store acknowledged could still be lost on a crash (e.g. Cassandra's commit-log mode), or null. */
  durabilityRisk?(): Promise<string | null>;
  close(): Promise<void>;
}

export interface StoredWindow {
  symbol: string;
  window_start: number;
  window_end: number;
  tweet_count: number;
  mean_sentiment: number | null;
  min_sentiment: number | null;
  max_sentiment: number | null;
  positive_count: number;
  negative_count: number;
  tick_count: number;
  open_price: number | null;
  close_price: number | null;
  high_price: number | null;
  low_price: number | null;
  volume: number;
  vwap: number | null;
}

export interface StoredAlert {
  symbol: string;
  window_start: number;
  window_end: number;
  mean_sentiment: number;
  tweet_count: number;
  open_price: number;
  close_price: number;
  price_change: number;
}

/**
 * The analytics views the dashboard reads: 5-minute windows per symbol and alerts. Upserts are
 * idempotent (keyed by symbol and window end). Reads are bounded: one symbol's time range, or
 * alerts since a time, always with a limit.
 */
export interface AnalyticsViews {
  upsertWindows(rows: readonly WindowRow[]): Promise<void>;
  upsertAlerts(rows: readonly AlertRow[]): Promise<void>;
  /** Windows of a symbol with window_end in [fromMs, toMs), oldest first. */
  windows(symbol: string, opts: { fromMs: number; toMs: number; limit?: number }): Promise<StoredWindow[]>;
  /** The newest window of a symbol, or null. */
  latestWindow(symbol: string): Promise<StoredWindow | null>;
  /** Alerts with window_end >= sinceMs, newest first. */
  alerts(opts: { sinceMs: number; limit?: number }): Promise<StoredAlert[]>;
  /** Symbols the store has seen (tweets, ticks or windows), sorted. */
  symbols(): Promise<string[]>;
}

export const windowToStored = (w: WindowRow): StoredWindow => ({
  symbol: w.symbol, window_start: w.windowStart, window_end: w.windowEnd, tweet_count: w.tweetCount, mean_sentiment: w.meanSentiment, min_sentiment: w.minSentiment, max_sentiment: w.maxSentiment,
  positive_count: w.positiveCount, negative_count: w.negativeCount, tick_count: w.tickCount, open_price: w.open, close_price: w.close, high_price: w.high, low_price: w.low, volume: w.volume, vwap: w.vwap,
});

export const alertToStored = (a: AlertRow): StoredAlert => ({
  symbol: a.symbol, window_start: a.windowStart, window_end: a.windowEnd, mean_sentiment: a.meanSentiment, tweet_count: a.tweetCount, open_price: a.open, close_price: a.close, price_change: a.change,
});

export const hasAnalyticsViews = (s: ServingStore): s is ServingStore & AnalyticsViews => 'upsertWindows' in s;
