// The shuffle sink on a fake context and a fake producer: rows go to the repartition topic's
// partition of their symbol, one message per target partition and batch, topic NONE left out;
// the watermark follows to every partition at most every 100 ms on the clock and at each barrier,
// in order; an idle input is announced to every partition; a failed send fails the actor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import createShuffleSink from '../../src/actors/shuffle-sink/actor.js';
import type { ShuffleMessage, ShuffleSinkOptions } from '../../src/actors/shuffle-sink/protocol.js';
import { UNTAGGED_TOPIC } from '../../src/domain/cashtags.js';
import type { PriceRow, TweetRow } from '../../src/domain/records.js';
import { topicNames } from '../../src/io/kafka/client.js';
import { decodeOwned } from '../../src/runtime/codec.js';
import { partitionFor } from '../../src/runtime/partitioner.js';
import { Resources } from '../../src/runtime/resources.js';
import { batchInfo, startActor } from '../helpers/actor-harness.js';
import { fakeProducer, provideProducer } from '../helpers/fake-kafka.js';

const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
const tweet = (offset: number, topic: string): TweetRow => ({ kind: 'tweet-row', id: `t1-${offset}`, topic, partition: 1, offset, createdAt: T0, ingestTs: T0, text: 'x', userId: 'u', sentimentScore: 0, late: false });
const price = (offset: number, symbol: string): PriceRow => ({ kind: 'price', id: `p1-${offset}`, symbol, partition: 1, offset, tradeTs: T0, ingestTs: T0, openPrice: 1, closePrice: 1, volume: 1, late: false });

type Rows = { o: number; t?: TweetRow[]; p?: PriceRow[]; w?: number; idle?: true };

async function start(brokers: string) {
  const options: ShuffleSinkOptions = { pipeline: 't', brokers: [brokers], topicPrefix: 'x-', partitions: 4 };
  const fake = fakeProducer();
  const resources = new Resources();
  await provideProducer(resources, 'shuffle', [brokers], fake.producer);
  const s = await startActor(createShuffleSink, options, 'shuffle-sink', 1, undefined, resources);
  const decoded = () => fake.sent.map((b) => ({ topic: b.topic, acks: b.acks, messages: b.messages.map((m) => ({ partition: m.partition, body: decodeOwned<ShuffleMessage>(m.value as Buffer) as Rows })) }));
  return { ...s, fake, decoded };
}

test('shuffle sink: rows go to their symbol\'s partition, one message per target, acked by all replicas; NONE stays behind', async () => {
  const s = await start('shuffle-a:9092');
  await s.actor.handle!([tweet(0, 'AAPL'), tweet(1, 'TSLA'), price(0, 'AAPL'), tweet(2, UNTAGGED_TOPIC), tweet(3, 'AAPL')], batchInfo);
  const [send] = s.decoded();
  assert.equal(send.topic, topicNames('x-').shuffle);
  assert.equal(send.acks, -1);
  const byPartition = new Map(send.messages.map((m) => [m.partition, m.body]));
  const aapl = byPartition.get(partitionFor('AAPL', 4))!;
  assert.deepEqual(aapl.t?.filter((r) => r.topic === 'AAPL').map((r) => r.id), ['t1-0', 't1-3']);
  assert.deepEqual(aapl.p?.map((r) => r.id), ['p1-0']);
  assert.equal(aapl.o, 1, 'the origin partition travels with the rows');
  const all = send.messages.flatMap((m) => [...(m.body.t ?? []), ...(m.body.p ?? [])]);
  assert.equal(all.length, 4, 'the NONE tweet is not shuffled');
  assert.equal(new Set(send.messages.map((m) => m.partition)).size, send.messages.length, 'one message per target partition');
  assert.equal(await s.metric('cashtag_sink_rows_written_total', 'sink="shuffle"'), 4);
  await s.actor.handle!([tweet(4, UNTAGGED_TOPIC)], batchInfo);
  assert.equal(s.fake.sent.length, 1, 'a batch of NONE tweets sends nothing');
});

test('shuffle sink: watermarks follow to every partition, at most every 100 ms and at a barrier', async () => {
  const s = await start('shuffle-b:9092');
  await s.actor.onWatermark!(T0);
  await s.actor.onWatermark!(T0 + 5);
  assert.equal(s.fake.sent.length, 0, 'held for the marker interval');
  s.clock.advance(100);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(s.decoded().map((b) => b.messages.map((m) => [m.partition, m.body.w])), [[[0, T0 + 5], [1, T0 + 5], [2, T0 + 5], [3, T0 + 5]]], 'the newest watermark, once, to all 4 partitions');
  await s.actor.onWatermark!(T0 + 9);
  await s.actor.onBarrier!(1);
  assert.equal(s.fake.sent.length, 2, 'the barrier sends the held watermark at once');
  await s.actor.onBarrier!(2);
  assert.equal(s.fake.sent.length, 2, 'nothing new: nothing sent');
  await s.actor.onIdle!();
  assert.deepEqual(s.decoded()[2].messages.map((m) => m.body), [0, 1, 2, 3].map(() => ({ o: 1, idle: true })));
});

test('shuffle sink: a failed send fails the batch, and a failed marker fails the next call', async () => {
  const s = await start('shuffle-c:9092');
  s.fake.state.failNext = 1;
  await assert.rejects(async () => s.actor.handle!([tweet(0, 'AAPL')], batchInfo), /broker not available/);
  assert.equal(await s.metric('cashtag_sink_errors_total', 'sink="shuffle"'), 1);
  s.fake.state.failNext = 1;
  await s.actor.onWatermark!(T0);
  s.clock.advance(100);
  await new Promise((r) => setImmediate(r));
  await assert.rejects(async () => s.actor.handle!([tweet(1, 'AAPL')], batchInfo), /broker not available/);
});
