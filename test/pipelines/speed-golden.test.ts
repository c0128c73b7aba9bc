// Golden test of the whole speed layer on the embedded profile: a fixed seed and N tweets, run
// to completion on real threads; the lake is read back with DuckDB and the store with LMDB, and
// both are compared with what the generator was asked to produce.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import vaderSentiment from 'vader-sentiment';
import { extractCashtags, UNTAGGED_TOPIC } from '../../src/domain/cashtags.js';
import { Generator } from '../../src/domain/generator.js';
import { validatePrice, validateTweet } from '../../src/domain/payloads.js';
import { recordId, servingId } from '../../src/domain/records.js';
import { loadConfig } from '../../src/config.js';
import { polarityScores } from '../../src/index.js';
import { LmdbServingStore } from '../../src/io/store/lmdb-store.js';
import { speedTopology, startSpeedLayer } from '../../src/pipelines/speed.js';
import type { GeneratorSourceOptions } from '../../src/actors/generator-source/protocol.js';
import { duckdb, metricSum } from '../helpers/duckdb.js';
import { quietLogger } from '../helpers/runtime.js';

const N = 6_000;
const P = 3;
const EPOCH = '2025-12-18T14:30:00Z';

const engines = {
  'vader-sentiment': (t: string) => vaderSentiment.SentimentIntensityAnalyzer.polarity_scores(t).compound,
  vader: (t: string) => polarityScores(t).compound,
} as const;

for (const engine of ['vader-sentiment', 'vader'] as const) {
  test(`golden run (${engine}): bronze, dead letters and the store hold exactly what was generated`, { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-golden-'));
    const cfg = loadConfig({}, {
      DATA_DIR: dataDir, EVENTS: String(N), PARTITIONS: String(P), RATE: '0', SEED: '7', GENERATOR_EPOCH: EPOCH,
      MALFORMED_FRACTION: '0.03', LATE_FRACTION: '0', OUT_OF_ORDER_FRACTION: '0.05', PRICES_PER_TWEET: '0.25',
      METRICS_PORT: '0', SENTIMENT_ENGINE: engine, ACTOR_THREADS: '2', SCORE_THREADS: '2', BATCH_SIZE: '200', CHECKPOINT_INTERVAL: '0.5',
    });
    const run = await startSpeedLayer(cfg, quietLogger());
    await run.done;
    const metrics = await run.supervisor.metricsText();

    // What the generator produced, computed independently of the pipeline.
    const gen = new Generator((speedTopology(cfg, Date.parse(EPOCH)).stages[0].options as GeneratorSourceOptions).generator);
    const rows = new Map<string, { topic: string; text: string; createdAt: number; id: string }[]>();
    const dead = new Map<string, string>();
    let validTweets = 0;
    let priceRows = 0;
    for (let p = 0; p < P; p++) {
      for (let n = 0; n < N / P; n++) {
        const g = gen.generate('tweets', p, n);
        const v = validateTweet(g.value);
        if (!v.ok) {
          assert.equal(g.kind, 'malformed');
          dead.set(`tweets/${p}/${n}`, v.reason);
          continue;
        }
        validTweets++;
        const symbols = extractCashtags(v.value.text);
        for (const topic of symbols.length ? symbols : [UNTAGGED_TOPIC]) {
          rows.set(topic, [...(rows.get(topic) ?? []), { topic, text: v.value.text, createdAt: v.eventTime, id: recordId('tweets', p, n) }]);
        }
      }
      for (let n = 0; n < Math.floor((N / P) * 0.25); n++) {
        const v = validatePrice(gen.generate('stock-prices', p, n).value);
        if (v.ok) priceRows++;
        else dead.set(`stock-prices/${p}/${n}`, v.reason);
      }
    }
    const expectedRows = [...rows.values()].reduce((a, r) => a + r.length, 0);

    const db = await duckdb();
    try {
      const lake = join(dataDir, 'lake', 'twitter-bronze');
      const tweets = `read_parquet('${lake}/tweets_v2/*/*.parquet', hive_partitioning = true)`;
      const [{ n, ids }] = await db.all(`SELECT count(*) AS n, count(DISTINCT record_id) AS ids FROM ${tweets}`);
      assert.equal(ids, validTweets, 'distinct tweets in bronze = N minus malformed');
      assert.equal(ids, N - [...dead.keys()].filter((k) => k.startsWith('tweets/')).length);
      assert.equal(n, expectedRows, 'one row per (tweet, symbol), NONE for none');
      for (const [topic, expected] of rows) {
        const [{ c }] = await db.all(`SELECT count(*) AS c FROM ${tweets} WHERE topic = '${topic}'`);
        assert.equal(c, expected.length, `rows under topic=${topic}`);
      }
      const types = await db.all(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${tweets})`);
      assert.deepEqual(Object.fromEntries(types.map((t) => [t.column_name, t.column_type])), {
        record_id: 'VARCHAR', created_at: 'TIMESTAMP', ingest_timestamp: 'TIMESTAMP', text: 'VARCHAR', user_id: 'VARCHAR',
        sentiment_score: 'DOUBLE', source_partition: 'INTEGER', source_offset: 'BIGINT', topic: 'VARCHAR',
      });
      const score = engines[engine];
      const scored = await db.all(`SELECT DISTINCT text, sentiment_score FROM ${tweets}`);
      for (const r of scored) assert.equal(r.sentiment_score, score(r.text as string), `score of ${JSON.stringify(r.text)}`);

      const [{ prices }] = await db.all(`SELECT count(*) AS prices FROM read_parquet('${lake}/stock_prices/*/*.parquet', hive_partitioning = true)`);
      assert.equal(prices, priceRows);

      const dl = await db.all(`SELECT topic, source_partition AS p, source_offset AS o, reason, detail, raw FROM read_parquet('${lake}/dead_letters/*/*.parquet', hive_partitioning = true)`);
      assert.equal(dl.length, dead.size, 'every malformed record is a dead letter, and nothing else is');
      for (const d of dl) {
        assert.equal(dead.get(`${d.topic}/${d.p}/${d.o}`), d.reason, `dead letter ${d.topic}/${d.p}/${d.o}`);
        assert.ok((d.detail as string).length > 0 && d.raw !== null);
      }

      assert.equal(metricSum(metrics, 'cashtag_sink_rows_written_total', 'sink="bronze"', 'table="tweets_v2"'), expectedRows, 'metrics agree with the lake');
      assert.equal(metricSum(metrics, 'cashtag_sink_rows_written_total', 'sink="bronze"', 'table="dead_letters"'), dead.size);
      assert.equal(metricSum(metrics, 'cashtag_dead_letters_total'), dead.size);
      assert.equal(metricSum(metrics, 'cashtag_tweets_without_cashtag_total'), rows.get(UNTAGGED_TOPIC)?.length ?? 0);
    } finally {
      db.close();
    }

    const store = new LmdbServingStore(join(dataDir, 'serving-store'));
    try {
      for (const [topic, expected] of rows) {
        const latest = await store.latestTweets(topic, { limit: 5 });
        if (topic === UNTAGGED_TOPIC) {
          assert.equal(latest.length, 0, 'tweets without a symbol take no part in per-symbol views');
          continue;
        }
        // The store keys rows by the record's UUID: ties in time order by it.
        const newest = expected.map((t) => ({ ...t, id: servingId(t.id) })).sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id)).slice(0, 5);
        assert.deepEqual(latest.map((t) => [t.id, t.created_at]), newest.map((t) => [t.id, t.createdAt]), `newest tweets of ${topic}`);
      }
    } finally {
      await store.close();
    }
  });
}
