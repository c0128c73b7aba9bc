// The consumer hub's backpressure with a stand-in for the kafkajs consumer (unit test: what
// Kafka does is covered by the integration tests; this is the hub's own bookkeeping).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs, { type EachBatchPayload, type Kafka } from 'kafkajs';
import client from 'prom-client';
import { ConsumerHub } from '../../src/io/kafka/consumer-hub.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { quietLogger } from '../helpers/runtime.js';

const { KafkaJSProtocolError } = kafkajs;

function fakeKafka(admin: object = {}) {
  const calls: string[] = [];
  let eachBatch!: (b: EachBatchPayload) => Promise<void>;
  let joined: (e: { payload: { memberId: string; memberAssignment: Record<string, number[]> } }) => void = () => undefined;
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join' },
    on: (_event: string, listener: typeof joined) => void (joined = listener),
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (o: { eachBatch: typeof eachBatch }) => void (eachBatch = o.eachBatch),
    resume: (ts: { topic: string; partitions: number[] }[]) => void calls.push(`resume ${ts[0].topic}/${ts[0].partitions[0]}`),
    seek: (s: { topic: string; partition: number; offset: string }) => void calls.push(`seek ${s.topic}/${s.partition}@${s.offset}`),
    disconnect: async () => undefined,
  };
  const kafka = { consumer: () => consumer, admin: () => Object.assign(admin, { connect: async () => undefined, disconnect: async () => undefined }) } as unknown as Kafka;
  /** The group assigns these partitions of each topic to this member. */
  const assign = (memberAssignment: Record<string, number[]>) => joined({ payload: { memberId: 'm', memberAssignment } });
  /** Deliver offsets [from, from+n) of a topic partition, as kafkajs's fetch loop does. */
  const deliver = (topic: string, partition: number, from: number, n: number) =>
    eachBatch({
      batch: { topic, partition, messages: Array.from({ length: n }, (_, i) => ({ offset: String(from + i), timestamp: '1', key: null, value: Buffer.from('{}') })), offsetLag: () => '0' },
      resolveOffset: () => undefined,
      heartbeat: async () => undefined,
      pause: () => (calls.push(`pause ${topic}/${partition}`), () => undefined),
    } as unknown as EachBatchPayload);
  return { kafka, calls, deliver, assign };
}

test('consumer hub: a partition paused at the high-water mark resumes when drained, and when a seek empties its queue', async () => {
  const { kafka, calls, deliver } = fakeKafka();
  const hub = new ConsumerHub(kafka, { pipeline: 'speed', brokers: ['k:9092'], groupId: 'g', topicPrefix: 'x-', highWater: 10, lowWater: 4, topics: ['tweets'], sessionTimeoutMs: 30_000 }, new ManualClock(0), createMetrics(new client.Registry()), quietLogger());
  await hub.start();
  await deliver('x-tweets', 0, 0, 12);
  assert.deepEqual(calls, ['pause x-tweets/0']);
  assert.equal(hub.take('tweets', 0, 5).length, 5);
  assert.deepEqual(calls, ['pause x-tweets/0'], '7 queued: above the low-water mark');
  assert.equal(hub.take('tweets', 0, 5).length, 5);
  assert.deepEqual(calls.slice(1), ['resume x-tweets/0']);

  calls.length = 0;
  await deliver('x-tweets', 0, 12, 12);
  assert.deepEqual(calls, ['pause x-tweets/0']);
  // A restore seeks back while the partition is paused: the queue is emptied, so nothing else
  // would ever resume it (this stalled a pipeline started on a backlog).
  hub.seek('tweets', 0, 3);
  assert.deepEqual(calls.slice(1), ['seek x-tweets/0@3', 'resume x-tweets/0']);
  await deliver('x-tweets', 0, 0, 6);
  assert.deepEqual(hub.take('tweets', 0, 100).map((r) => r.offset), [3, 4, 5], 'records before the seek offset are dropped');
});

test('consumer hub: rewinding a task of a topic created a moment ago retries the leader Kafka has not elected yet', async () => {
  let attempts = 0;
  const admin = {
    fetchOffsets: async () => [{ topic: 'x-tweets', partitions: [{ partition: 1, offset: '-1' }] }],
    fetchTopicOffsets: async () => {
      if (++attempts < 3) throw new KafkaJSProtocolError({ type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true, message: 'This server is not the leader for that topic-partition' } as unknown as Error);
      return [{ partition: 1, offset: '9', high: '9', low: '4' }];
    },
  };
  const { kafka, calls, assign } = fakeKafka(admin);
  const hub = new ConsumerHub(kafka, { pipeline: 'speed', brokers: ['k:9092'], groupId: 'g', topicPrefix: 'x-', highWater: 10, lowWater: 4, topics: ['tweets'], sessionTimeoutMs: 30_000 }, new ManualClock(0), createMetrics(new client.Registry()), quietLogger());
  await hub.start();
  assign({ 'x-tweets': [1] });
  calls.length = 0;
  await hub.rewind(['tweets'], 1);
  assert.equal(attempts, 3);
  assert.deepEqual(calls, ['seek x-tweets/1@4'], 'nothing committed: the task starts at the earliest offset');

  admin.fetchTopicOffsets = async () => {
    throw new KafkaJSProtocolError({ type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false, message: 'Not authorized to access topics' } as unknown as Error);
  };
  await assert.rejects(hub.rewind(['tweets'], 1), /Kafka offsets of topic x-tweets: failed after 1 attempt\(s\): Not authorized/);
});
