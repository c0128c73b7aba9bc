// The batch layer as data, top to bottom:
//
//   snapshot bronze (list twitter-bronze/tweets_v2/topic=*, stock_prices/symbol=*)
//     ─► one task per lake partition (symbol) ─► batch actor pool (Piscina, worker threads)
//          each: bronze files ─► Arrow tables ─► statistics + trend files (staged in the run's state)
//     ─► pivot of every partition's hourly means (main thread, staged)
//     ─► publish: each file copied over its fixed key, atomically; vanished topics deleted
//        after (see batch-publish.ts)
//
// Reports (twitter-gold), one file per topic under a fixed name, as the seed lays them out:
// batch_topic_statistics/topic=SYM/part-00000.snappy.parquet, batch_sentiment_pivot/part-00000...,
// batch_trend_analysis/topic=SYM/part-00000.snappy.parquet. Topic NONE (tweets naming no symbol) is archived and counted
// in bronze but takes no part in per-symbol results, so it is left out of all three.
// Definitions (src/domain/stats.ts, actors/batch-worker/reports.ts): hours are event time
// truncated to the hour in UTC; standard deviations are sample ones (n − 1, null below 2
// values); percentiles interpolate linearly between closest ranks (DuckDB quantile_cont, numpy
// 'linear'); volatility is the sample standard deviation of ln(close_i / close_i−1) of one
// hour's ticks in (trade time, record id) order; an hour with ticks but no tweets is a
// statistics row with count 0, null sentiment columns and its volatility; the pivot has a row
// for each hour with tweets of any symbol.
//
// Runs the same against the local and the S3 lake: everything goes through the Lake interface.

import { createHash } from 'node:crypto';
import { Piscina } from 'piscina';
import type { PartitionDone, PartitionTask } from '../actors/batch-worker/protocol.js';
import { UNTAGGED_TOPIC } from '../domain/cashtags.js';
import { openLake, type LakeSettings } from '../io/lake/open.js';
import type { Lake } from '../io/lake/lake.js';
import { listLive } from '../io/parquet/file-names.js';
import { encodeParquet } from '../io/parquet/parquet-write.js';
import { BRONZE_BUCKET, GOLD_BUCKET, pivotColumns, type ReportName } from '../io/parquet/gold-schemas.js';
import type { Logger } from '../runtime/actor.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { poolModule } from '../runtime/task-pool.js';
import { completedTasks, publish, readPending, recordTask, reportMetadata, stagedKey, writePending, type PublishedReport } from './batch-publish.js';

export { listReport, reportKey, fileVersion } from './batch-publish.js';
const WORKER = new URL('../actors/batch-worker/worker.js', import.meta.url).href;

export interface BatchOptions {
  lake: LakeSettings;
  /** Batch actor threads. */
  threads: number;
  log: Logger;
  /** Progress lines (default: stderr). */
  progress?: (line: string) => void;
  clock?: Clock;
  /** For tests: behave as if killed once this many tasks have completed (nothing is published). */
  stopAfterTasks?: number;
  /** For tests: interpose on the main thread's lake (the snapshot, run state and publication). */
  wrapLake?: (lake: Lake) => Lake;
  /** Bucket names (default twitter-bronze, twitter-gold); tests on a shared S3 store use their own. */
  buckets?: Buckets;
}

export interface Buckets {
  bronze: string;
  gold: string;
}

export interface BatchSummary {
  runId: string;
  resumed: boolean;
  partitions: number;
  /** Tasks skipped because an interrupted attempt of this run had completed them. */
  skipped: number;
  tweetRows: number;
  priceRows: number;
  seconds: number;
  rowsPerSecond: number;
  /** What was published, per report; null when the run stopped early (stopAfterTasks). */
  published: Record<ReportName, PublishedReport> | null;
}

