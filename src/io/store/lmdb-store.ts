// Embedded serving store on LMDB (a real on-disk, memory-mapped B+tree with ACID transactions).
// Writers on several threads share one environment; LMDB serialises their commits.

import { open, type Database, type RootDatabase } from 'lmdb';
import { servingId, type AlertRow, type PriceRow, type TweetRow, type WindowRow } from '../../domain/records.js';
import { errorMessage } from '../../runtime/errors.js';
import { rowRejected } from './row-rejection.js';
import { alertToStored, windowToStored, type AnalyticsViews, type ServingStore, type StoredAlert, type StoredPrice, type StoredTweet, type StoredWindow } from './serving-store.js';

type Key = [string, number, string];

/** LMDB's messages for a key it will not store (lmdb-js write.js): over the size limit, empty. */
const KEY_REFUSED = /maximum key size|Invalid key|zero length key/;

/**
 * A write transaction whose failure is classified: a key LMDB refuses (over its 1,978-byte
 * limit) is a row rejection, so the store sink dead-letters that row instead of retrying the
 * batch forever (the whole transaction is aborted: the sink then writes the rows one by one).
 */
async function writeRows(root: RootDatabase, table: string, write: () => void): Promise<void> {
  try {
    await root.transaction(write);
  } catch (e) {
    if (KEY_REFUSED.test(errorMessage(e))) throw rowRejected(`LMDB refused a ${table} row: ${errorMessage(e)}`, e);
    throw e;
  }
}

/**
 * A time as a key part that sorts newest first. Not `-t`: for t = 0 (1970-01-01T00:00:00Z) that
 * is -0, which the key encoding stores outside every range (the row could never be read).
 */
const desc = (t: number): number => 0 - t;

const compareKeys = (a: Key, b: Key): number => a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);

export class LmdbServingStore implements ServingStore, AnalyticsViews {
  private readonly root: RootDatabase;
  private readonly tweets: Database<StoredTweet, Key>;
  private readonly prices: Database<StoredPrice, Key>;
  private readonly windowsDb: Database<StoredWindow, [string, number]>;
  private readonly alertsDb: Database<StoredAlert, [number, string]>;
  private readonly symbolsDb: Database<number, string>;

  constructor(path: string) {
    // A large map from the start: LMDB never has to remap (and map twice) as the file grows.
    this.root = open({ path, maxDbs: 8, compression: false, mapSize: 2 ** 33 });
    this.tweets = this.root.openDB<StoredTweet, Key>({ name: 'tweets' });
    this.prices = this.root.openDB<StoredPrice, Key>({ name: 'market_data' });
    this.windowsDb = this.root.openDB<StoredWindow, [string, number]>({ name: 'sentiment_windows' });
    this.alertsDb = this.root.openDB<StoredAlert, [number, string]>({ name: 'alerts' });
    this.symbolsDb = this.root.openDB<number, string>({ name: 'symbols' });
  }

  async upsertTweets(rows: readonly TweetRow[]): Promise<void> {
    if (rows.length === 0) return;
    await writeRows(this.root, 'tweets', () => {
      this.noteSymbols(rows.map((r) => r.topic));
      for (const r of rows) {
        const id = servingId(r.id);
        void this.tweets.put([r.topic, desc(r.createdAt), id], { id, topic: r.topic, created_at: r.createdAt, ingest_timestamp: r.ingestTs, text: r.text, user_id: r.userId, sentiment_score: r.sentimentScore });
      }
    });
  }

  async upsertPrices(rows: readonly PriceRow[]): Promise<void> {
    if (rows.length === 0) return;
    await writeRows(this.root, 'market_data', () => {
      this.noteSymbols(rows.map((r) => r.symbol));
      for (const r of rows) {
        const id = servingId(r.id);
        void this.prices.put([r.symbol, desc(r.tradeTs), id], { id, symbol: r.symbol, trade_timestamp: r.tradeTs, ingest_timestamp: r.ingestTs, open_price: r.openPrice, close_price: r.closePrice, volume: r.volume });
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
    const end: Key = opts.sinceMs === undefined ? [symbol, Number.MAX_VALUE, ''] : [symbol, desc(opts.sinceMs), '\uffff'];
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
          let from: Key = [symbol, desc(cutoffMs), '\uffff']; // rows at exactly the cutoff stay
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
        // Windows ending before the cutoff go too (they are in the gold lake for history).
        if (Number.isFinite(cutoffMs)) {
          for (const key of this.windowsDb.getKeys({ start: [symbol, -Number.MAX_VALUE], end: [symbol, cutoffMs] })) {
            void this.windowsDb.remove(key);
            removed++;
          }
        }
      }
      if (Number.isFinite(cutoffMs)) {
        for (const key of this.alertsDb.getKeys({ start: [-Number.MAX_VALUE, ''], end: [cutoffMs, ''] })) {
          void this.alertsDb.remove(key);
          removed++;
        }
      }
    });
    return removed;
  }

  private noteSymbols(symbols: string[]): void {
    for (const sym of new Set(symbols)) if (this.symbolsDb.get(sym) === undefined) void this.symbolsDb.put(sym, 1);
  }

  async upsertWindows(rows: readonly WindowRow[]): Promise<void> {
    if (rows.length === 0) return;
    await writeRows(this.root, 'sentiment_windows', () => {
      this.noteSymbols(rows.map((r) => r.symbol));
      for (const r of rows) void this.windowsDb.put([r.symbol, r.windowEnd], windowToStored(r));
    });
  }

  async upsertAlerts(rows: readonly AlertRow[]): Promise<void> {
    if (rows.length === 0) return;
    await writeRows(this.root, 'alerts', () => {
      for (const r of rows) void this.alertsDb.put([r.windowEnd, r.symbol], alertToStored(r));
    });
  }

  windows(symbol: string, opts: { fromMs: number; toMs: number; limit?: number }): Promise<StoredWindow[]> {
    const out: StoredWindow[] = [];
    for (const { value } of this.windowsDb.getRange({ start: [symbol, opts.fromMs], end: [symbol, opts.toMs], limit: opts.limit ?? 1_000 })) out.push(value);
    return Promise.resolve(out);
  }

  latestWindow(symbol: string): Promise<StoredWindow | null> {
    for (const { value } of this.windowsDb.getRange({ start: [symbol, Number.MAX_VALUE], end: [symbol, -Number.MAX_VALUE], reverse: true, limit: 1 })) return Promise.resolve(value);
    return Promise.resolve(null);
  }

  alerts(opts: { sinceMs: number; limit?: number }): Promise<StoredAlert[]> {
    const out: StoredAlert[] = [];
    for (const { value } of this.alertsDb.getRange({ start: [Number.MAX_VALUE, ''], end: [opts.sinceMs, ''], reverse: true, limit: opts.limit ?? 100 })) out.push(value);
    return Promise.resolve(out);
  }

  symbols(): Promise<string[]> {
    return Promise.resolve([...this.symbolsDb.getKeys()].sort());
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
