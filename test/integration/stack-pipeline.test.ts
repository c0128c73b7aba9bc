// The stack profile end to end, against the real Kafka, Cassandra and S3 store started by
// `make test` (deploy/local): producers feed the topics, the pipeline consumes them, and the
// results are read back with clients other than the pipeline's own code paths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client as Cql } from 'cassandra-driver';
import kafkajs from 'kafkajs';
import * as Minio from 'minio';
import { ParquetReader } from '@dsnp/parquetjs';
import { runProducer } from '../../src/pipelines/producers.js';
import { speedTopology, startSpeedLayer } from '../../src/pipelines/speed.js';
import type { GeneratorSourceOptions } from '../../src/actors/generator-source/protocol.js';
import { parseS3Endpoint } from '../../src/io/lake/s3-client.js';
import { metricSum } from '../helpers/duckdb.js';
import { quietLogger } from '../helpers/runtime.js';
import { expectedFrom, isolatedConfig, until } from '../helpers/stack-run.js';

const N_TWEETS = 3_000;
const N_PRICES = 1_500;

/** Each bad record the issue names, and the reason it must be dead-lettered with. */
const HOSTILE: { topic: 'tweets' | 'stock-prices'; value: string; reason: string }[] = [
  { topic: 'tweets', value: 'this is not JSON', reason: 'not_json' },
  { topic: 'tweets', value: JSON.stringify({ created_at: '2025-12-18 14:30:00', text: 42, user_id: 'u' }), reason: 'wrong_type' },
  { topic: 'tweets', value: JSON.stringify({ created_at: '2025-12-18 14:30:00', user_id: 'u' }), reason: 'missing_field' },
  { topic: 'tweets', value: JSON.stringify({ created_at: '2025-12-18 14:30:00', text: `$AAPL ${'x'.repeat(1_000_000)}`, user_id: 'u' }), reason: 'text_too_long' },
  { topic: 'tweets', value: JSON.stringify({ created_at: '2025-02-30 10:00:00', text: '$AAPL', user_id: 'u' }), reason: 'bad_timestamp' },
  { topic: 'stock-prices', value: JSON.stringify({ symbol: 'A'.repeat(50), trade_timestamp: '2025-12-18 14:30:00', open_price: 1, close_price: 1, volume: 1 }), reason: 'bad_symbol' },
  { topic: 'stock-prices', value: JSON.stringify({ symbol: 'AAPL', trade_timestamp: '2025-12-18 14:30:00', open_price: 1, close_price: 1, volume: -5 }), reason: 'negative_value' },
];

