// The query API on the stack profile: a speed-layer run (generator input) into a real Cassandra
// serving store and the S3 lake, a batch run over that lake, then every endpoint compared with
// what the pipeline wrote (Cassandra read through the store, gold reports downloaded from S3 and
// read by DuckDB), and CQL metacharacters in every parameter rejected before any query.
// Isolated per run: its own keyspace and bucket prefix, dropped at the end.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client as Cql } from 'cassandra-driver';
import * as Minio from 'minio';
import { loadConfig } from '../../src/config.js';
import { openLake } from '../../src/io/lake/open.js';
import { parseS3Endpoint } from '../../src/io/lake/s3-client.js';
import { GOLD_BUCKET } from '../../src/io/parquet/gold-schemas.js';
import { CassandraServingStore } from '../../src/io/store/cassandra-store.js';
import { fileVersion, reportKey, runBatch } from '../../src/pipelines/batch.js';
import { startServer } from '../../src/pipelines/serving/server.js';
import { apiAlert, apiPrice, apiTweet, apiWindow } from '../../src/pipelines/serving/rows.js';
import { lakeSettings, startSpeedLayer, storeSettings } from '../../src/pipelines/speed.js';
import { duckdb } from '../helpers/duckdb.js';
import { quietLogger } from '../helpers/runtime.js';
import { stackEnv } from '../helpers/stack.js';
import { getJson } from '../serving/helpers.js';

const iso = (ms: number) => new Date(ms).toISOString();

