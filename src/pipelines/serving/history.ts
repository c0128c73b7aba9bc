// Historical queries over the batch layer's gold reports (src/pipelines/batch.ts).
//
// A report is read the way batch-publish.ts publishes it: resolve `<report>/_current.json`, then
// read only the file the manifest lists for the symbol's partition (`.../topic=SYM/...`). So a
// query never lists a bucket, and never sees a mixture of two versions. Rows are streamed from
// that file with a parquetjs cursor (one row group decoded at a time) and filtered by time;
// both reports are written in time order, so the scan stops at the end of the range or at the
// limit. The Lake interface returns whole objects, so one symbol's file is held in memory while
// it is read (never a whole report).
import { ParquetReader } from '@dsnp/parquetjs';
import type { Lake } from '../../io/lake/lake.js';
import { GOLD_BUCKET, type ReportName } from '../../io/parquet/gold-schemas.js';
import { resolveReport } from '../batch-publish.js';

export type HistoryReport = 'stats' | 'trend';
const REPORT_OF: Record<HistoryReport, ReportName> = { stats: 'statistics', trend: 'trend' };

export interface StatsRow {
  hour: number;
  count: number;
  mean_sentiment: number | null;
  stddev_sentiment: number | null;
  p50_sentiment: number | null;
  p95_sentiment: number | null;
  min_sentiment: number | null;
  max_sentiment: number | null;
  price_volatility: number | null;
}

export interface TrendRow {
  record_id: string;
  created_at: number;
  ingest_timestamp: number;
  sentiment_score: number;
  moving_avg_10: number;
}

export type HistoryResult =
  | { found: false; why: 'no-report' | 'no-symbol'; version: string | null }
  | { found: true; version: string; rows: (StatsRow | TrendRow)[]; truncated: boolean };

const STATS_COLUMNS = ['hour', 'count', 'mean_sentiment', 'stddev_sentiment', 'p50_sentiment', 'p95_sentiment', 'min_sentiment', 'max_sentiment', 'price_volatility'] as const;
const TREND_COLUMNS = ['record_id', 'created_at', 'ingest_timestamp', 'sentiment_score', 'moving_avg_10'] as const;

const num = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));
const numOrNull = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  const n = num(v);
  return Number.isNaN(n) ? null : n;
};

/** The gold reports as the API reads them. */
export interface GoldHistory {
  query(symbol: string, report: HistoryReport, range: { fromMs: number; toMs: number; limit: number }): Promise<HistoryResult>;
}

export function goldHistory(lake: Lake): GoldHistory {
  return {
    async query(symbol, report, { fromMs, toMs, limit }) {
      const manifest = await resolveReport(lake, REPORT_OF[report]);
      if (manifest === null) return { found: false, why: 'no-report', version: null };
      const key = manifest.files.find((k) => k.includes(`/topic=${symbol}/`));
      if (key === undefined) return { found: false, why: 'no-symbol', version: manifest.version };
      const file = await lake.read(GOLD_BUCKET, key);
      // A manifest naming a missing file is the publisher's broken promise, not bad input.
      if (file === null) throw new Error(`gold report ${manifest.report} version ${manifest.version} lists ${key}, which is missing`);
      const timeColumn = report === 'stats' ? 'hour' : 'created_at';
      const reader = await ParquetReader.openBuffer(file);
      const rows: (StatsRow | TrendRow)[] = [];
      let truncated = false;
      try {
        const cursor = reader.getCursor((report === 'stats' ? STATS_COLUMNS : TREND_COLUMNS).map((c) => [c]));
        for (let r = (await cursor.next()) as Record<string, unknown> | null; r !== null; r = (await cursor.next()) as Record<string, unknown> | null) {
          const t = num(r[timeColumn]);
          if (t < fromMs) continue;
          if (t >= toMs) break;
          if (rows.length === limit) {
            truncated = true;
            break;
          }
          rows.push(report === 'stats' ? statsRow(r) : trendRow(r));
        }
      } finally {
        await reader.close();
      }
      return { found: true, version: manifest.version, rows, truncated };
    },
  };
}

function statsRow(r: Record<string, unknown>): StatsRow {
  return {
    hour: num(r.hour),
    count: num(r.count),
    mean_sentiment: numOrNull(r.mean_sentiment),
    stddev_sentiment: numOrNull(r.stddev_sentiment),
    p50_sentiment: numOrNull(r.p50_sentiment),
    p95_sentiment: numOrNull(r.p95_sentiment),
    min_sentiment: numOrNull(r.min_sentiment),
    max_sentiment: numOrNull(r.max_sentiment),
    price_volatility: numOrNull(r.price_volatility),
  };
}

function trendRow(r: Record<string, unknown>): TrendRow {
  return { record_id: String(r.record_id), created_at: num(r.created_at), ingest_timestamp: num(r.ingest_timestamp), sentiment_score: num(r.sentiment_score), moving_avg_10: num(r.moving_avg_10) };
}