interface Snapshot {
  symbols: string[];
  tweets: Map<string, string[]>;
  prices: Map<string, string[]>;
  /** Input bytes per symbol. */
  bytes: Map<string, number>;
  untaggedFiles: number;
  hash: string;
}

/** The bronze files this run reads, by symbol, and a hash that identifies them. */
async function snapshot(lake: Lake, bronze: string): Promise<Snapshot> {
  const tweets = new Map<string, string[]>();
  const prices = new Map<string, string[]>();
  const bytes = new Map<string, number>();
  const hash = createHash('sha256');
  let untaggedFiles = 0;
  for (const [table, column, into] of [['tweets_v2', 'topic', tweets], ['stock_prices', 'symbol', prices]] as const) {
    // Live files only (a compaction's inputs, once merged, are superseded by its output), from a
    // listing no merge tore.
    for (const o of await listLive(lake, bronze, `${table}/`)) {
      const m = new RegExp(`^${table}/${column}=([^/]+)/[^/]+\\.parquet$`).exec(o.key);
      if (!m) continue;
      if (m[1] === UNTAGGED_TOPIC) {
        untaggedFiles++;
        continue;
      }
      into.set(m[1], [...(into.get(m[1]) ?? []), o.key]);
      bytes.set(m[1], (bytes.get(m[1]) ?? 0) + o.size);
      hash.update(`${o.key}\t${o.size}\n`);
    }
  }
  const symbols = [...new Set([...tweets.keys(), ...prices.keys()])].sort();
  return { symbols, tweets, prices, bytes, untaggedFiles, hash: hash.digest('hex') };
}

/** A new run's id, naming its state under _batch/runs/: its start time (to the millisecond) and input hash. */
const runIdAt = (ms: number, hash: string) => `${new Date(ms).toISOString().replace(/[-:]/g, '')}-${hash.slice(0, 12)}`;

/** The pivot: one row per hour with tweets, one column per symbol (mean sentiment, null where none). */
function pivot(done: PartitionDone[], symbols: string[], version: string): Promise<Buffer> {
  const hours = [...new Set(done.flatMap((d) => d.hours))].sort((a, b) => a - b);
  const row = new Map(hours.map((h, i) => [h, i]));
  const bySymbol = new Map<string, Float64Array>();
  for (const s of symbols) bySymbol.set(s, new Float64Array(hours.length).fill(NaN));
  for (const d of done) d.hours.forEach((h, i) => (bySymbol.get(d.symbol)![row.get(h)!] = d.means[i]));
  return encodeParquet(pivotColumns(Float64Array.from(hours), bySymbol), undefined, undefined, reportMetadata('pivot', version, 1));
}

export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  // Threads start (and load the worker module) while the main thread snapshots the lake.
  const pool = new Piscina({ ...poolModule(WORKER), minThreads: options.threads, maxThreads: options.threads, idleTimeout: 1_000 });
  try {
    return await run(options, pool);
  } finally {
    await pool.destroy();
  }
}

