// Golden test of the event-time analytics: a fixed seed with no late data, run to completion;
// every emitted window equals the same window recomputed from bronze with plain SQL (DuckDB),
// and every joined tweet carries the tick an as-of join over bronze finds.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startSpeedLayer } from '../../src/pipelines/speed.js';
import { duckdb, metricSum } from '../helpers/duckdb.js';
import { quietLogger } from '../helpers/runtime.js';

const close = (a: unknown, b: unknown) => (a === null || b === null ? a === b : Math.abs(Number(a) - Number(b)) <= 1e-9 * Math.max(1, Math.abs(Number(b))));

test('every emitted window and joined tweet equals its recomputation from bronze', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-analytics-'));
  const cfg = loadConfig({}, {
    DATA_DIR: dataDir, EVENTS: '30000', PARTITIONS: '2', RATE: '0', EVENT_RATE: '20', SEED: '5', GENERATOR_EPOCH: '2025-12-18T14:00:00Z',
    LATE_FRACTION: '0', OUT_OF_ORDER_FRACTION: '0.2', MALFORMED_FRACTION: '0.01', PRICES_PER_TWEET: '0.5', METRICS_PORT: '0', CHECKPOINT_INTERVAL: '1',
    SYMBOLS: 'AAPL,TSLA,MSFT', ALERT_SENTIMENT_BELOW: '-0.05', ALERT_PRICE_DROP: '0.001',
  });
  const run = await startSpeedLayer(cfg, quietLogger());
  await run.done;
  const metrics = await run.supervisor.metricsText();
  assert.equal(metricSum(metrics, 'cashtag_late_records_total'), 0, 'no late data in this run');

  const lake = join(dataDir, 'lake');
  const db = await duckdb();
  try {
    await db.all(`CREATE VIEW tweets AS SELECT * FROM read_parquet('${lake}/twitter-bronze/tweets_v2/*/*.parquet', hive_partitioning = true) WHERE topic <> 'NONE'`);
    await db.all(`CREATE VIEW prices AS SELECT * FROM read_parquet('${lake}/twitter-bronze/stock_prices/*/*.parquet', hive_partitioning = true)`);
    await db.all(`CREATE VIEW windows AS SELECT * FROM read_parquet('${lake}/twitter-gold/sentiment_windows_5m/*/*.parquet', hive_partitioning = true)`);
    const emitted = await db.all(`SELECT * FROM windows ORDER BY topic, window_end`);
    assert.ok(emitted.length > 50, `too few windows emitted (${emitted.length})`);
    const [{ dupes }] = await db.all(`SELECT count(*) - count(DISTINCT (topic, window_end)) AS dupes FROM windows`);
    assert.equal(dupes, 0, 'a window is emitted once');
    const expected = await db.all(`
      SELECT w.topic, w.window_end,
        (SELECT count(*) FROM tweets t WHERE t.topic = w.topic AND t.created_at >= w.window_start AND t.created_at < w.window_end) AS tweet_count,
        (SELECT avg(sentiment_score) FROM tweets t WHERE t.topic = w.topic AND t.created_at >= w.window_start AND t.created_at < w.window_end) AS mean_sentiment,
        (SELECT min(sentiment_score) FROM tweets t WHERE t.topic = w.topic AND t.created_at >= w.window_start AND t.created_at < w.window_end) AS min_sentiment,
        (SELECT max(sentiment_score) FROM tweets t WHERE t.topic = w.topic AND t.created_at >= w.window_start AND t.created_at < w.window_end) AS max_sentiment,
        (SELECT count(*) FILTER (sentiment_score >= 0.05) FROM tweets t WHERE t.topic = w.topic AND t.created_at >= w.window_start AND t.created_at < w.window_end) AS positive_count,
        (SELECT count(*) FILTER (sentiment_score <= -0.05) FROM tweets t WHERE t.topic = w.topic AND t.created_at >= w.window_start AND t.created_at < w.window_end) AS negative_count,
        (SELECT count(*) FROM prices p WHERE p.symbol = w.topic AND p.trade_timestamp >= w.window_start AND p.trade_timestamp < w.window_end) AS tick_count,
        (SELECT arg_min(open_price, (trade_timestamp, record_id)) FROM prices p WHERE p.symbol = w.topic AND p.trade_timestamp >= w.window_start AND p.trade_timestamp < w.window_end) AS open_price,
        (SELECT arg_max(close_price, (trade_timestamp, record_id)) FROM prices p WHERE p.symbol = w.topic AND p.trade_timestamp >= w.window_start AND p.trade_timestamp < w.window_end) AS close_price,
        (SELECT max(greatest(open_price, close_price)) FROM prices p WHERE p.symbol = w.topic AND p.trade_timestamp >= w.window_start AND p.trade_timestamp < w.window_end) AS high_price,
        (SELECT min(least(open_price, close_price)) FROM prices p WHERE p.symbol = w.topic AND p.trade_timestamp >= w.window_start AND p.trade_timestamp < w.window_end) AS low_price,
        (SELECT coalesce(sum(volume), 0) FROM prices p WHERE p.symbol = w.topic AND p.trade_timestamp >= w.window_start AND p.trade_timestamp < w.window_end) AS volume,
        (SELECT sum(close_price * volume) / sum(volume) FROM prices p WHERE p.symbol = w.topic AND p.trade_timestamp >= w.window_start AND p.trade_timestamp < w.window_end) AS vwap
      FROM windows w ORDER BY w.topic, w.window_end`);
    assert.equal(expected.length, emitted.length);
    const cols = ['tweet_count', 'mean_sentiment', 'min_sentiment', 'max_sentiment', 'positive_count', 'negative_count', 'tick_count', 'open_price', 'close_price', 'high_price', 'low_price', 'volume', 'vwap'];
    for (let i = 0; i < emitted.length; i++) {
      for (const c of cols) assert.ok(close(emitted[i][c], expected[i][c]), `${emitted[i].topic} window ending ${String(emitted[i].window_end)}: ${c} = ${String(emitted[i][c])}, bronze says ${String(expected[i][c])}`);
    }
    // Windows that bronze has data for, ending before the last one emitted, were all emitted.
    const [{ missing }] = await db.all(`
      WITH ends AS (SELECT DISTINCT topic, time_bucket(INTERVAL 1 MINUTE, created_at) + INTERVAL 1 MINUTE * k AS window_end
                    FROM tweets, range(1, 6) r(k))
      SELECT count(*) AS missing FROM ends e
      WHERE e.window_end <= (SELECT max(window_end) FROM windows WHERE topic = e.topic)
        AND e.window_end > (SELECT min(window_end) FROM windows WHERE topic = e.topic)
        AND NOT EXISTS (SELECT 1 FROM windows w WHERE w.topic = e.topic AND w.window_end = e.window_end)`);
    assert.equal(missing, 0, 'windows with data were skipped');

    const joined = await db.all(`SELECT record_id, topic, price_record_id FROM read_parquet('${lake}/twitter-silver/tweet_prices/*/*.parquet', hive_partitioning = true) ORDER BY record_id, topic`);
    assert.ok(joined.length > 1000);
    // The latest tick at or before the tweet within a day; ties in time (the seed's timestamps
    // have whole seconds) go to the greatest record id, as the join defines it.
    const asof = await db.all(`
      SELECT t.record_id, t.topic,
        (SELECT arg_max(p.record_id, (p.trade_timestamp, p.record_id)) FROM prices p
          WHERE p.symbol = t.topic AND p.trade_timestamp <= t.created_at AND p.trade_timestamp >= t.created_at - INTERVAL 1 DAY) AS price_record_id
      FROM tweets t
      WHERE (t.record_id, t.topic) IN (SELECT (record_id, topic) FROM read_parquet('${lake}/twitter-silver/tweet_prices/*/*.parquet', hive_partitioning = true))
      ORDER BY t.record_id, t.topic`);
    assert.deepEqual(joined, asof, 'joined ticks differ from an as-of join over bronze');

    const alerts = await db.all(`SELECT topic, window_end, mean_sentiment, open_price, close_price FROM read_parquet('${lake}/twitter-gold/alerts/*.parquet') ORDER BY topic, window_end`);
    const shouldAlert = emitted.filter((w) => w.mean_sentiment !== null && w.open_price !== null && (w.mean_sentiment as number) < -0.05 && (w.close_price as number) < (w.open_price as number) * (1 - 0.001));
    assert.deepEqual(alerts.map((a) => [a.topic, String(a.window_end)]), shouldAlert.map((w) => [w.topic, String(w.window_end)]));
    assert.ok(alerts.length > 0, 'thresholds chosen so that some windows alert');
  } finally {
    db.close();
  }
});
