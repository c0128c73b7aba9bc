// The shuffle source (ANALYTICS_SHUFFLE=kafka) on a fake context and a fake consumer hub holding
// repartition messages: each origin's rows once (a replayed message's rows dropped by origin
// offset), the watermark the minimum of the origins' markers and emitted after the rows before
// it, idle once every origin is idle, offsets committed only when a checkpoint completes, and a
// restored source going on from its snapshot with what an uninterrupted one emits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ShuffleMessage } from '../../src/actors/shuffle-sink/protocol.js';
import createShuffleSource from '../../src/actors/shuffle-source/actor.js';
import type { ShuffleSourceOptions } from '../../src/actors/shuffle-source/protocol.js';
import type { PriceRow, TweetRow } from '../../src/domain/records.js';
import { SHUFFLE_TOPIC } from '../../src/io/kafka/client.js';
import type { ConsumerHub, HubRecord, HubSettings } from '../../src/io/kafka/consumer-hub.js';
import { encodeOwned } from '../../src/runtime/codec.js';
import { Resources } from '../../src/runtime/resources.js';
import { startActor } from '../helpers/actor-harness.js';
import { provideHub } from '../helpers/fake-kafka.js';

const Q = 1;

/** A hub with partition Q of the repartition topic in memory: a log of messages and a read position. */
function fakeHub(messages: ShuffleMessage[]) {
  const log: HubRecord[] = messages.map((m, offset) => ({ topic: SHUFFLE_TOPIC, partition: Q, offset, key: null, value: '', bytes: Buffer.from(encodeOwned(m)), ingestTs: 0 }));
  let position = 0;
  const calls = { commits: [] as { topic: string; partition: number; offset: number }[][], seeks: [] as number[], released: 0 };
  const hub = {
    start: async () => undefined,
    rewind: async () => undefined,
    release: () => void calls.released++,
    seek: (_t: string, _p: number, offset: number) => {
      calls.seeks.push(offset);
      position = offset;
    },
    take: (_t: string, _p: number, max: number) => {
      const out = log.slice(position, position + max);
      position += out.length;
      return out;
    },
    commit: async (offsets: { topic: string; partition: number; offset: number }[]) => void calls.commits.push(offsets),
  };
  return { hub: hub as unknown as ConsumerHub, calls };
}

const settings: HubSettings = { groupId: 'g', topicPrefix: '', brokers: ['fake:9092'], pipeline: 't', highWater: 1_000, lowWater: 100, topics: ['tweets', 'stock-prices', SHUFFLE_TOPIC], sessionTimeoutMs: 10_000 };
const options = (batchMessages = 10): ShuffleSourceOptions => ({ pipeline: 't', hub: settings, batchMessages, partitions: 2 });
const tweet = (origin: number, offset: number) => ({ id: `t${origin}-${offset}`, offset }) as unknown as TweetRow;
const price = (origin: number, offset: number) => ({ id: `p${origin}-${offset}`, offset }) as unknown as PriceRow;
const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

/** Two origin partitions; origin 0's second message is replayed with one row already sent. */
const MESSAGES: ShuffleMessage[] = [
  { o: 0, t: [tweet(0, 1), tweet(0, 2)] },
  { o: 1, t: [tweet(1, 1)], p: [price(1, 1)] },
  { o: 0, w: 1_000 },
  { o: 1, w: 500 },
  { o: 0, t: [tweet(0, 2), tweet(0, 3)] },
  { o: 1, w: 2_000 },
];

async function start(messages: ShuffleMessage[], batchMessages?: number) {
  const fake = fakeHub(messages);
  const resources = new Resources();
  await provideHub(resources, settings, fake.hub);
  const s = await startActor(createShuffleSource, options(batchMessages), 'shuffle-source', Q, undefined, resources);
  return { ...s, ...fake };
}

test('shuffle source: rows once per origin offset, watermark = min of the origins after the rows before it', async () => {
  const s = await start(MESSAGES);
  let rowsAtWatermark = -1;
  const emitWatermark = s.ctx.emitWatermark;
  s.ctx.emitWatermark = async (ts) => {
    rowsAtWatermark = s.out().length;
    await emitWatermark(ts);
  };
  assert.equal(await s.actor.produce!(), 'more');
  assert.deepEqual(ids(s.out()), ['t0-1', 't0-2', 't1-1', 'p1-1', 't0-3'], 'the replayed t0-2 is dropped');
  assert.deepEqual(s.watermarks, [500, 1_000], 'no watermark until both origins sent one; then the minimum');
  assert.equal(rowsAtWatermark, 5, 'rows read before a marker are emitted before its watermark');
  assert.deepEqual(s.actor.snapshot!(), { next: 6, seenTweets: [3, 1], seenPrices: [-1, 1], watermarks: [1_000, 2_000] });
  assert.equal(await s.actor.produce!(), 'idle', 'nothing more to read');
});

test('shuffle source: offsets are committed when the checkpoint holding them completes, not before', async () => {
  const s = await start(MESSAGES, 4);
  await s.actor.produce!();
  await s.actor.onBarrier!(1);
  await s.actor.produce!();
  await s.actor.onBarrier!(2);
  assert.deepEqual(s.calls.commits, [], 'nothing committed at a barrier');
  await s.actor.onCheckpointComplete!(1);
  assert.deepEqual(s.calls.commits, [[{ topic: SHUFFLE_TOPIC, partition: Q, offset: 4 }]]);
  await s.actor.onCheckpointComplete!(2);
  assert.deepEqual(s.calls.commits.at(-1), [{ topic: SHUFFLE_TOPIC, partition: Q, offset: 6 }]);
  await s.actor.close!();
  assert.equal(s.calls.released, 1, 'close releases the hub');
});

test('shuffle source: idle once every origin said it is idle', async () => {
  const s = await start([{ o: 0, t: [tweet(0, 1)] }, { o: 0, idle: true }, { o: 1, idle: true }]);
  await s.actor.produce!();
  assert.deepEqual(ids(s.out()), ['t0-1']);
  assert.equal(s.idles(), 1);
});

test('shuffle source: restored from a snapshot, it seeks there and emits what an uninterrupted source emits after it', async () => {
  const whole = await start(MESSAGES);
  await whole.actor.produce!();
  const all = ids(whole.out());

  const first = await start(MESSAGES, 2);
  await first.actor.produce!();
  const state = first.actor.snapshot!();
  const head = ids(first.out());

  const second = await start(MESSAGES, 10);
  second.actor.restore!(state);
  assert.deepEqual(second.calls.seeks, [2]);
  await second.actor.produce!();
  assert.deepEqual([...head, ...ids(second.out())], all);
  assert.deepEqual(second.watermarks, whole.watermarks);
});
