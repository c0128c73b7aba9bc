// The analytics views (windows, alerts, symbols) on Cassandra: statements and row mapping. The
// store (cassandra-store.ts) runs them through its prepared, retried, bounded-concurrency calls.
// Every read names one partition (a symbol, a day of alerts, the symbols bucket) with a LIMIT.

import { types } from 'cassandra-driver';
import type { AlertRow, WindowRow } from '../../domain/records.js';
import { ALERTS_TABLE, keyspaceName, SYMBOLS_TABLE, WINDOWS_TABLE } from './cassandra-schema.js';
import type { StoredAlert, StoredWindow } from './serving-store.js';

const DAY_MS = 86_400_000;
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The UTC days from `sinceMs` to `untilMs`, newest first (at most `max`). */
export function daysBetween(sinceMs: number, untilMs: number, max = 31): string[] {
  const out: string[] = [];
  for (let t = Math.floor(untilMs / DAY_MS) * DAY_MS; t >= Math.floor(sinceMs / DAY_MS) * DAY_MS && out.length < max; t -= DAY_MS) out.push(dayOf(t));
  return out;
}

export function analyticsStatements(keyspace: string, ttl: string) {
  const ks = keyspaceName(keyspace);
  const cols = (t: typeof WINDOWS_TABLE) => Object.keys(t.columns);
  const insert = (t: typeof WINDOWS_TABLE) => `INSERT INTO ${ks}.${t.name} (${cols(t).join(', ')}) VALUES (${cols(t).map(() => '?').join(', ')})${ttl}`;
  return {
    insertWindow: insert(WINDOWS_TABLE),
    insertAlert: insert(ALERTS_TABLE),
    insertSymbol: `INSERT INTO ${ks}.${SYMBOLS_TABLE.name} (bucket, symbol) VALUES ('all', ?)`,
    windowsRange: `SELECT ${cols(WINDOWS_TABLE).join(', ')} FROM ${ks}.${WINDOWS_TABLE.name} WHERE symbol = ? AND window_end >= ? AND window_end < ? LIMIT ?`,
    latestWindow: `SELECT ${cols(WINDOWS_TABLE).join(', ')} FROM ${ks}.${WINDOWS_TABLE.name} WHERE symbol = ? LIMIT 1`,
    alertsOfDay: `SELECT ${cols(ALERTS_TABLE).join(', ')} FROM ${ks}.${ALERTS_TABLE.name} WHERE day = ? AND window_end >= ? LIMIT ?`,
    symbols: `SELECT symbol FROM ${ks}.${SYMBOLS_TABLE.name} WHERE bucket = 'all' LIMIT 10000`,
    expireWindows: `DELETE FROM ${ks}.${WINDOWS_TABLE.name} WHERE symbol = ? AND window_end < ?`,
  };
}

const long = (n: number) => types.Long.fromNumber(n);
const num = (v: unknown): number | null => (v === null || v === undefined ? null : v instanceof types.Long ? v.toNumber() : Number(v));
const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));

export const windowParams = (w: WindowRow): unknown[] => [
  w.symbol, new Date(w.windowEnd), new Date(w.windowStart), long(w.tweetCount), w.meanSentiment, w.minSentiment, w.maxSentiment,
  long(w.positiveCount), long(w.negativeCount), long(w.tickCount), w.open, w.close, w.high, w.low, long(w.volume), w.vwap,
];

export const alertParams = (a: AlertRow): unknown[] => [dayOf(a.windowEnd), new Date(a.windowEnd), a.symbol, new Date(a.windowStart), a.meanSentiment, long(a.tweetCount), a.open, a.close, a.change];

export function toStoredWindow(r: Record<string, unknown>): StoredWindow {
  return {
    symbol: String(r.symbol), window_start: ms(r.window_start), window_end: ms(r.window_end), tweet_count: num(r.tweet_count) ?? 0,
    mean_sentiment: num(r.mean_sentiment), min_sentiment: num(r.min_sentiment), max_sentiment: num(r.max_sentiment),
    positive_count: num(r.positive_count) ?? 0, negative_count: num(r.negative_count) ?? 0, tick_count: num(r.tick_count) ?? 0,
    open_price: num(r.open_price), close_price: num(r.close_price), high_price: num(r.high_price), low_price: num(r.low_price), volume: num(r.volume) ?? 0, vwap: num(r.vwap),
  };
}

export function toStoredAlert(r: Record<string, unknown>): StoredAlert {
  return {
    symbol: String(r.symbol), window_start: ms(r.window_start), window_end: ms(r.window_end), mean_sentiment: Number(r.mean_sentiment), tweet_count: num(r.tweet_count) ?? 0,
    open_price: Number(r.open_price), close_price: Number(r.close_price), price_change: Number(r.price_change),
  };
}