test('produce, consume, and find exactly the expected rows in Cassandra, the S3 lake, the DLQ topics and the committed offsets', { timeout: 300_000 }, async () => {
  const { cfg, id } = isolatedConfig({ MALFORMED_FRACTION: '0.03' });
  const log = quietLogger();
  const topics = { partitions: cfg.kafkaPartitions, replicationFactor: 1, retentionMs: 3_600_000 };
  const base = { topicPrefix: cfg.kafkaTopicPrefix, brokers: cfg.kafkaBrokers, rate: 0, batchSize: 500, topics, metricsPort: 0, log };
  const tweets = expectedFrom(cfg, 'tweets', N_TWEETS);
  const prices = expectedFrom(cfg, 'stock-prices', N_PRICES);
  const generator = (speedTopology(cfg, cfg.epoch!).stages[0].options as GeneratorSourceOptions).generator;
  await runProducer({ ...base, topic: 'tweets', limit: N_TWEETS, source: { kind: 'generator', settings: generator } });
  await runProducer({ ...base, topic: 'stock-prices', limit: N_PRICES, source: { kind: 'generator', settings: generator } });

  const kafka = new kafkajs.Kafka({ clientId: `it-${id}`, brokers: cfg.kafkaBrokers, logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  for (const h of HOSTILE) await producer.send({ topic: cfg.kafkaTopicPrefix + h.topic, acks: -1, messages: [{ key: 'AAPL', value: h.value }] });
  await producer.disconnect();

  const run = await startSpeedLayer(cfg, log);
  const total = N_TWEETS + N_PRICES + HOSTILE.length;
  await until('the pipeline to read every record', async () => metricSum(await run.supervisor.metricsText(), 'cashtag_source_records_total') >= total, 120_000);
  await run.stop();
  const metrics = await run.supervisor.metricsText();
  assert.equal(metricSum(metrics, 'cashtag_source_records_total'), total, 'read each record once');

  // Cassandra, through a plain driver client.
  const cql = new Cql({ contactPoints: cfg.cassandraContactPoints, localDataCenter: cfg.cassandraLocalDc });
  await cql.connect();
  try {
    for (const [symbol, n] of tweets.perSymbol) {
      const r = await cql.execute(`SELECT count(*) AS c FROM ${cfg.cassandraKeyspace}.tweets WHERE topic = ?`, [symbol], { prepare: true });
      assert.equal(Number(r.first().get('c')), n, `tweets of ${symbol} in Cassandra`);
    }
    for (const [symbol, n] of prices.perSymbol) {
      const r = await cql.execute(`SELECT count(*) AS c FROM ${cfg.cassandraKeyspace}.market_data WHERE symbol = ?`, [symbol], { prepare: true });
      assert.equal(Number(r.first().get('c')), n, `ticks of ${symbol} in Cassandra`);
    }
  } finally {
    await cql.execute(`DROP KEYSPACE IF EXISTS ${cfg.cassandraKeyspace}`).catch(() => undefined);
    await cql.shutdown();
  }

  // The S3 lake, through the minio client and a Parquet reader.
  const ep = parseS3Endpoint(cfg.s3Endpoint);
  const s3 = new Minio.Client({ endPoint: ep.endPoint, port: ep.port, useSSL: ep.useSSL, accessKey: cfg.s3AccessKey, secretKey: cfg.s3SecretKey, pathStyle: true, region: cfg.s3Region });
  const bucket = `${cfg.lakeBucketPrefix}twitter-bronze`;
  const keys: string[] = [];
  for await (const o of s3.listObjectsV2(bucket, 'tweets_v2/', true) as AsyncIterable<{ name: string }>) keys.push(o.name);
  assert.ok(keys.length > 0 && keys.every((k) => /^tweets_v2\/topic=[A-Z.]+\/part-p\d{3}-o\d{9}-\d{9}\.snappy\.parquet$/.test(k)), `bronze keys: ${keys.slice(0, 3).join(', ')}`);
  const ids = new Set<string>();
  const perTopic = new Map<string, number>();
  for (const key of keys) {
    const body = Buffer.concat(await (await s3.getObject(bucket, key)).toArray());
    const reader = await ParquetReader.openBuffer(body);
    const cursor = reader.getCursor();
    const topic = /topic=([^/]+)/.exec(key)![1];
    for (let row = (await cursor.next()) as { record_id: string } | null; row; row = (await cursor.next()) as { record_id: string } | null) {
      ids.add(row.record_id);
      perTopic.set(topic, (perTopic.get(topic) ?? 0) + 1);
    }
    await reader.close();
  }
  assert.equal(ids.size, tweets.validTweets, 'distinct tweets in the bronze lake');
  for (const [symbol, n] of tweets.perSymbol) assert.equal(perTopic.get(symbol), n, `bronze rows under topic=${symbol}`);

  // Dead letters in the DLQ topics, with reasons.
  const consumer = kafka.consumer({ groupId: `it-dlq-${id}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [`${cfg.kafkaTopicPrefix}tweets.dlq`, `${cfg.kafkaTopicPrefix}stock-prices.dlq`], fromBeginning: true });
  const reasons: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void reasons.push(String(message.headers?.reason)) });
  const expectedDead = tweets.dead + prices.dead + HOSTILE.length;
  await until('every dead letter in the DLQ topics', async () => reasons.length >= expectedDead, 30_000);
  await consumer.disconnect();
  assert.equal(reasons.length, expectedDead);
  for (const h of HOSTILE) assert.ok(reasons.includes(h.reason), `a dead letter with reason ${h.reason}`);

  // Offsets committed at the end of the topics.
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const t of ['tweets', 'stock-prices']) {
      const topic = cfg.kafkaTopicPrefix + t;
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: cfg.kafkaGroupId, topics: [topic] });
      for (const e of ends) {
        const c = committed.partitions.find((p) => p.partition === e.partition)!;
        // -1: nothing committed, i.e. the start of the partition (an empty one: start = end).
        const at = c.offset === '-1' ? e.low : c.offset;
        assert.equal(at, e.high, `${topic}/${e.partition}: committed ${c.offset}, end ${e.high}`);
      }
    }
  } finally {
    await admin.disconnect();
  }
});
