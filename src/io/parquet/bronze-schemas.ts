// Parquet layout of the bronze tables and the mapping from pipeline rows. Timestamps are
// Parquet TIMESTAMP_MILLIS (UTC); the Hive partition column (topic=, symbol=) lives in the
// path, as Spark writes it, not in the file.

import type { DeadLetter, PriceRow, TweetRow } from '../../domain/records.js';
import { column as c, type LakeTable } from './lake-table.js';

export const BRONZE_BUCKET = 'twitter-bronze';

export const tweetsTable: LakeTable<TweetRow> = {
  bucket: BRONZE_BUCKET,
  table: 'tweets_v2',
  column: 'topic',
  partitionValue: (r) => r.topic,
  columns: [
    c('record_id', 'utf8'), c('created_at', 'timestamp_millis'), c('ingest_timestamp', 'timestamp_millis'), c('text', 'utf8'),
    c('user_id', 'utf8'), c('sentiment_score', 'double'), c('source_partition', 'int32'), c('source_offset', 'int64'),
  ],
  row: (r) => [r.id, r.createdAt, r.ingestTs, r.text, r.userId, r.sentimentScore, r.partition, r.offset],
};

export const pricesTable: LakeTable<PriceRow> = {
  bucket: BRONZE_BUCKET,
  table: 'stock_prices',
  column: 'symbol',
  partitionValue: (r) => r.symbol,
  columns: [
    c('record_id', 'utf8'), c('trade_timestamp', 'timestamp_millis'), c('ingest_timestamp', 'timestamp_millis'), c('open_price', 'double'),
    c('close_price', 'double'), c('volume', 'int64'), c('source_partition', 'int32'), c('source_offset', 'int64'),
  ],
  row: (r) => [r.id, r.tradeTs, r.ingestTs, r.openPrice, r.closePrice, r.volume, r.partition, r.offset],
};

/** Dead letters keep the raw bytes as they arrived, under `topic=<input topic>`. */
export const deadLettersTable: LakeTable<DeadLetter> = {
  bucket: BRONZE_BUCKET,
  table: 'dead_letters',
  column: 'topic',
  partitionValue: (r) => r.topic,
  columns: [
    c('source_partition', 'int32'), c('source_offset', 'int64'), c('ingest_timestamp', 'timestamp_millis'),
    c('reason', 'utf8'), c('detail', 'utf8'), c('raw', 'binary'),
  ],
  row: (r) => [r.partition, r.offset, r.ingestTs, r.reason, r.detail, r.raw],
};
