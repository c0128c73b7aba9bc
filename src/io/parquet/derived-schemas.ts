// Parquet layout of the derived tables (silver and gold): bucket, directory, Hive partition
// column (none for flat tables) and row mapping. The lake sink writes any of them.
import type { AlertRow, JoinedRow, LateRow, WindowRow } from '../../domain/records.js';
import { column as c, type LakeTable } from './lake-table.js';

const OPTIONAL = true;

export const windowsTable: LakeTable<WindowRow> = {
  bucket: 'twitter-gold',
  table: 'sentiment_windows_5m',
  column: 'topic',
  partitionValue: (r) => r.symbol,
  columns: [
    c('window_start', 'timestamp_millis'), c('window_end', 'timestamp_millis'), c('tweet_count', 'int64'),
    c('mean_sentiment', 'double', OPTIONAL), c('min_sentiment', 'double', OPTIONAL), c('max_sentiment', 'double', OPTIONAL),
    c('positive_count', 'int64'), c('negative_count', 'int64'), c('tick_count', 'int64'),
    c('open_price', 'double', OPTIONAL), c('close_price', 'double', OPTIONAL), c('high_price', 'double', OPTIONAL), c('low_price', 'double', OPTIONAL),
    c('volume', 'int64'), c('vwap', 'double', OPTIONAL),
  ],
  row: (r) => [
    r.windowStart, r.windowEnd, r.tweetCount, r.meanSentiment, r.minSentiment, r.maxSentiment,
    r.positiveCount, r.negativeCount, r.tickCount, r.open, r.close, r.high, r.low, r.volume, r.vwap,
  ],
};

export const joinedTable: LakeTable<JoinedRow> = {
  bucket: 'twitter-silver',
  table: 'tweet_prices',
  column: 'topic',
  partitionValue: (r) => r.topic,
  columns: [
    c('record_id', 'utf8'), c('created_at', 'timestamp_millis'), c('sentiment_score', 'double'), c('text', 'utf8'),
    c('price_record_id', 'utf8', OPTIONAL), c('trade_timestamp', 'timestamp_millis', OPTIONAL),
    c('open_price', 'double', OPTIONAL), c('close_price', 'double', OPTIONAL), c('volume', 'int64', OPTIONAL),
  ],
  row: (r) => [r.id, r.createdAt, r.sentimentScore, r.text, r.priceId, r.tradeTs, r.openPrice, r.closePrice, r.volume],
};

export const alertsTable: LakeTable<AlertRow> = {
  bucket: 'twitter-gold',
  table: 'alerts',
  column: '',
  partitionValue: () => '',
  columns: [
    c('topic', 'utf8'), c('window_start', 'timestamp_millis'), c('window_end', 'timestamp_millis'), c('mean_sentiment', 'double'),
    c('tweet_count', 'int64'), c('open_price', 'double'), c('close_price', 'double'), c('price_change', 'double'),
  ],
  row: (r) => [r.symbol, r.windowStart, r.windowEnd, r.meanSentiment, r.tweetCount, r.open, r.close, r.change],
};

export const lateTable: LakeTable<LateRow> = {
  bucket: 'twitter-silver',
  table: 'late_events',
  column: '',
  partitionValue: () => '',
  columns: [
    c('stage', 'utf8'), c('record_kind', 'utf8'), c('record_id', 'utf8'), c('topic', 'utf8'),
    c('event_time', 'timestamp_millis'), c('missed_watermark', 'timestamp_millis'), c('ingest_timestamp', 'timestamp_millis'),
  ],
  row: (r) => [r.stage, r.recordKind, r.id, r.symbol, r.eventTime, r.watermark, r.ingestTs],
};

export const DERIVED_TABLES = { windows: windowsTable, joined: joinedTable, alerts: alertsTable, late: lateTable } as const;
export type DerivedTableName = keyof typeof DERIVED_TABLES;