test('query API over Cassandra and the S3 lake: every endpoint matches what the pipeline wrote', { timeout: 300_000 }, async () => {
  const s = stackEnv('CASSANDRA_CONTACT_POINTS', 'CASSANDRA_LOCAL_DC', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY');
  const id = randomBytes(4).toString('hex');
  // Recent event time: the alerts view reads day partitions of the last 31 days.
  const epoch = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
  const cfg = loadConfig({}, {
    CASSANDRA_CONTACT_POINTS: s.CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DC: s.CASSANDRA_LOCAL_DC, CASSANDRA_KEYSPACE: `serving_${id}`,
    S3_ENDPOINT: s.S3_ENDPOINT, S3_ACCESS_KEY: s.S3_ACCESS_KEY, S3_SECRET_KEY: s.S3_SECRET_KEY, LAKE_BUCKET_PREFIX: `sv${id}-`,
    DATA_DIR: mkdtempSync(join(tmpdir(), `cashtag-serving-it-${id}-`)), METRICS_PORT: '0', CHECKPOINT_INTERVAL: '1', LOG_LEVEL: 'warn',
    EVENTS: '8000', PARTITIONS: '2', RATE: '0', EVENT_RATE: '20', SEED: '7', GENERATOR_EPOCH: iso(epoch), LATE_FRACTION: '0',
    SYMBOLS: 'AAPL,TSLA,BRK.B', PRICES_PER_TWEET: '0.5', ALERT_SENTIMENT_BELOW: '0.5', ALERT_PRICE_DROP: '0', ACTOR_THREADS: '1', SCORE_THREADS: '1', // any falling window with mean sentiment < 0.5 alerts
  });
  const log = quietLogger();
  const run = await startSpeedLayer(cfg, log);
  await run.done;
  await runBatch({ lake: lakeSettings(cfg), threads: 1, log, progress: () => undefined });

  const server = await startServer({ store: storeSettings(cfg), lake: lakeSettings(cfg), port: 0, host: '127.0.0.1', log });
  const store = await CassandraServingStore.open({ ...(storeSettings(cfg) as { kind: 'cassandra' } & Parameters<typeof CassandraServingStore.open>[0]), provision: false });
  const db = await duckdb();
  try {
    const symbols = (await getJson(server.url, '/api/symbols')).body.symbols as { symbol: string; latest_window: unknown; latest_price: unknown }[];
    assert.deepEqual(symbols.map((x) => x.symbol), ['AAPL', 'BRK.B', 'TSLA']);
    for (const x of symbols) {
      assert.deepEqual(x.latest_window, apiWindow((await store.latestWindow(x.symbol))!));
      assert.deepEqual(x.latest_price, apiPrice((await store.latestPrices(x.symbol, { limit: 1 }))[0]));
    }

    for (const symbol of ['AAPL', 'BRK.B']) {
      const tweets = await getJson(server.url, `/api/tweets/${symbol}?limit=100`);
      assert.equal(tweets.status, 200);
      assert.equal(tweets.body.count, 100);
      assert.deepEqual(tweets.body.items, (await store.latestTweets(symbol, { limit: 100 })).map(apiTweet));
      const since = (tweets.body.items as { created_at: string }[])[60].created_at;
      const later = await getJson(server.url, `/api/tweets/${symbol}?since=${since}&limit=1000`);
      assert.deepEqual(later.body.items, (await store.latestTweets(symbol, { sinceMs: Date.parse(since), limit: 1000 })).map(apiTweet));
      assert.ok((later.body.items as { created_at: string }[]).every((t) => t.created_at >= since));
      const prices = await getJson(server.url, `/api/prices/${symbol}?limit=30`);
      assert.deepEqual(prices.body.items, (await store.latestPrices(symbol, { limit: 30 })).map(apiPrice));
    }

    const latest = (await store.latestWindow('TSLA'))!;
    const from = latest.window_end - 5 * 60_000;
    const windows = await getJson(server.url, `/api/windows/TSLA?from=${iso(from)}&to=${iso(latest.window_end + 1)}`);
    assert.equal(windows.status, 200);
    assert.ok((windows.body.count as number) >= 5);
    assert.deepEqual(windows.body.items, (await store.windows('TSLA', { fromMs: from, toMs: latest.window_end + 1 })).map(apiWindow));

    const alerts = await getJson(server.url, '/api/alerts?limit=1000');
    assert.ok((alerts.body.count as number) > 0, 'the thresholds make some windows alert');
    assert.deepEqual(alerts.body.items, (await store.alerts({ sinceMs: epoch, limit: 1000 })).map(apiAlert));

    // History: the symbol's file (<report>/topic=AAPL/part-00000.snappy.parquet), downloaded from S3 and read by DuckDB.
    const lake = openLake(lakeSettings(cfg));
    for (const [report, name, time] of [['stats', 'statistics', 'hour'], ['trend', 'trend', 'created_at']] as const) {
      const bytes = (await lake.read(GOLD_BUCKET, reportKey(name, 'AAPL')))!;
      const local = join(cfg.dataDir, `${report}.parquet`);
      writeFileSync(local, bytes);
      const rows = await db.all(`SELECT epoch_ms(${time}) AS t FROM read_parquet('${local}', hive_partitioning = false) ORDER BY t`);
      const r = await getJson(server.url, `/api/history/AAPL?report=${report}&from=${iso(Number(rows[0].t))}&to=${iso(Number(rows[rows.length - 1].t) + 1)}&limit=1000`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.version, fileVersion(bytes));
      assert.deepEqual((r.body.items as Record<string, string>[]).map((x) => Date.parse(x[time])), rows.slice(0, 1000).map((x) => x.t));
    }

    // CQL metacharacters never reach Cassandra, and the tables are intact afterwards.
    for (const bad of ["'; DROP TABLE tweets;--", "AAPL' ALLOW FILTERING", 'AAPL; TRUNCATE market_data']) {
      for (const path of [`/api/tweets/${encodeURIComponent(bad)}`, `/api/prices/AAPL?since=${encodeURIComponent(bad)}`, `/api/windows/AAPL?from=${encodeURIComponent(bad)}`, `/api/alerts?since=${encodeURIComponent(bad)}`]) {
        const r = await getJson(server.url, path);
        assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
      }
    }
    assert.equal((await getJson(server.url, '/api/tweets/AAPL?limit=5')).body.count, 5);
    assert.equal((await getJson(server.url, '/api/tweets/ZZZZ')).status, 404);
    assert.deepEqual((await getJson(server.url, '/readyz')).body, { status: 'ready', checks: { store: 'ok', lake: 'ok' } });
  } finally {
    db.close();
    await server.close();
    await store.close();
    const cql = new Cql({ contactPoints: cfg.cassandraContactPoints, localDataCenter: cfg.cassandraLocalDc });
    await cql.connect();
    await cql.execute(`DROP KEYSPACE IF EXISTS ${cfg.cassandraKeyspace}`).catch(() => undefined);
    await cql.shutdown();
    const ep = parseS3Endpoint(cfg.s3Endpoint);
    const s3 = new Minio.Client({ endPoint: ep.endPoint, port: ep.port, useSSL: ep.useSSL, accessKey: cfg.s3AccessKey, secretKey: cfg.s3SecretKey, pathStyle: true, region: cfg.s3Region });
    for (const b of (await s3.listBuckets()).filter((x) => x.name.startsWith(cfg.lakeBucketPrefix))) {
      const keys: string[] = [];
      for await (const o of s3.listObjectsV2(b.name, '', true) as AsyncIterable<{ name: string }>) keys.push(o.name);
      if (keys.length) await s3.removeObjects(b.name, keys);
      await s3.removeBucket(b.name);
    }
    rmSync(cfg.dataDir, { recursive: true, force: true });
  }
});
