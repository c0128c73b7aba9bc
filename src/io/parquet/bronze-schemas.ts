// Parquet schemas of the bronze tables and the mapping from pipeline rows. Timestamps are
// Parquet TIMESTAMP_MILLIS (UTC); the Hive partition column (topic=, symbol=) lives in the
// path, as Spark writes it, not in the file.

import { ParquetSchema } from '@dsnp/parquetjs';
import type { DeadLetter, PriceRow, TweetRow } from '../../domain/records.js';

const S = 'SNAPPY' as const;

export const tweetsSchema = new ParquetSchema({
  record_id: { type: 'UTF8', compression: S },
  created_at: { type: 'TIMESTAMP_MILLIS', compression: S },
  ingest_timestamp: { type: 'TIMESTAMP_MILLIS', compression: S },
  text: { type: 'UTF8', compression: S },
  user_id: { type: 'UTF8', compression: S },
  sentiment_score: { type: 'DOUBLE', compression: S },
  source_partition: { type: 'INT32', compression: S },
  source_offset: { type: 'INT64', compression: S },
});

export const pricesSchema = new ParquetSchema({
  record_id: { type: 'UTF8', compression: S },
  trade_timestamp: { type: 'TIMESTAMP_MILLIS', compression: S },
  ingest_timestamp: { type: 'TIMESTAMP_MILLIS', compression: S },
  open_price: { type: 'DOUBLE', compression: S },
  close_price: { type: 'DOUBLE', compression: S },
  volume: { type: 'INT64', compression: S },
  source_partition: { type: 'INT32', compression: S },
  source_offset: { type: 'INT64', compression: S },
});

export const deadLettersSchema = new ParquetSchema({
  source_partition: { type: 'INT32', compression: S },
  source_offset: { type: 'INT64', compression: S },
  ingest_timestamp: { type: 'TIMESTAMP_MILLIS', compression: S },
  reason: { type: 'UTF8', compression: S },
  detail: { type: 'UTF8', compression: S },
  raw: { type: 'BYTE_ARRAY', compression: S },
});

export const tweetToParquet = (r: TweetRow) => ({
  record_id: r.id,
  created_at: r.createdAt,
  ingest_timestamp: r.ingestTs,
  text: r.text,
  user_id: r.userId,
  sentiment_score: r.sentimentScore,
  source_partition: r.partition,
  source_offset: r.offset,
});

export const priceToParquet = (r: PriceRow) => ({
  record_id: r.id,
  trade_timestamp: r.tradeTs,
  ingest_timestamp: r.ingestTs,
  open_price: r.openPrice,
  close_price: r.closePrice,
  volume: r.volume,
  source_partition: r.partition,
  source_offset: r.offset,
});

export const deadLetterToParquet = (r: DeadLetter) => ({
  source_partition: r.partition,
  source_offset: r.offset,
  ingest_timestamp: r.ingestTs,
  reason: r.reason,
  detail: r.detail,
  raw: Buffer.from(r.raw, 'utf8'),
});
