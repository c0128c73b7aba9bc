// `cashtag sql`: every table of a real lake (a small embedded run and a batch run) is a view, the
// batch reports are read with a plain glob (with a warning when their files are not one whole
// version), and the output formats are parseable.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { formatTable } from '../../src/cli-sql.js';
import { loadConfig } from '../../src/config.js';
import { fileVersion, runBatch } from '../../src/pipelines/batch.js';
import { REPORTS, trendColumns } from '../../src/io/parquet/gold-schemas.js';
import { encodeParquet } from '../../src/io/parquet/parquet-write.js';
import { lakeSettings, startSpeedLayer } from '../../src/pipelines/speed.js';
import { duckdb } from '../helpers/duckdb.js';
import { quietLogger } from '../helpers/runtime.js';
import { cliCommand } from '../../bench/cli-command.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-sql-'));
const sql = (query: string, ...flags: string[]) => spawnSync(...cliCommand(['sql', '--data-dir', dataDir, ...flags, query]), { encoding: 'utf8', timeout: 60_000 });

before(async () => {
  const cfg = loadConfig({}, { DATA_DIR: dataDir, EVENTS: '6000', RATE: '0', EVENT_RATE: '20', SEED: '3', GENERATOR_EPOCH: '2026-01-05T14:00:00Z', PARTITIONS: '2', METRICS_PORT: '0' });
  const run = await startSpeedLayer(cfg, quietLogger());
  await run.done;
  await runBatch({ lake: lakeSettings(cfg), threads: 1, log: quietLogger() });
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('every table the pipeline wrote is a view with the rows its files hold', async () => {
  const r = sql('SHOW TABLES', '--format', 'csv');
  assert.equal(r.status, 0, r.stderr);
  const tables = r.stdout.trim().split('\n').slice(1);
  for (const t of ['tweets', 'stock_prices', 'dead_letters', 'tweet_prices', 'late_events', 'sentiment_windows_5m', 'batch_topic_statistics', 'batch_sentiment_pivot', 'batch_trend_analysis']) assert.ok(tables.includes(t), `${t} in ${tables.join(',')}`);
  const db = await duckdb();
  try {
    const lake = join(dataDir, 'lake');
    for (const [view, glob] of [['tweets', 'twitter-bronze/tweets_v2/*/*.parquet'], ['stock_prices', 'twitter-bronze/stock_prices/*/*.parquet'], ['sentiment_windows_5m', 'twitter-gold/sentiment_windows_5m/*/*.parquet'], ['late_events', 'twitter-silver/late_events/*.parquet']]) {
      const [{ n }] = await db.all(`SELECT count(*) AS n FROM read_parquet('${lake}/${glob}')`);
      const counted = sql(`SELECT count(*) AS n FROM ${view}`, '--format', 'json');
      assert.equal(counted.status, 0, counted.stderr);
      assert.deepEqual(JSON.parse(counted.stdout), { n: String(n) }, view);
    }
    // The Hive partition column comes from the paths: 8 default symbols and NONE.
    assert.deepEqual(JSON.parse(sql('SELECT count(DISTINCT topic) AS topics FROM tweets', '--format', 'json').stdout), { topics: '9' });
  } finally {
    db.close();
  }
});

test('a batch report view reads the current report with a plain glob', () => {
  const r = sql('SELECT * FROM no_such_table', '--format', 'csv');
  assert.notEqual(r.status, 0, 'a bad query fails with a message');
  assert.match(r.stderr, /^cashtag sql: /);
  const trend = sql('SELECT count(*) AS n, count(DISTINCT topic) AS topics FROM batch_trend_analysis', '--format', 'json');
  assert.equal(trend.status, 0, trend.stderr);
  const tweets = sql("SELECT count(*) AS n FROM tweets WHERE topic <> 'NONE'", '--format', 'json');
  // The trend report has one row per tagged tweet (its moving average), in the current version only.
  assert.equal(JSON.parse(trend.stdout).n, JSON.parse(tweets.stdout).n);
  assert.equal(trend.stderr, '', 'a whole version: no warning');
});

test('a batch report whose files are not one whole version is read with a warning', async () => {
  const gold = join(dataDir, 'lake', 'twitter-gold');
  const file = join(gold, REPORTS.trend, 'topic=AAPL', 'part-00000.snappy.parquet');
  const original = readFileSync(file);
  const other = (version: string, partitions: string) => encodeParquet(trendColumns({ recordId: { offsets: Int32Array.of(0, 1), data: Uint8Array.of(0x61) }, createdAt: Float64Array.of(0), ingestTs: Float64Array.of(0), score: Float64Array.of(0), movingAvg10: Float64Array.of(0) }), undefined, undefined, [['cashtag.batch.version', version], ['cashtag.batch.partitions', partitions]]);
  try {
    // One topic of another run, as a glob may find while a publication is under way.
    writeFileSync(file, await other('f'.repeat(64), '8'));
    const mixed = sql('SELECT count(*) AS n FROM batch_trend_analysis', '--format', 'json');
    assert.equal(mixed.status, 0, mixed.stderr);
    assert.match(mixed.stderr, /^cashtag sql: warning: batch_trend_analysis holds files of 2 versions .*query again/m);
    // One topic file too many for its version (a vanished topic not yet deleted).
    const version = fileVersion(original)!;
    writeFileSync(file, original);
    mkdirSync(join(gold, REPORTS.trend, 'topic=ZZZ'));
    writeFileSync(join(gold, REPORTS.trend, 'topic=ZZZ', 'part-00000.snappy.parquet'), await other(version, '8'));
    assert.match(sql('SELECT 1', '--format', 'csv').stderr, /batch_trend_analysis holds 9 topic files where its version has 8/);
  } finally {
    writeFileSync(file, original);
    rmSync(join(gold, REPORTS.trend, 'topic=ZZZ'), { recursive: true, force: true });
  }
  assert.equal(sql('SELECT 1', '--format', 'csv').stderr, '');
});

test('table output aligns columns and counts rows', () => {
  assert.equal(formatTable(['topic', 'n'], [['AAPL', 12], ['BRK.B', 3]]), ['topic | n', '------|---', 'AAPL  | 12', 'BRK.B |  3', '(2 rows)'].join('\n'));
  assert.equal(formatTable(['x'], [[null]]), ['x', '----', 'NULL', '(1 row)'].join('\n'));
});
