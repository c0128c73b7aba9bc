// `make bench-batch`: the batch layer's three gold reports over >= 1,000,000 bronze rows, timed
// next to DuckDB computing the same reports from the same files with plain SQL (COPY ... TO
// parquet, snappy). Both run in this process on the same threads budget (BENCH_THREADS,
// default all cores); medians of BENCH_ROUNDS (default 3) alternating rounds, printed with the
// machine's CPU count and load because the machine is shared.
//
// The bronze lake is generated once with the speed layer (`cashtag run --events 1000000
// --rate 0`) into BENCH_LAKE_DIR (default data/bench-lake, git-ignored) and reused afterwards.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runBatch } from '../src/pipelines/batch.js';
import type { Logger } from '../src/runtime/actor.js';
import { benchFlags } from './flags.js';
import { generateLakeOnce, projectRoot } from './lake.js';
import { median } from './stats.js';

benchFlags('make bench-batch: the batch layer\'s three gold reports over >= 1,000,000 bronze rows, timed next to DuckDB computing them from the same files with plain SQL; medians of alternating rounds.', {}, {
  BENCH_LAKE_DIR: 'where the bronze lake is generated once and reused (default data/bench-lake)',
  BENCH_EVENTS: 'tweets in that lake (default 1000000)',
  BENCH_ROUNDS: 'alternating rounds (default 3)',
  BENCH_THREADS: "threads for both (default the machine's cores)",
});
const dataDir = path.resolve(projectRoot, process.env.BENCH_LAKE_DIR ?? 'data/bench-lake');
const lakeRoot = path.join(dataDir, 'lake');
const bronze = path.join(lakeRoot, 'twitter-bronze');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THREADS = Number(process.env.BENCH_THREADS ?? os.availableParallelism());
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function duckdbConnection(): Promise<{ run(sql: string): Promise<Record<string, unknown>[]>; close(): void }> {
  const db = await DuckDBInstance.create(':memory:', { threads: String(THREADS) });
  const c = await db.connect();
  return {
    run: async (sql) => (await c.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[],
    close: () => {
      c.closeSync();
      db.closeSync();
    },
  };
}

/** The same three reports, in SQL, written as snappy Parquet under `out`. */
async function duckdbReports(out: string): Promise<void> {
  const db = await duckdbConnection();
  try {
    await db.run(`CREATE VIEW t AS SELECT topic, record_id, created_at, ingest_timestamp, sentiment_score, date_trunc('hour', created_at) AS hour
      FROM read_parquet('${bronze}/tweets_v2/*/*.parquet', hive_partitioning = true) WHERE topic <> 'NONE'`);
    await db.run(`CREATE VIEW p AS SELECT symbol AS topic, record_id, trade_timestamp, close_price, date_trunc('hour', trade_timestamp) AS hour
      FROM read_parquet('${bronze}/stock_prices/*/*.parquet', hive_partitioning = true)`);
    await db.run(`CREATE TEMP TABLE ts AS SELECT topic, hour, count(*) AS count, avg(sentiment_score) AS mean_sentiment,
      stddev_samp(sentiment_score) AS stddev_sentiment, quantile_cont(sentiment_score, 0.5) AS p50_sentiment,
      quantile_cont(sentiment_score, 0.95) AS p95_sentiment, min(sentiment_score) AS min_sentiment, max(sentiment_score) AS max_sentiment
      FROM t GROUP BY topic, hour`);
    await db.run(`COPY (
      WITH r AS (SELECT topic, hour, ln(close_price / lag(close_price) OVER (PARTITION BY topic, hour ORDER BY trade_timestamp, record_id)) AS ret FROM p),
           v AS (SELECT topic, hour, stddev_samp(ret) AS price_volatility FROM r GROUP BY topic, hour)
      SELECT topic, hour, coalesce(count, 0) AS count, mean_sentiment, stddev_sentiment, p50_sentiment, p95_sentiment, min_sentiment, max_sentiment, price_volatility
      FROM ts FULL OUTER JOIN v USING (topic, hour) ORDER BY topic, hour
    ) TO '${out}/batch_topic_statistics' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (topic))`);
    await db.run(`COPY (PIVOT (SELECT topic, hour, mean_sentiment FROM ts) ON topic USING first(mean_sentiment) GROUP BY hour ORDER BY hour)
      TO '${out}/batch_sentiment_pivot.parquet' (FORMAT parquet, COMPRESSION snappy)`);
    await db.run(`COPY (SELECT topic, record_id, created_at, ingest_timestamp, sentiment_score,
        avg(sentiment_score) OVER (PARTITION BY topic ORDER BY created_at, record_id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS moving_avg_10
      FROM t ORDER BY topic, created_at, record_id) TO '${out}/batch_trend_analysis' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (topic))`);
  } finally {
    db.close();
  }
}

/** Wall seconds, and CPU seconds of the whole process (every thread: DuckDB's and the pool's). */
async function timed(fn: () => Promise<unknown>, cpu: number[]): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1e6);
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  generateLakeOnce({ name: 'bronze', dataDir, ready: path.join(bronze, 'tweets_v2'), events: EVENTS });
  const db = await duckdbConnection();
  const [counts] = await db.run(`SELECT
      (SELECT count(*) FROM read_parquet('${bronze}/tweets_v2/*/*.parquet')) AS tweets,
      (SELECT count(*) FROM read_parquet('${bronze}/tweets_v2/topic=NONE/*.parquet')) AS untagged,
      (SELECT count(*) FROM read_parquet('${bronze}/stock_prices/*/*.parquet')) AS prices`);
  db.close();
  const [tweets, untagged, prices] = [counts.tweets, counts.untagged, counts.prices].map(Number);
  const fmt = (n: number) => n.toLocaleString('en-US');
  console.log(`batch benchmark: ${fmt(tweets + prices)} bronze rows in ${bronze}`);
  console.log(`  tweets_v2 ${fmt(tweets)} (of which topic=NONE ${fmt(untagged)}, excluded from the reports), stock_prices ${fmt(prices)}`);
  console.log(`  node ${process.version}; ${os.cpus().length} CPUs, ${THREADS} threads each; shared machine, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cashtag-bench-duckdb-'));
  const ours: number[] = [];
  const theirs: number[] = [];
  const oursCpu: number[] = [];
  const theirsCpu: number[] = [];
  const cashtag = () => runBatch({ lake: { kind: 'local', root: lakeRoot }, threads: THREADS, log: quiet, progress: () => undefined });
  const duck = async () => {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    await duckdbReports(scratch);
  };
  try {
    // Warm-up of both (page cache, JIT), then alternating rounds, alternating which goes first.
    await cashtag();
    await duck();
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) {
        ours.push(await timed(cashtag, oursCpu));
        theirs.push(await timed(duck, theirsCpu));
      } else {
        theirs.push(await timed(duck, theirsCpu));
        ours.push(await timed(cashtag, oursCpu));
      }
      console.log(`  round ${r + 1}: cashtag ${ours.at(-1)!.toFixed(2)} s (cpu ${oursCpu.at(-1)!.toFixed(2)} s), duckdb ${theirs.at(-1)!.toFixed(2)} s (cpu ${theirsCpu.at(-1)!.toFixed(2)} s); load ${os.loadavg()[0].toFixed(2)}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const [a, b] = [median(ours), median(theirs)];
  const ratio = a / b;
  const reportRows = tweets - untagged + prices;
  console.log(`median of ${ROUNDS} alternating rounds (three reports, read + compute + write):`);
  console.log(`  cashtag batch   ${a.toFixed(2).padStart(7)} s  (${fmt(Math.round(reportRows / a))} rows/s)`);
  console.log(`  duckdb SQL      ${b.toFixed(2).padStart(7)} s  (${fmt(Math.round(reportRows / b))} rows/s)`);
  console.log(`  ratio           ${ratio.toFixed(2).padStart(7)} x  (target <= 2) ${ratio <= 2 ? 'ok' : 'MISSED'}`);
  console.log(`  cpu time        cashtag ${median(oursCpu).toFixed(2)} s, duckdb ${median(theirsCpu).toFixed(2)} s: ${(median(oursCpu) / median(theirsCpu)).toFixed(2)} x (less sensitive to the machine's load than wall time)`);
  console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

await main();
