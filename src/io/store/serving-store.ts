// The serving store: the seed's `tweets` and `market_data` views, per symbol, newest first.
// Embedded: LMDB on local disk. Stack: Cassandra keyspace `twitter` (issue 4).
//
// Keys are (symbol, event time descending, record id): the seed clusters tweets by
// ingest_timestamp, but a replay re-ingests at a new time and would duplicate rows; event time
// plus record id makes every upsert idempotent. ingest_timestamp is kept as a column.

import type { PriceRow, TweetRow } from '../../domain/records.js';

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

export interface ServingStore {
  /** Resolves when the rows are committed (visible to readers, durable). */
  upsertTweets(rows: readonly TweetRow[]): Promise<void>;
  upsertPrices(rows: readonly PriceRow[]): Promise<void>;
  latestTweets(symbol: string, opts?: { limit?: number; sinceMs?: number }): Promise<StoredTweet[]>;
  latestPrices(symbol: string, opts?: { limit?: number; sinceMs?: number }): Promise<StoredPrice[]>;
  /**
   * Bound the store: for each symbol remove rows with event time before `cutoffMs` and rows
   * beyond the newest `maxPerSymbol` (0 = no cap). Returns the number of rows removed.
   */
  expire(symbols: Iterable<string>, cutoffMs: number, maxPerSymbol: number): Promise<number>;
  close(): Promise<void>;
}
