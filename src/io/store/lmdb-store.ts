// Embedded serving store on LMDB (a real on-disk, memory-mapped B+tree with ACID transactions).
// Writers on several threads share one environment; LMDB serialises their commits.

import { open, type Database, type RootDatabase } from 'lmdb';
import type { PriceRow, TweetRow } from '../../domain/records.js';
import type { ServingStore, StoredPrice, StoredTweet } from './serving-store.js';

type Key = [string, number, string];

const compareKeys = (a: Key, b: Key): number => a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);

export class LmdbServingStore implements ServingStore {
  private readonly root: RootDatabase;
  private readonly tweets: Database<StoredTweet, Key>;
  private readonly prices: Database<StoredPrice, Key>;

  constructor(path: string) {
    // A large map from the start: LMDB never has to remap (and map twice) as the file grows.
    this.root = open({ path, maxDbs: 8, compression: false, mapSize: 2 ** 33 });
    this.tweets = this.root.openDB<StoredTweet, Key>({ name: 'tweets' });
    this.prices = this.root.openDB<StoredPrice, Key>({ name: 'market_data' });
  }

  async upsertTweets(rows: readonly TweetRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.root.transaction(() => {
      for (const r of rows) {
        void this.tweets.put([r.topic, -r.createdAt, r.id], { id: r.id, topic: r.topic, created_at: r.createdAt, ingest_timestamp: r.ingestTs, text: r.text, user_id: r.userId, sentiment_score: r.sentimentScore });
      }
    });
  }

  async upsertPrices(rows: readonly PriceRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.root.transaction(() => {
      for (const r of rows) {
        void this.prices.put([r.symbol, -r.tradeTs, r.id], { id: r.id, symbol: r.symbol, trade_timestamp: r.tradeTs, ingest_timestamp: r.ingestTs, open_price: r.openPrice, close_price: r.closePrice, volume: r.volume });
      }
    });
  }

  latestTweets(symbol: string, opts: { limit?: number; sinceMs?: number } = {}): Promise<StoredTweet[]> {
    return Promise.resolve(this.range(this.tweets, symbol, opts));
  }

  latestPrices(symbol: string, opts: { limit?: number; sinceMs?: number } = {}): Promise<StoredPrice[]> {
    return Promise.resolve(this.range(this.prices, symbol, opts));
  }

  private range<V>(db: Database<V, Key>, symbol: string, opts: { limit?: number; sinceMs?: number }): V[] {
    const end: Key = opts.sinceMs === undefined ? [symbol, Number.MAX_VALUE, ''] : [symbol, -opts.sinceMs, '\uffff'];
    const out: V[] = [];
    for (const { value } of db.getRange({ start: [symbol, -Number.MAX_VALUE, ''], end, limit: opts.limit ?? 50 })) out.push(value);
    return out;
  }

  async expire(symbols: Iterable<string>, cutoffMs: number, maxPerSymbol: number): Promise<number> {
    let removed = 0;
    await this.root.transaction(() => {
      for (const symbol of symbols) {
        for (const db of [this.tweets, this.prices] as Database<unknown, Key>[]) {
          // Keys run newest first, so "older than the cutoff" and "beyond the newest N" are both
          // suffixes of the symbol's range: delete from whichever starts first to the end.
          let from: Key = [symbol, -cutoffMs, '\uffff']; // rows at exactly the cutoff stay
          if (maxPerSymbol > 0) {
            for (const key of db.getKeys({ start: [symbol, -Number.MAX_VALUE, ''], end: [symbol, Number.MAX_VALUE, ''], offset: maxPerSymbol, limit: 1 })) {
              if (compareKeys(key, from) < 0) from = key;
            }
          }
          for (const key of db.getKeys({ start: from, end: [symbol, Number.MAX_VALUE, ''] })) {
            void db.remove(key);
            removed++;
          }
        }
      }
    });
    return removed;
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
