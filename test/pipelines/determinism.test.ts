// Same input, same answer: the embedded pipeline run on the same records with different thread
// counts, batch sizes, linger, watermark interval and checkpoint interval — and once stopped
// mid-run and resumed — writes identical rows to every lake table (bronze, silver, gold, late
// events, dead letters). `ingest_timestamp` (processing time: when the source read a record) is
// the one column left out. Then a finished run started again rewrites nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startSpeedLayer } from '../../src/pipelines/speed.js';
import { duckdb, metricSum } from '../helpers/duckdb.js';
import { quietLogger } from '../helpers/runtime.js';

const DATA = {
  EVENTS: '40000', PARTITIONS: '4', RATE: '0', EVENT_RATE: '20', SEED: '7', GENERATOR_EPOCH: '2025-12-18T14:00:00Z',
  LATE_FRACTION: '0.02', OUT_OF_ORDER_FRACTION: '0.1', MALFORMED_FRACTION: '0.01', PRICES_PER_TWEET: '0.5',
  SYMBOLS: 'AAPL,TSLA,MSFT,NVDA,AMZN', ALERT_SENTIMENT_BELOW: '-0.05', ALERT_PRICE_DROP: '0.001', METRICS_PORT: '0', SERVE: 'off',
};

/** Every lake table: its files, whether a Hive partition column is in the path, whether it has ingest_timestamp. */
const LAKE_TABLES: [string, string, boolean, boolean][] = [
  ['tweets_v2', 'twitter-bronze/tweets_v2/*/*.parquet', true, true],
  ['stock_prices', 'twitter-bronze/stock_prices/*/*.parquet', true, true],
  ['dead_letters', 'twitter-bronze/dead_letters/*/*.parquet', true, true],
  ['tweet_prices', 'twitter-silver/tweet_prices/*/*.parquet', true, false],
  ['late_events', 'twitter-silver/late_events/*.parquet', false, true],
  ['sentiment_windows_5m', 'twitter-gold/sentiment_windows_5m/*/*.parquet', true, false],
  ['alerts', 'twitter-gold/alerts/*.parquet', false, false],
];

async function runToEnd(dataDir: string, env: Record<string, string>, stopAfterCheckpoints = 0): Promise<string> {
  const cfg = loadConfig({}, { ...DATA, DATA_DIR: dataDir, ...env });
  const run = await startSpeedLayer(cfg, quietLogger());
  if (stopAfterCheckpoints > 0) {
    const poll = setInterval(() => {
      if (run.supervisor.lastCheckpoint >= stopAfterCheckpoints) {
        clearInterval(poll);
        void run.stop();
      }
    }, 5);
    await run.done.finally(() => clearInterval(poll));
  } else await run.done;
  return run.supervisor.metricsText();
}

/** The lake's files with size and modification time: what a rerun must leave alone. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!p.includes('.scratch')) out.push(`${p.slice(dir.length)} ${statSync(p).size} ${statSync(p).mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

test('same records, different threads, batches, timing and a stop and resume: identical lake tables', { timeout: 300_000 }, async () => {
  const a = mkdtempSync(join(tmpdir(), 'cashtag-det-a-'));
  const b = mkdtempSync(join(tmpdir(), 'cashtag-det-b-'));
  const c = mkdtempSync(join(tmpdir(), 'cashtag-det-c-'));
  const metricsA = await runToEnd(a, { ACTOR_THREADS: '2', SCORE_THREADS: '2', BATCH_SIZE: '512', LINGER_MS: '20', WATERMARK_INTERVAL: '200', CHECKPOINT_INTERVAL: '1' });
  await runToEnd(b, { ACTOR_THREADS: '1', SCORE_THREADS: '1', BATCH_SIZE: '37', LINGER_MS: '1', WATERMARK_INTERVAL: '0', CHECKPOINT_INTERVAL: '0.3' });
  // Stopped (drained) after its second checkpoint, then resumed to the end.
  await runToEnd(c, { ACTOR_THREADS: '2', BATCH_SIZE: '128', CHECKPOINT_INTERVAL: '0.5' }, 2);
  await runToEnd(c, { ACTOR_THREADS: '2', BATCH_SIZE: '128', CHECKPOINT_INTERVAL: '0.5' });
  assert.ok(metricSum(metricsA, 'cashtag_late_records_total') > 100, 'the input has late records');

  const db = await duckdb();
  try {
    for (const [name, glob, hive, processingTime] of LAKE_TABLES) {
      const columns = processingTime ? '* EXCLUDE (ingest_timestamp)' : '*';
      const view = (dir: string, v: string) => db.all(`CREATE VIEW ${v} AS SELECT ${columns} FROM read_parquet('${join(dir, 'lake', glob)}', hive_partitioning = ${hive})`);
      await view(a, `${name}_a`);
      await view(b, `${name}_b`);
      await view(c, `${name}_c`);
      const [{ n }] = await db.all(`SELECT count(*) AS n FROM ${name}_a`);
      assert.ok((n as number) > 0, `${name}: no rows`);
      for (const other of ['b', 'c']) {
        const [{ d }] = await db.all(`SELECT (SELECT count(*) FROM (SELECT * FROM ${name}_a EXCEPT ALL SELECT * FROM ${name}_${other})) + (SELECT count(*) FROM (SELECT * FROM ${name}_${other} EXCEPT ALL SELECT * FROM ${name}_a)) AS d`);
        assert.equal(d, 0, `${name}: ${String(d)} rows differ between run a and run ${other} (a has ${String(n)})`);
      }
    }
  } finally {
    db.close();
  }

  // A finished run started again resumes after its last record: it rewrites nothing.
  const before = listing(join(a, 'lake'));
  await runToEnd(a, { CHECKPOINT_INTERVAL: '1' });
  assert.deepEqual(listing(join(a, 'lake')), before, 'a rerun of a finished run changed the lake');
});