async function run(options: BatchOptions, pool: Piscina): Promise<BatchSummary> {
  const { log, clock = systemClock } = options;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const lake = (options.wrapLake ?? ((l: Lake) => l))(openLake(options.lake));
  const buckets = options.buckets ?? { bronze: BRONZE_BUCKET, gold: GOLD_BUCKET };
  const gold = buckets.gold;
  const started = clock.monotonic();

  const snap = await snapshot(lake, buckets.bronze);
  const pending = await readPending(lake, gold);
  const resumed = pending !== null && pending.inputHash === snap.hash;
  const runId = resumed ? pending.runId : runIdAt(clock.now(), snap.hash);
  if (!resumed) await writePending(lake, gold, { runId, inputHash: snap.hash });
  const earlier = resumed ? (await completedTasks(lake, gold, runId)).filter((d) => snap.symbols.includes(d.symbol)) : [];
  const skip = new Set(earlier.map((d) => d.symbol));
  log.info('batch run starting', { runId, resumed, partitions: snap.symbols.length, skipped: skip.size, untaggedFilesExcluded: snap.untaggedFiles, threads: options.threads, lake: lake.describe() });

  const tasks: PartitionTask[] = snap.symbols
    .filter((s) => !skip.has(s))
    .map((symbol) => ({
      kind: 'partition',
      lake: options.lake,
      buckets,
      symbol,
      tweetKeys: snap.tweets.get(symbol) ?? [],
      priceKeys: snap.prices.get(symbol) ?? [],
      out: { statistics: stagedKey(runId, 'statistics', symbol), trend: stagedKey(runId, 'trend', symbol) },
      // The version is the input's hash, not the run id: the same input gives the same bytes.
      metadata: { statistics: reportMetadata('statistics', snap.hash, snap.symbols.length), trend: reportMetadata('trend', snap.hash, snap.symbols.length) },
    }));

  const done: PartitionDone[] = [...earlier];
  let rows = 0;
  let stopped = false;
  // One lane per thread; the largest partitions first, so the last task to finish is a small one.
  const queue = [...tasks].sort((a, b) => (snap.bytes.get(b.symbol) ?? 0) - (snap.bytes.get(a.symbol) ?? 0));
  const lane = async (): Promise<void> => {
    for (let task = queue.shift(); task && !stopped; task = queue.shift()) {
      const result = (await pool.run(task)) as PartitionDone;
      await recordTask(lake, gold, runId, result);
      done.push(result);
      rows += result.tweetRows + result.priceRows;
      const seconds = (clock.monotonic() - started) / 1000;
      progress(`batch: ${done.length}/${snap.symbols.length} partitions (${result.symbol}: ${result.tweetRows} tweets, ${result.priceRows} ticks) ${Math.round(rows / Math.max(seconds, 1e-3)).toLocaleString('en-US')} rows/s`);
      log.info('partition done', { runId, symbol: result.symbol, tweetRows: result.tweetRows, priceRows: result.priceRows, ...result.timings });
      if (options.stopAfterTasks !== undefined && done.length - earlier.length >= options.stopAfterTasks) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.threads) }, lane));

  const summary = (published: BatchSummary['published']): BatchSummary => {
    const seconds = (clock.monotonic() - started) / 1000;
    const tweetRows = done.reduce((n, d) => n + d.tweetRows, 0);
    const priceRows = done.reduce((n, d) => n + d.priceRows, 0);
    return { runId, resumed, partitions: snap.symbols.length, skipped: skip.size, tweetRows, priceRows, seconds, rowsPerSecond: (tweetRows + priceRows) / Math.max(seconds, 1e-3), published };
  };
  if (stopped && done.length < snap.symbols.length) {
    log.warn('batch run stopped before publishing', { runId, done: done.length, partitions: snap.symbols.length });
    return summary(null);
  }

  await lake.put(gold, stagedKey(runId, 'pivot'), await pivot(done, snap.symbols, snap.hash));
  const publishing = clock.monotonic();
  const published = await publish(lake, gold, runId, snap.hash, snap.symbols);
  const publishSeconds = (clock.monotonic() - publishing) / 1000;
  const s = summary(published);
  progress(`batch: done ${s.partitions} partitions, ${s.tweetRows.toLocaleString('en-US')} tweet rows + ${s.priceRows.toLocaleString('en-US')} price rows in ${s.seconds.toFixed(2)} s (${Math.round(s.rowsPerSecond).toLocaleString('en-US')} rows/s${s.skipped ? `, ${s.skipped} resumed from an interrupted run` : ''}); published version ${snap.hash.slice(0, 12)} (run ${runId})`);
  log.info('batch run published', { runId, version: snap.hash, resumed, partitions: s.partitions, skipped: s.skipped, tweetRows: s.tweetRows, priceRows: s.priceRows, seconds: s.seconds, publishSeconds });
  return s;
}
