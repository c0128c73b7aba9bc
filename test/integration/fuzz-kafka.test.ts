// No record can stop the pipeline, through the real Kafka path: a fuzzed corpus of a few thousand
// records (the poison tick first; valid records, records with one named defect,
// arbitrary JSON and bytes) is produced into the stack's Kafka, the speed layer reads it with
// the stack's Cassandra as its store and a local lake, and every record is checked with clients
// other than the pipeline's: each bad one in bronze dead_letters and its DLQ topic exactly once
// with its reason, each good one in bronze exactly once as sent, no actor restarted.
// `make fuzz-kafka` is the 100,000-record form (bench/fuzz-kafka.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client as Cql } from 'cassandra-driver';
import { loadConfig } from '../../src/config.js';
import { startSpeedLayer } from '../../src/pipelines/speed.js';
import { metricSum } from '../../src/runtime/metrics.js';
import { duckdb } from '../helpers/duckdb.js';
import { quietLogger } from '../helpers/runtime.js';
import { until } from '../helpers/stack-run.js';
import { stackEnv } from '../helpers/stack.js';
import { figuresTable, fuzzRunEnv, judge, kafkaCorpus, produceCorpus, readBronze, readDlq, VIOLATIONS } from '../fuzz/kafka-corpus.js';

const RECORDS = 3_000;

test('a fuzzed corpus through Kafka: the pipeline keeps running, bad records are dead letters once with their reason, good ones are in bronze once', { timeout: 240_000 }, async () => {
  const s = stackEnv('KAFKA_BROKERS', 'CASSANDRA_CONTACT_POINTS', 'CASSANDRA_LOCAL_DC');
  const id = randomBytes(4).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), `cashtag-it-fuzz-${id}-`));
  const env = fuzzRunEnv({ brokers: s.KAFKA_BROKERS, cassandra: { contactPoints: s.CASSANDRA_CONTACT_POINTS, localDc: s.CASSANDRA_LOCAL_DC }, id, dataDir, partitions: 3 });
  const cfg = loadConfig({}, { ...env, METRICS_PORT: '0' });
  const log = quietLogger();
  const placed = await produceCorpus(kafkaCorpus(RECORDS, 7), { brokers: cfg.kafkaBrokers, topicPrefix: cfg.kafkaTopicPrefix, partitions: cfg.kafkaPartitions, log });

  const run = await startSpeedLayer(cfg, log);
  let failed: unknown = null;
  run.done.catch((e: unknown) => (failed = e));
  let metrics = '';
  try {
    await until('the pipeline to read every record', async () => {
      if (failed) throw failed;
      metrics = await run.supervisor.metricsText();
      return metricSum(metrics, 'cashtag_source_records_total') >= placed.length;
    }, 120_000);
    const before = metricSum(metrics, 'cashtag_checkpoints_completed_total');
    await until('a checkpoint after the last record', async () => metricSum((metrics = await run.supervisor.metricsText()), 'cashtag_checkpoints_completed_total') > before, 60_000);
  } finally {
    await run.stop();
  }
  assert.equal(failed, null, 'the pipeline ran to the end');
  assert.equal(metricSum(metrics, 'cashtag_actor_restarts_total'), 0, 'no actor restarted');

  const db = await duckdb();
  const bronze = await readBronze(db, join(dataDir, 'lake', `${cfg.lakeBucketPrefix}twitter-bronze`));
  db.close();
  const f = judge(placed, bronze, await readDlq({ brokers: cfg.kafkaBrokers, topicPrefix: cfg.kafkaTopicPrefix }));
  const table = figuresTable(f);
  for (const v of VIOLATIONS) assert.equal(f[v], 0, `${v}\n${table}\n${f.examples.join('\n')}`);
  assert.ok(f.good > RECORDS / 4 && f.bad > RECORDS / 4, `a mix of good and bad records\n${table}`);
  assert.equal(f.bronzeDeadLetters, f.dlqMessages, 'the lake and the DLQ topics hold the same dead letters');

  const cql = new Cql({ contactPoints: cfg.cassandraContactPoints, localDataCenter: cfg.cassandraLocalDc });
  await cql.connect();
  await cql.execute(`DROP KEYSPACE IF EXISTS ${cfg.cassandraKeyspace}`).catch(() => undefined);
  await cql.shutdown();
});
