// Parquet layout of the derived tables (silver and gold), each with its bucket, directory,
// Hive partition column (none for flat tables) and row mapping. The lake sink writes any of them.
import { ParquetSchema } from '@dsnp/parquetjs';
import type { AlertRow, JoinedRow, LateRow, WindowRow } from '../../domain/records.js';

const S = 'SNAPPY' as const;
const ts = { type: 'TIMESTAMP_MILLIS', compression: S } as const;
const optTs = { ...ts, optional: true } as const;
const dbl = { type: 'DOUBLE', compression: S } as const;
const optDbl = { ...dbl, optional: true } as const;
const i64 = { type: 'INT64', compression: S } as const;
const optI64 = { ...i64, optional: true } as const;
const utf8 = { type: 'UTF8', compression: S } as const;
const optUtf8 = { ...utf8, optional: true } as const;

export interface DerivedTable<R> {
  bucket: string;
  table: string;
  /** Hive partition column in the path, '' for none. */
  column: string;
  partitionValue(row: R): string;
  schema: ParquetSchema;
  toParquet(row: R): Record<string, unknown>;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export const windowsTable: DerivedTable<WindowRow> = {
  bucket: 'twitter-gold',
  table: 'sentiment_windows_5m',
  column: 'topic',
  partitionValue: (r) => r.symbol,
  schema: new ParquetSchema({
    window_start: ts, window_end: ts, tweet_count: i64, mean_sentiment: optDbl, min_sentiment: optDbl, max_sentiment: optDbl,
    positive_count: i64, negative_count: i64, tick_count: i64, open_price: optDbl, close_price: optDbl, high_price: optDbl, low_price: optDbl, volume: i64, vwap: optDbl,
  }),
  toParquet: (r) => ({
    window_start: r.windowStart, window_end: r.windowEnd, tweet_count: r.tweetCount, mean_sentiment: opt(r.meanSentiment), min_sentiment: opt(r.minSentiment), max_sentiment: opt(r.maxSentiment),
    positive_count: r.positiveCount, negative_count: r.negativeCount, tick_count: r.tickCount, open_price: opt(r.open), close_price: opt(r.close), high_price: opt(r.high), low_price: opt(r.low), volume: r.volume, vwap: opt(r.vwap),
  }),
};

export const joinedTable: DerivedTable<JoinedRow> = {
  bucket: 'twitter-silver',
  table: 'tweet_prices',
  column: 'topic',
  partitionValue: (r) => r.topic,
  schema: new ParquetSchema({
    record_id: utf8, created_at: ts, sentiment_score: dbl, text: utf8, price_record_id: optUtf8, trade_timestamp: optTs, open_price: optDbl, close_price: optDbl, volume: optI64,
  }),
  toParquet: (r) => ({
    record_id: r.id, created_at: r.createdAt, sentiment_score: r.sentimentScore, text: r.text, price_record_id: opt(r.priceId), trade_timestamp: opt(r.tradeTs), open_price: opt(r.openPrice), close_price: opt(r.closePrice), volume: opt(r.volume),
  }),
};

export const alertsTable: DerivedTable<AlertRow> = {
  bucket: 'twitter-gold',
  table: 'alerts',
  column: '',
  partitionValue: () => '',
  schema: new ParquetSchema({ topic: utf8, window_start: ts, window_end: ts, mean_sentiment: dbl, tweet_count: i64, open_price: dbl, close_price: dbl, price_change: dbl }),
  toParquet: (r) => ({ topic: r.symbol, window_start: r.windowStart, window_end: r.windowEnd, mean_sentiment: r.meanSentiment, tweet_count: r.tweetCount, open_price: r.open, close_price: r.close, price_change: r.change }),
};

export const lateTable: DerivedTable<LateRow> = {
  bucket: 'twitter-silver',
  table: 'late_events',
  column: '',
  partitionValue: () => '',
  schema: new ParquetSchema({ stage: utf8, record_kind: utf8, record_id: utf8, topic: utf8, event_time: ts, missed_watermark: ts, ingest_timestamp: ts }),
  toParquet: (r) => ({ stage: r.stage, record_kind: r.recordKind, record_id: r.id, topic: r.symbol, event_time: r.eventTime, missed_watermark: r.watermark, ingest_timestamp: r.ingestTs }),
};

export const DERIVED_TABLES = { windows: windowsTable, joined: joinedTable, alerts: alertsTable, late: lateTable } as const;
export type DerivedTableName = keyof typeof DERIVED_TABLES;
