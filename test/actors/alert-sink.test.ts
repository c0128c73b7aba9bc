// The alert sink on a fake context, a fake producer and a fake partition tail (what Kafka holds
// at the end of the partition): alerts are keyed and written as the contract says, and a sink
// restarted after a crash skips what its partition already has, so a replay from the last
// checkpoint writes each alert once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import createAlertSink, { alertJson } from '../../src/actors/alert-sink/actor.js';
import type { AlertRow } from '../../src/domain/records.js';
import { topicNames } from '../../src/io/kafka/client.js';
import { Resources } from '../../src/runtime/resources.js';
import { batchInfo, startActor } from '../helpers/actor-harness.js';
import { fakeProducer, lastIn, provideProducer, provideTail } from '../helpers/fake-kafka.js';

const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
const TOPICS = topicNames('');
const MIN = 60_000;
const alert = (minute: number, symbol: string): AlertRow => ({ kind: 'alert', seq: minute, symbol, windowStart: T0 + minute * MIN - 5 * MIN, windowEnd: T0 + minute * MIN, meanSentiment: -0.7, tweetCount: 4, open: 10, close: 9.5, change: -0.05 });

test('alert sink: each alert keyed symbol@window_end with the contract\'s JSON; a restarted sink skips what the topic has', async () => {
  const brokers = 'alerts-a:9092';
  const fake = fakeProducer();
  // One thread's scope: the restarted sink finds the same producer and partition writer.
  const resources = new Resources();
  await provideProducer(resources, 'alerts', [brokers], fake.producer);
  await provideTail(resources, [brokers], TOPICS.alerts, 3, lastIn(fake.sent, TOPICS.alerts, 3));
  const options = { pipeline: 't', brokers: [brokers], topicPrefix: '' };
  const first = await startActor(createAlertSink, options, 'alert-sink', 3, undefined, resources);
  await first.actor.handle!([alert(5, 'AAPL'), alert(5, 'TSLA'), alert(6, 'AAPL')], batchInfo);
  await first.actor.onBarrier!(1);
  const msgs = fake.sent.flatMap((s) => s.messages);
  assert.deepEqual(msgs.map((m) => [m.partition, m.key]), [[3, `AAPL@${T0 + 5 * MIN}`], [3, `TSLA@${T0 + 5 * MIN}`], [3, `AAPL@${T0 + 6 * MIN}`]]);
  assert.deepEqual(JSON.parse(String(msgs[0].value)), { topic: 'AAPL', window_start: new Date(T0).toISOString(), window_end: new Date(T0 + 5 * MIN).toISOString(), mean_sentiment: -0.7, tweet_count: 4, open_price: 10, close_price: 9.5, price_change: -0.05 });
  assert.equal(String(msgs[0].value), alertJson(alert(5, 'AAPL')));
  assert.ok(fake.sent.every((s) => s.acks === -1), 'acknowledged by all in-sync replicas');
  // A crash, and the replay from the last checkpoint brings the last two alerts again, then a new one.
  const second = await startActor(createAlertSink, options, 'alert-sink', 3, undefined, resources);
  await second.actor.handle!([alert(5, 'TSLA'), alert(6, 'AAPL'), alert(7, 'MSFT')], batchInfo);
  await second.actor.close!();
  assert.deepEqual(fake.sent.flatMap((s) => s.messages).map((m) => m.key), [`AAPL@${T0 + 5 * MIN}`, `TSLA@${T0 + 5 * MIN}`, `AAPL@${T0 + 6 * MIN}`, `MSFT@${T0 + 7 * MIN}`]);
  assert.equal(await second.metric('cashtag_sink_rows_skipped_total', 'sink="alerts"'), 2);
  assert.equal(await second.metric('cashtag_sink_rows_written_total', 'sink="alerts"'), 1);
  assert.match(second.log.lines.find((l) => l.level === 'info')?.msg ?? '', /alerts resume after the last one/);
});

test('alert sink: a failed send is counted and fails the next barrier', async () => {
  const brokers = 'alerts-b:9092';
  const fake = fakeProducer();
  const resources = new Resources();
  await provideProducer(resources, 'alerts', [brokers], fake.producer);
  await provideTail(resources, [brokers], TOPICS.alerts, 0, () => null);
  const s = await startActor(createAlertSink, { pipeline: 't', brokers: [brokers], topicPrefix: '' }, 'alert-sink', 0, undefined, resources);
  fake.state.failNext = 1;
  await s.actor.handle!([alert(1, 'AAPL')], batchInfo);
  await assert.rejects(async () => s.actor.onBarrier!(1), /broker not available/);
  assert.equal(await s.metric('cashtag_sink_errors_total', 'sink="alerts"'), 1);
  await assert.rejects(async () => s.actor.handle!([alert(2, 'AAPL')], batchInfo), /broker not available/, 'and every call after it');
});
