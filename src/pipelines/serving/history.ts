// Historical queries over the batch layer's gold reports (src/pipelines/batch.ts).
//
// A report is read the way batch-publish.ts lays it out: one file per symbol under a fixed key
// (`<report>/topic=SYM/part-00000.snappy.parquet`), read with one GET. The publisher replaces that
// object atomically, so a query sees one whole version of the symbol's file, never a mixture;
// the version it reports is the one in the file's metadata. Only when the file is missing is the
// table listed, to tell "no report yet" from "no such symbol". Rows are streamed from
// that file with a parquetjs cursor (one row group decoded at a time) and filtered by time;
// both reports are written in time order, so the scan stops at the end of the range or at the
// limit. The Lake interface returns whole objects, so one symbol's file is held in memory while
// it is read (never a whole report).
import { ParquetReader } from '@dsnp/parquetjs';
import type { Lake } from '../../io/lake/lake.js';
import { GOLD_BUCKET, type ReportName } from '../../io/parquet/gold-schemas.js';
import { fileVersion, listReport, reportKey } from '../batch-publish.js';

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
      const file = await lake.read(GOLD_BUCKET, reportKey(REPORT_OF[report], symbol));
      if (file === null) {
        const published = await listReport(lake, REPORT_OF[report]);
        return { found: false, why: published.length === 0 ? 'no-report' : 'no-symbol', version: null };
      }
      const version = fileVersion(file) ?? 'unknown';
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
      return { found: true, version, rows, truncated };
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
