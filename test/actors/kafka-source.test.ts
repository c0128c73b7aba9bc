// The Kafka source on a fake context and a fake consumer hub (queues of records per topic
// partition): it takes tweets then ticks up to its batch size, declares a topic partition idle
// after IDLE_TIMEOUT on the clock once caught up, commits offsets only when the checkpoint
// holding them completes, seeks on restore, and with end offsets ends once drained.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import createKafkaSource from '../../src/actors/kafka-source/actor.js';
import type { KafkaSourceOptions } from '../../src/actors/kafka-source/protocol.js';
import type { SourceRecord } from '../../src/domain/records.js';
import type { ConsumerHub, HubRecord, HubSettings } from '../../src/io/kafka/consumer-hub.js';
import { Resources } from '../../src/runtime/resources.js';
import { startActor } from '../helpers/actor-harness.js';
import { provideHub } from '../helpers/fake-kafka.js';

type Topic = 'tweets' | 'stock-prices';

/** A hub holding partition `p`'s records in memory; records what the source asks of it. */
function fakeHub(p: number) {
  const queues = new Map<Topic, HubRecord[]>([['tweets', []], ['stock-prices', []]]);
  const calls = { commits: [] as { topic: string; partition: number; offset: number }[][], seeks: [] as [string, number, number][], started: 0, rewound: 0, released: 0 };
  const add = (topic: Topic, from: number, n: number) => {
    for (let i = 0; i < n; i++) queues.get(topic)!.push({ topic, partition: p, offset: from + i, key: null, value: `${topic}#${from + i}`, ingestTs: 0 } as HubRecord);
  };
  const hub = {
    start: async () => void calls.started++,
    rewind: async () => void calls.rewound++,
    release: () => void calls.released++,
    seek: (topic: Topic, _p: number, offset: number) => {
      calls.seeks.push([topic, _p, offset]);
      queues.set(topic, queues.get(topic)!.filter((r) => r.offset >= offset));
    },
    take: (topic: Topic, _p: number, max: number, end = Number.POSITIVE_INFINITY) => {
      const q = queues.get(topic)!;
      let n = 0;
      while (n < Math.min(max, q.length) && q[n].offset < end) n++;
      return q.splice(0, n);
    },
    caughtUp: (topic: Topic) => queues.get(topic)!.length === 0,
    drained: (topic: Topic, _p: number, end: number) => (queues.get(topic)![0]?.offset ?? end) >= end,
    commit: async (offsets: { topic: string; partition: number; offset: number }[]) => void calls.commits.push(offsets),
  };
  return { hub: hub as unknown as ConsumerHub, add, calls };
}

const hubSettings = (groupId: string): HubSettings => ({ groupId, topicPrefix: '', brokers: ['fake:9092'], pipeline: 't', highWater: 1_000, lowWater: 100, topics: ['tweets', 'stock-prices'], sessionTimeoutMs: 10_000 });
const options = (groupId: string, o: Partial<KafkaSourceOptions> = {}): KafkaSourceOptions => ({ pipeline: 't', hub: hubSettings(groupId), batchSize: 4, idleTimeoutMs: 5_000, endOffsets: null, ...o });
const keys = (rs: SourceRecord[]) => rs.map((r) => ('kind' in r ? `idle:${r.topic}` : `${r.topic}@${r.offset}`));

async function start(groupId: string, p: number, o: Partial<KafkaSourceOptions> = {}) {
  const fake = fakeHub(p);
  const resources = new Resources();
  await provideHub(resources, hubSettings(groupId), fake.hub);
  const s = await startActor(createKafkaSource, options(groupId, o), 'source', p, undefined, resources);
  return { ...s, ...fake };
}

test('kafka source: tweets first, ticks fill the batch; offsets in the snapshot; idle when nothing is there', async () => {
  const s = await start('g1', 1);
  assert.deepEqual([s.calls.started, s.calls.rewound], [1, 1], 'the hub is started and rewound to the committed offsets at init');
  s.add('tweets', 10, 3);
  s.add('stock-prices', 5, 3);
  assert.equal(await s.actor.produce!(), 'more');
  assert.deepEqual(keys(s.out()), ['tweets@10', 'tweets@11', 'tweets@12', 'stock-prices@5']);
  assert.deepEqual(s.actor.snapshot!(), { tweets: 13, prices: 6 });
  assert.equal(await s.actor.produce!(), 'more');
  assert.equal(await s.actor.produce!(), 'idle', 'nothing to read, and not idle for IDLE_TIMEOUT yet');
  assert.equal(await s.metric('cashtag_source_records_total', 'topic="stock-prices"'), 3);
});

test('kafka source: a caught-up topic partition with nothing for IDLE_TIMEOUT is declared idle once, until it has data again', async () => {
  const s = await start('g2', 0);
  s.add('tweets', 0, 2);
  await s.actor.produce!();
  s.clock.advance(4_999);
  assert.equal(await s.actor.produce!(), 'idle');
  s.clock.advance(1);
  assert.equal(await s.actor.produce!(), 'more');
  assert.deepEqual(keys(s.out()), ['tweets@0', 'tweets@1', 'idle:tweets', 'idle:stock-prices']);
  s.clock.advance(10_000);
  assert.equal(await s.actor.produce!(), 'idle', 'said once');
  s.add('tweets', 2, 1);
  await s.actor.produce!();
  s.clock.advance(5_000);
  await s.actor.produce!();
  assert.deepEqual(keys(s.out()).slice(4), ['tweets@2', 'idle:tweets'], 'data makes it count again; idle again after the timeout');
});

test('kafka source: offsets are committed when the checkpoint holding them completes, not before and not later ones', async () => {
  const s = await start('g3', 2);
  s.add('tweets', 0, 6);
  await s.actor.produce!();
  await s.actor.onBarrier!(1);
  await s.actor.produce!();
  assert.deepEqual(s.calls.commits, [], 'nothing committed at the barrier');
  await s.actor.onCheckpointComplete!(1);
  assert.deepEqual(s.calls.commits, [[{ topic: 'tweets', partition: 2, offset: 4 }]], 'the offsets of checkpoint 1, not the 6 read since');
  await s.actor.close!();
  await s.actor.onCheckpointComplete!(2);
  assert.deepEqual(s.calls.commits.at(-1), [{ topic: 'tweets', partition: 2, offset: 6 }], 'the final checkpoint commits where the source ended');
  assert.equal(s.calls.released, 1);
});

test('kafka source: restore seeks each topic to its snapshot offset', async () => {
  const s = await start('g4', 0);
  s.add('tweets', 0, 5);
  s.actor.restore!({ tweets: 3, prices: null });
  assert.deepEqual(s.calls.seeks, [['tweets', 0, 3]]);
  await s.actor.produce!();
  assert.deepEqual(keys(s.out()), ['tweets@3', 'tweets@4']);
});

test('kafka source: with end offsets it reads up to them and then says done', async () => {
  const s = await start('g5', 1, { endOffsets: { tweets: [0, 3], prices: [0, 0] } });
  s.add('tweets', 0, 5);
  assert.equal(await s.actor.produce!(), 'more');
  assert.equal(await s.actor.produce!(), 'done');
  assert.deepEqual(keys(s.out()), ['tweets@0', 'tweets@1', 'tweets@2']);
});
