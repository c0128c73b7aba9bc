// `cashtag run --file/--prices-file` on the embedded profile: a Kaggle-shaped CSV of 400 real
// tweets (20 of them quoted multi-line fields, test/fixtures/files/) and a Yahoo-shaped prices
// CSV replay without Kafka through parse, sentiment and the sinks; the run ends by itself (exit 0)
// when the files are read. Checked with DuckDB, which also reads the CSV independently: every
// tweet in bronze exactly once with its text, every tick in stock_prices, the rows that cannot be
// mapped in dead letters with their reason. Killed with SIGKILL mid-replay and started again, the
// replay resumes from its checkpoint and ends with the same tables (bronze, windows, joins) as an
// uninterrupted one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, appendFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { duckdb } from '../helpers/duckdb.js';
import { cliCommand } from '../../bench/cli-command.js';

const FIXTURE = new URL('../../../test/fixtures/files/stock_tweets.csv', import.meta.url).pathname;

/** The fixture plus one row that cannot be mapped (five fields under a four-column header). */
function inputs(dir: string): { tweets: string; prices: string } {
  const tweets = join(dir, 'stock_tweets.csv');
  copyFileSync(FIXTURE, tweets);
  appendFileSync(tweets, '2022-09-29 16:00:00+00:00,one,comma,too,many\n');
  // Yahoo's daily history of one symbol (named by the file), with a day Yahoo has no data for. Its
  // last tick is after the last tweet, so the watermark passes the tweets and their windows close.
  const prices = join(dir, 'AAPL.csv');
  writeFileSync(prices, ['Date,Open,High,Low,Close,Adj Close,Volume', '2022-09-26,149.66,153.77,149.64,150.77,149.68,93339400', '2022-09-27,152.74,154.72,149.95,151.76,150.66,84442700', '2022-09-28,null,null,null,null,null,null', '2022-09-29,146.10,146.72,140.68,142.48,141.45,128138200', '2022-09-30,141.28,143.10,138.00,138.20,137.20,124925300', ''].join('\n'));
  return { tweets, prices };
}

function run(dataDir: string, files: { tweets: string; prices: string }, extra: string[], killAfterCheckpoints = 0): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(...cliCommand(['run', '--data-dir', dataDir, '--file', files.tweets, '--prices-file', files.prices, '--metrics-port', '0', '--serve', 'off', '--log-format', 'json', ...extra]), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  if (killAfterCheckpoints > 0) {
    const poll = setInterval(() => {
      let n = 0;
      try {
        n = readdirSync(join(dataDir, 'checkpoints', 'speed')).filter((f) => f.startsWith('chk-')).length;
      } catch {
        return;
      }
      if (n >= killAfterCheckpoints) {
        clearInterval(poll);
        setTimeout(() => child.kill('SIGKILL'), 300);
      }
    }, 25);
    child.on('exit', () => clearInterval(poll));
  }
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

/** Equal row lists, or a short account of the difference (a full diff of hundreds of rows is unreadable). */
function sameRows(what: string, got: Record<string, unknown>[], want: Record<string, unknown>[]): void {
  const key = (r: Record<string, unknown>) => JSON.stringify(r);
  const g = new Set(got.map(key));
  const w = new Set(want.map(key));
  const extra = got.map(key).filter((k) => !w.has(k));
  const missing = want.map(key).filter((k) => !g.has(k));
  assert.ok(got.length === want.length && extra.length === 0 && missing.length === 0, `${what}: ${got.length} rows, ${want.length} expected; ${extra.length} unexpected (${extra.slice(0, 3).join(' ')}), ${missing.length} missing (${missing.slice(0, 3).join(' ')})`);
}

const bronze = (dataDir: string, table: string) => `read_parquet('${join(dataDir, 'lake', 'twitter-bronze', table)}/*/*.parquet', hive_partitioning = true)`;

test('a Kaggle-shaped tweets CSV and a Yahoo-shaped prices CSV replay into bronze exactly once', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cashtag-file-replay-'));
  const files = inputs(dir);
  const r = await run(join(dir, 'data'), files, []);
  assert.equal(r.code, 0, r.stderr);
  const db = await duckdb();
  try {
    const tweets = bronze(join(dir, 'data'), 'tweets_v2');
    const [t] = await db.all(`SELECT count(*) AS rows, count(DISTINCT (record_id, topic)) AS uniq, count(DISTINCT record_id) AS ids, min(source_offset) AS lo, max(source_offset) AS hi, count(*) FILTER (WHERE topic = 'NONE') AS untagged FROM ${tweets}`);
    assert.equal(t.rows, t.uniq, 'a tweet row twice in bronze');
    assert.equal(t.ids, 400, 'every tweet of the file in bronze');
    assert.deepEqual([t.lo, t.hi], [0, 399]);
    assert.equal(t.untagged, 0, 'a tweet without a cashtag takes its Stock Name');
    // DuckDB's own CSV reader: every tweet's text (multi-line ones too) is in bronze as written.
    const [csv] = await db.all(`WITH c AS (SELECT * FROM read_csv('${FIXTURE}', header = true, all_varchar = true))
      SELECT count(*) AS n, count(*) FILTER (WHERE position(chr(10) IN "Tweet") > 0) AS multiline,
        count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ${tweets} b WHERE b.text = c."Tweet" AND strftime(b.created_at, '%Y-%m-%d %H:%M:%S+00:00') = c."Date")) AS missing FROM c`);
    assert.deepEqual(csv, { n: 400, multiline: 20, missing: 0 });
    const [dead] = await db.all(`SELECT count(*) AS n, min(reason) AS reason, min(source_offset) AS offset FROM ${bronze(join(dir, 'data'), 'dead_letters')} WHERE topic = 'tweets'`);
    assert.deepEqual(dead, { n: 1, reason: 'unmapped_row', offset: 400 });

    const [p] = await db.all(`SELECT count(*) AS rows, count(DISTINCT record_id) AS ids, min(symbol) AS symbol, max(close_price) AS hi, strftime(min(trade_timestamp), '%Y-%m-%d %H:%M:%S') AS first FROM ${bronze(join(dir, 'data'), 'stock_prices')}`);
    assert.deepEqual(p, { rows: 4, ids: 4, symbol: 'AAPL', hi: 151.76, first: '2022-09-26 00:00:00' });
    const [pd] = await db.all(`SELECT count(*) AS n, min(reason) AS reason FROM ${bronze(join(dir, 'data'), 'dead_letters')} WHERE topic = 'stock-prices'`);
    assert.deepEqual(pd, { n: 1, reason: 'wrong_type' });
  } finally {
    db.close();
  }
});

