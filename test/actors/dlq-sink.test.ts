// The dead-letter sink on a fake context, a fake producer and a fake partition tail: each dead
// letter goes to its input topic's DLQ with its raw value and headers naming the reason, and a
// sink restarted after a crash skips what its partitions already have.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import createDlqSink from '../../src/actors/dlq-sink/actor.js';
import type { DeadLetter } from '../../src/domain/records.js';
import { topicNames } from '../../src/io/kafka/client.js';
import { Resources } from '../../src/runtime/resources.js';
import { batchInfo, startActor } from '../helpers/actor-harness.js';
import { fakeProducer, lastIn, provideProducer, provideTail } from '../helpers/fake-kafka.js';

const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
const TOPICS = topicNames('');
const dead = (topic: 'tweets' | 'stock-prices', offset: number): DeadLetter => ({ kind: 'dead-letter', topic, partition: 2, offset, ingestTs: T0, reason: 'not_json', detail: 'Unexpected end', raw: `{"offset": ${offset}` });

test('dlq sink: dead letters go to their input topic\'s DLQ partition with the raw value and headers; a restart skips what is there', async () => {
  const brokers = 'dlq-a:9092';
  const fake = fakeProducer();
  // One thread's scope: the restarted sink finds the same producer and partition writers.
  const resources = new Resources();
  await provideProducer(resources, 'dlq', [brokers], fake.producer);
  for (const topic of [TOPICS.tweetsDlq, TOPICS.pricesDlq]) await provideTail(resources, [brokers], topic, 2, lastIn(fake.sent, topic, 2));
  const options = { pipeline: 't', brokers: [brokers], topicPrefix: '' };
  const first = await startActor(createDlqSink, options, 'dlq-sink', 2, undefined, resources);
  await first.actor.handle!([dead('tweets', 4), dead('stock-prices', 1), dead('tweets', 9)], batchInfo);
  await first.actor.onBarrier!(1);
  const to = (topic: string) => fake.sent.filter((s) => s.topic === topic).flatMap((s) => s.messages);
  assert.deepEqual(to(TOPICS.tweetsDlq).map((m) => [m.partition, m.key, String(m.value)]), [[2, '2:4', '{"offset": 4'], [2, '2:9', '{"offset": 9']]);
  assert.deepEqual(to(TOPICS.pricesDlq).map((m) => m.key), ['2:1']);
  const h = to(TOPICS.tweetsDlq)[0].headers!;
  assert.deepEqual([h.reason, h.detail, h['source-topic'], h['source-partition'], h['source-offset']], ['not_json', 'Unexpected end', 'tweets', '2', '4']);
  const second = await startActor(createDlqSink, options, 'dlq-sink', 2, undefined, resources);
  await second.actor.handle!([dead('stock-prices', 1), dead('tweets', 9), dead('tweets', 12)], batchInfo);
  await second.actor.close!();
  assert.deepEqual(to(TOPICS.tweetsDlq).map((m) => m.key), ['2:4', '2:9', '2:12']);
  assert.deepEqual(to(TOPICS.pricesDlq).map((m) => m.key), ['2:1']);
  assert.equal(await second.metric('cashtag_sink_rows_skipped_total', 'sink="dlq"'), 2);
});

test('dlq sink: handle does not wait for Kafka; the barrier waits until every dead letter before it is acknowledged', async () => {
  const brokers = 'dlq-b:9092';
  const fake = fakeProducer();
  const resources = new Resources();
  await provideProducer(resources, 'dlq', [brokers], fake.producer);
  for (const topic of [TOPICS.tweetsDlq, TOPICS.pricesDlq]) await provideTail(resources, [brokers], topic, 2, lastIn(fake.sent, topic, 2));
  const sink = await startActor(createDlqSink, { pipeline: 't', brokers: [brokers], topicPrefix: '' }, 'dlq-sink', 2, undefined, resources);
  let acknowledge!: () => void;
  fake.state.held = new Promise((r) => (acknowledge = r));
  await sink.actor.handle!([dead('tweets', 4), dead('stock-prices', 1)], batchInfo);
  await sink.actor.handle!([dead('tweets', 5)], batchInfo);
  let barrierPassed = false;
  const barrier = Promise.resolve(sink.actor.onBarrier!(1)).then(() => (barrierPassed = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(barrierPassed, false, 'the barrier waits for the acknowledgements');
  assert.equal(fake.sent.length, 0);
  acknowledge();
  await barrier;
  assert.deepEqual(fake.sent.flatMap((s) => s.messages).map((m) => m.key), ['2:4', '2:1', '2:5']);
  assert.equal(await sink.metric('cashtag_sink_rows_written_total', 'sink="dlq"'), 3);
});
