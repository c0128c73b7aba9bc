// Faults against the real servers: a server missing at start, Cassandra stopped for 30 s in the
// middle of a run, and the Kafka broker restarted in the middle of a run. Nothing may be lost:
// every produced record ends up in Cassandra exactly once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { Client as Cql } from 'cassandra-driver';
import type { Config } from '../../src/config.js';
import { runProducer } from '../../src/pipelines/producers.js';
import { speedTopology, startSpeedLayer } from '../../src/pipelines/speed.js';
import type { GeneratorSourceOptions } from '../../src/actors/generator-source/protocol.js';
import { metricSum } from '../helpers/duckdb.js';
import { quietLogger } from '../helpers/runtime.js';
import { expectedFrom, isolatedConfig, until } from '../helpers/stack-run.js';

const root = new URL('../../../', import.meta.url).pathname;
const stack = (...args: string[]) => {
  const r = spawnSync(`${root}deploy/local/stack.sh`, args, { cwd: root, encoding: 'utf8', env: process.env });
  assert.equal(r.status, 0, `stack.sh ${args.join(' ')}: ${r.stdout}${r.stderr}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const [setting, value, names] of [
  ['KAFKA_BROKERS', '127.0.0.1:1', /Kafka at 127\.0\.0\.1:1 \(KAFKA_BROKERS\)/],
  ['CASSANDRA_CONTACT_POINTS', '127.0.0.1:1', /Cassandra at 127\.0\.0\.1:1 \(CASSANDRA_CONTACT_POINTS\)/],
  ['S3_ENDPOINT', 'http://127.0.0.1:1', /S3_ENDPOINT/],
] as const) {
  test(`a server missing at start stops start-up with an error naming it and ${setting}`, { timeout: 120_000 }, async () => {
    const { cfg } = isolatedConfig({ [setting]: value });
    await assert.rejects(startSpeedLayer(cfg, quietLogger()), (e: unknown) => {
      assert.match(e instanceof Error ? e.message : String(e), names);
      return true;
    });
  });
}

/** Produce steadily in the background; `stop()` resolves to the number sent per topic. */
function steadyProducers(cfg: Config) {
  const abort = new AbortController();
  const log = quietLogger();
  const generator = (speedTopology(cfg, cfg.epoch!).stages[0].options as GeneratorSourceOptions).generator;
  const topics = { partitions: cfg.kafkaPartitions, replicationFactor: 1, retentionMs: 3_600_000 };
  const run = (topic: 'tweets' | 'stock-prices', rate: number) =>
    runProducer({ topic, topicPrefix: cfg.kafkaTopicPrefix, brokers: cfg.kafkaBrokers, rate, limit: -1, source: { kind: 'generator', settings: generator }, batchSize: 50, topics, metricsPort: 0, log, signal: abort.signal });
  const tweets = run('tweets', 200);
  const prices = run('stock-prices', 50);
  return {
    stop: async () => {
      abort.abort();
      return { tweets: (await tweets).sent, prices: (await prices).sent };
    },
  };
}

async function countsIn(cfg: Config, table: 'tweets' | 'market_data', symbols: Iterable<string>): Promise<Map<string, number>> {
  const cql = new Cql({ contactPoints: cfg.cassandraContactPoints, localDataCenter: cfg.cassandraLocalDc });
  await cql.connect();
  try {
    const out = new Map<string, number>();
    for (const s of symbols) {
      const r = await cql.execute(`SELECT count(*) AS c FROM ${cfg.cassandraKeyspace}.${table} WHERE ${table === 'tweets' ? 'topic' : 'symbol'} = ?`, [s], { prepare: true });
      out.set(s, Number(r.first().get('c')));
    }
    return out;
  } finally {
    await cql.shutdown();
  }
}

async function outage(name: string, fault: () => Promise<void>): Promise<void> {
  const { cfg } = isolatedConfig({ MALFORMED_FRACTION: '0', SINK_RETRY_BUDGET: '180' });
  const log = quietLogger();
  const producers = steadyProducers(cfg);
  const run = await startSpeedLayer(cfg, log);
  try {
    await until('rows to reach the store', async () => metricSum(await run.supervisor.metricsText(), 'cashtag_sink_rows_written_total', 'sink="store"') > 500, 60_000);
    await fault();
    await sleep(5_000);
    const sent = await producers.stop();
    await until(`the pipeline to read everything produced across the ${name}`, async () => metricSum(await run.supervisor.metricsText(), 'cashtag_source_records_total') >= sent.tweets + sent.prices, 180_000, 1_000);
    await run.stop();
    const tweets = expectedFrom(cfg, 'tweets', sent.tweets);
    const prices = expectedFrom(cfg, 'stock-prices', sent.prices);
    assert.deepEqual(Object.fromEntries(await countsIn(cfg, 'tweets', tweets.perSymbol.keys())), Object.fromEntries(tweets.perSymbol), `tweets per symbol after the ${name}`);
    assert.deepEqual(Object.fromEntries(await countsIn(cfg, 'market_data', prices.perSymbol.keys())), Object.fromEntries(prices.perSymbol), `ticks per symbol after the ${name}`);
  } finally {
    await producers.stop().catch(() => undefined);
    await run.stop().catch(() => undefined);
  }
}

test('Cassandra stopped for 30 s mid-run: consumption pauses, nothing is lost, every row arrives after it returns', { timeout: 420_000 }, async () => {
  await outage('Cassandra outage', async () => {
    stack('down', 'cassandra');
    await sleep(30_000);
    stack('up', 'cassandra');
  });
});

test('the Kafka broker restarted mid-run: nothing is lost or duplicated', { timeout: 420_000 }, async () => {
  await outage('broker restart', async () => {
    stack('down', 'kafka');
    await sleep(3_000);
    stack('up', 'kafka');
  });
});