test('SIGKILL mid-replay, then a rerun: the same tables as an uninterrupted replay in other batches', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cashtag-file-kill-'));
  const files = inputs(dir);
  const slow = ['--rate', '80', '--checkpoint-interval', '0.5', '--file-max-rows', '40', '--file-max-age', '0.2'];
  // The uninterrupted replay runs at full speed in batches of 37: batching and timing must not
  // change the answer either.
  const whole = await run(join(dir, 'whole'), files, ['--batch-size', '37', '--checkpoint-interval', '0.5']);
  assert.equal(whole.code, 0, whole.stderr);
  const first = await run(join(dir, 'killed'), files, slow, 2);
  assert.equal(first.signal, 'SIGKILL', 'the first run should have been killed mid-way (it finished too soon)');
  const second = await run(join(dir, 'killed'), files, slow);
  assert.equal(second.code, 0, second.stderr);
  const db = await duckdb();
  try {
    const rows = (d: string) => db.all(`SELECT record_id, topic, text, created_at::VARCHAR AS t, sentiment_score FROM ${bronze(join(dir, d), 'tweets_v2')} ORDER BY record_id, topic`);
    const a = await rows('whole');
    const b = await rows('killed');
    assert.equal(a.length, 400);
    sameRows('bronze tweets', b, a);
    const prices = (d: string) => db.all(`SELECT record_id, symbol, close_price FROM ${bronze(join(dir, d), 'stock_prices')} ORDER BY record_id`);
    sameRows('bronze prices', await prices('killed'), await prices('whole'));
    const dead = (d: string) => db.all(`SELECT topic, source_offset, reason FROM ${bronze(join(dir, d), 'dead_letters')} ORDER BY topic, source_offset`);
    sameRows('dead letters', await dead('killed'), await dead('whole'));
    // Windows and joins too: event time comes from the files, so they do not depend on the crash.
    const lake = (d: string, bucket: string, table: string) => `read_parquet('${join(dir, d, 'lake', bucket, table)}/*/*.parquet', hive_partitioning = true)`;
    const windows = (d: string) => db.all(`SELECT topic, window_start::VARCHAR AS s, tweet_count, mean_sentiment, tick_count, close_price FROM ${lake(d, 'twitter-gold', 'sentiment_windows_5m')} ORDER BY topic, s`);
    const w = await windows('whole');
    assert.ok(w.length > 100, `too few windows (${w.length})`);
    sameRows('windows', await windows('killed'), w);
    const joined = (d: string) => db.all(`SELECT record_id, topic, price_record_id, close_price FROM ${lake(d, 'twitter-silver', 'tweet_prices')} ORDER BY record_id, topic`);
    const j = await joined('whole');
    assert.ok(j.some((x) => x.price_record_id !== null), 'AAPL tweets joined with a tick');
    sameRows('joined tweets', await joined('killed'), j);
  } finally {
    db.close();
  }
});
