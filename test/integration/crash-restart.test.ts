// The pipeline itself killed (SIGKILL) and restarted at once, and a second process in the same
// consumer group, against the real servers. Read afterwards with clients other than the
// pipeline's: each dead letter and each alert is in its Kafka topic exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import type { Config } from '../../src/config.js';
import { topicNames } from '../../src/io/kafka/client.js';
import { countBy, parquetRows, topicMessages } from '../helpers/stack-read.js';
import { expectedFrom, isolatedConfig, pipelineMetric, sleep, startPipeline, steadyProducers, until, type PipelineProcess } from '../helpers/stack-run.js';

/** True once the group has committed the end of every partition of the input topics. */
async function consumedToTheEnd(cfg: Config): Promise<boolean> {
  const admin = new kafkajs.Kafka({ brokers: cfg.kafkaBrokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const topic of [topicNames(cfg.kafkaTopicPrefix).tweets, topicNames(cfg.kafkaTopicPrefix).prices]) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: cfg.kafkaGroupId, topics: [topic] });
      for (const e of ends) {
        const c = committed.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
        if ((c === '-1' ? e.low : c) !== e.high) return false;
      }
    }
    return true;
  } finally {
    await admin.disconnect();
  }
}

const duplicates = (keys: string[]) => keys.filter((k, i) => keys.indexOf(k) !== i);

test('kill -9 with dead letters flowing and an immediate restart: it starts, and every dead letter and alert is in its topic once', { timeout: 360_000 }, async () => {
  const { cfg, env } = isolatedConfig({
    MALFORMED_FRACTION: '0.05',
    // Dead letters written after the last checkpoint are read again by the restarted run.
    CHECKPOINT_INTERVAL: '10',
    // The restart comes well within it, so the killed member is still in the group.
    KAFKA_SESSION_TIMEOUT: '20',
    EVENT_RATE: '20', // 10 s of event time per second: windows (and alerts) close during the run
    SYMBOLS: 'AAPL,TSLA,MSFT,NVDA,AMZN,META,GOOGL,AMD', // every Kafka partition gets records (and watermarks)
    ALERT_SENTIMENT_BELOW: '1', // about every other window is an alert
    ALERT_PRICE_DROP: '0',
    ACTOR_THREADS: '1',
    SCORE_THREADS: '1',
  });
  const producers = steadyProducers(cfg, { tweets: 200, prices: 40 });
  const running: PipelineProcess[] = [];
  try {
    const a = await startPipeline('a', env);
    running.push(a);
    await until('dead letters and alerts in their topics', async () => (await pipelineMetric(a, 'cashtag_sink_rows_written_total', 'sink="dlq"')) > 100 && (await pipelineMetric(a, 'cashtag_sink_rows_written_total', 'sink="alerts"')) > 0, 120_000, 1_000);
    a.proc.kill('SIGKILL');
    await a.exited;
    const b = await startPipeline('b', env);
    running.push(b);
    await until('the restarted pipeline to start', async () => b.output().includes('speed layer running') || b.proc.exitCode !== null, 120_000);
    assert.equal(b.proc.exitCode, null, `the restart keeps running:\n${b.output().slice(-2_000)}`);
    assert.match(b.output(), /joining the Kafka consumer group takes a while: a member that stopped without leaving/, 'it says why it waits');
    await sleep(15_000);
    const sent = await producers.stop();
    await until('the restarted pipeline to commit the end of its inputs', () => consumedToTheEnd(cfg), 120_000, 2_000);
    const skipped = await pipelineMetric(b, 'cashtag_sink_rows_skipped_total', 'sink="dlq"');
    b.proc.kill('SIGTERM');
    assert.equal(await b.exited, 0, 'the restarted pipeline stops cleanly');
    assert.ok(skipped > 0, `the replay brought dead letters the killed run had written, and they were skipped (${skipped})`);

    const names = topicNames(cfg.kafkaTopicPrefix);
    const expected = { 'tweets': expectedFrom(cfg, 'tweets', sent.tweets).dead, 'stock-prices': expectedFrom(cfg, 'stock-prices', sent.prices).dead };
    assert.ok(expected.tweets > 0 && expected['stock-prices'] > 0, `malformed records of both topics were produced (${JSON.stringify(expected)})`);
    assert.deepEqual(countBy(await parquetRows(cfg, 'twitter-bronze', 'dead_letters/')), expected, 'dead letters in bronze');
    for (const [input, dlq] of [['tweets', names.tweetsDlq], ['stock-prices', names.pricesDlq]] as const) {
      const messages = await topicMessages(cfg, dlq);
      const keys = messages.map((m) => `${m.headers['source-partition']}:${m.headers['source-offset']}`);
      assert.deepEqual(duplicates(keys), [], `no dead letter twice in ${dlq}`);
      assert.equal(messages.length, expected[input], `every dead letter of ${input} in ${dlq}`);
      assert.ok(messages.every((m) => String(m.partition) === m.headers['source-partition']), `${dlq}: partition p holds input partition p's dead letters`);
    }
    const alerts = await topicMessages(cfg, names.alerts);
    assert.ok(alerts.length > 0, 'alerts were written');
    assert.deepEqual(duplicates(alerts.map((m) => m.key)), [], 'no alert twice in the alerts topic');
  } finally {
    await producers.stop().catch(() => undefined);
    for (const p of running) p.proc.kill('SIGKILL');
  }
});

test('a second live process in the same consumer group waits, then stops with an error naming KAFKA_GROUP_ID; the first keeps every partition', { timeout: 240_000 }, async () => {
  const { env } = isolatedConfig({ KAFKA_SESSION_TIMEOUT: '6', ACTOR_THREADS: '1', SCORE_THREADS: '1' });
  const running: PipelineProcess[] = [];
  try {
    const a = await startPipeline('a', env);
    running.push(a);
    await until('the first process to own every partition', async () => (await pipelineMetric(a, 'cashtag_owned_tasks')) === 3, 120_000);
    const b = await startPipeline('b', env);
    running.push(b);
    const code = await b.exited;
    assert.notEqual(code, 0, 'the second process exits with an error');
    assert.match(b.output(), /owns only part of the partitions: waiting/, 'it waited first, saying why');
    assert.match(b.output(), /another live member of consumer group it-[0-9a-f]+ \(KAFKA_GROUP_ID\) holds the others: cashtag-speed@/);
    await until('the first process to own every partition again', async () => (await pipelineMetric(a, 'cashtag_owned_tasks')) === 3, 60_000);
    assert.equal(a.proc.exitCode, null, `the first process keeps running:\n${a.output().slice(-2_000)}`);
    a.proc.kill('SIGTERM');
    assert.equal(await a.exited, 0, 'the first process stops cleanly');
  } finally {
    for (const p of running) p.proc.kill('SIGKILL');
  }
});
