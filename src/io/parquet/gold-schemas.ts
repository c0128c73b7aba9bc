// Column layouts of the batch layer's gold reports (twitter-gold/batch_*). Null is NaN in number
// columns. Timestamps are epoch ms, written as Parquet TIMESTAMP_MILLIS (UTC). The Hive
// partition column (topic=SYM) lives in the path, as in bronze, not in the file.

import type { Utf8Column } from './gold-parquet-read.js';
import type { Column } from './parquet-write.js';

export const GOLD_BUCKET = 'twitter-gold';
/** Where the batch layer reads its input from. */
export { BRONZE_BUCKET } from './bronze-schemas.js';
export const REPORTS = {
  statistics: 'batch_topic_statistics',
  pivot: 'batch_sentiment_pivot',
  trend: 'batch_trend_analysis',
} as const;
export type ReportName = keyof typeof REPORTS;

/** Per symbol and event-time hour (created_at truncated to the hour, UTC). */
export interface TopicStatistics {
  hour: Float64Array;
  count: Float64Array;
  mean: Float64Array;
  stddev: Float64Array;
  p50: Float64Array;
  p95: Float64Array;
  min: Float64Array;
  max: Float64Array;
  volatility: Float64Array;
}

/** Every tweet of a symbol in event-time order (ties by record id). */
export interface Trend {
  recordId: Utf8Column;
  createdAt: Float64Array;
  ingestTs: Float64Array;
  score: Float64Array;
  movingAvg10: Float64Array;
}

export const statisticsColumns = (s: TopicStatistics): Column[] => [
  { name: 'hour', type: 'timestamp_millis', values: s.hour },
  { name: 'count', type: 'int64', values: s.count },
  { name: 'mean_sentiment', type: 'double', optional: true, values: s.mean },
  { name: 'stddev_sentiment', type: 'double', optional: true, values: s.stddev },
  { name: 'p50_sentiment', type: 'double', optional: true, values: s.p50 },
  { name: 'p95_sentiment', type: 'double', optional: true, values: s.p95 },
  { name: 'min_sentiment', type: 'double', optional: true, values: s.min },
  { name: 'max_sentiment', type: 'double', optional: true, values: s.max },
  { name: 'price_volatility', type: 'double', optional: true, values: s.volatility },
];

export const trendColumns = (t: Trend): Column[] => [
  { name: 'record_id', type: 'utf8', values: t.recordId },
  { name: 'created_at', type: 'timestamp_millis', values: t.createdAt },
  { name: 'ingest_timestamp', type: 'timestamp_millis', values: t.ingestTs },
  { name: 'sentiment_score', type: 'double', values: t.score },
  { name: 'moving_avg_10', type: 'double', values: t.movingAvg10 },
];

/** One row per hour, one column per symbol (its mean sentiment, null where it had none). */
export const pivotColumns = (hours: Float64Array, bySymbol: Map<string, Float64Array>): Column[] => [
  { name: 'hour', type: 'timestamp_millis', values: hours },
  ...[...bySymbol].map(([symbol, means]): Column => ({ name: symbol, type: 'double', optional: true, values: means })),
];
