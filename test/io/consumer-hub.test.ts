// The consumer hub and topic provisioning with stand-ins for the kafkajs clients (unit test: what
// Kafka does is covered by the integration tests; this is the hub's own bookkeeping).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs, { type EachBatchPayload, type Kafka } from 'kafkajs';
import client from 'prom-client';
import { topicNames } from '../../src/io/kafka/client.js';
import { ConsumerHub } from '../../src/io/kafka/consumer-hub.js';
import { provisionTopics } from '../../src/io/kafka/provision.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { quietLogger } from '../helpers/runtime.js';

const { KafkaJSProtocolError } = kafkajs;

/** What a broker answers for a topic created a moment ago that its metadata does not list yet. */
const unknownPartition = () => new KafkaJSProtocolError({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true, message: 'This server does not host this topic-partition' } as unknown as Error);

function fakeKafka(admin: object = {}, subscribeFailures = 0) {
  const calls: string[] = [];
  let eachBatch!: (b: EachBatchPayload) => Promise<void>;
  let joined: (e: { payload: { memberId: string; memberAssignment: Record<string, number[]> } }) => void = () => undefined;
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join' },
    on: (_event: string, listener: typeof joined) => void (joined = listener),
    connect: async () => undefined,
    subscribe: async () => {
      calls.push('subscribe');
      if (subscribeFailures-- > 0) throw unknownPartition();
    },
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
  calls.length = 0;
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

test('consumer hub: subscribing to topics created a moment ago retries "This server does not host this topic-partition"', async () => {
  const { kafka, calls } = fakeKafka({}, 2);
  const hub = new ConsumerHub(kafka, { pipeline: 'speed', brokers: ['k:9092'], groupId: 'g', topicPrefix: 'x-', highWater: 10, lowWater: 4, topics: ['tweets'], sessionTimeoutMs: 30_000 }, new ManualClock(0), createMetrics(new client.Registry()), quietLogger());
  await hub.start();
  assert.deepEqual(calls, ['subscribe', 'subscribe', 'subscribe']);
});

test('provisioning: waiting for the leaders of new topics retries "This server does not host this topic-partition"', async () => {
  let creates = 0;
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => [],
    createTopics: async () => {
      if (++creates === 1) throw unknownPartition(); // created, but kafkajs gave up waiting for the leaders
      return false; // they exist now
    },
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({ topics: topics.map((name) => ({ name, partitions: [{}, {}, {}] })) }),
    createPartitions: async () => assert.fail('every topic has the inputs\' partition count'),
  };
  const counts = await provisionTopics({ admin: () => admin } as unknown as Kafka, ['k:9092'], { partitions: 3, replicationFactor: 1, retentionMs: 1 }, quietLogger(), topicNames('x-'));
  assert.equal(creates, 2);
  assert.equal(counts.get('x-tweets.dlq'), 3);
});

test('provisioning: dead-letter and alert topics with fewer partitions than the inputs get more', async () => {
  const partitions = new Map([['x-tweets', 4], ['x-stock-prices', 4], ['x-tweets.dlq', 1], ['x-stock-prices.dlq', 4], ['x-alerts', 2], ['x-speed-analytics-repartition', 4]]);
  const added: unknown[] = [];
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => [...partitions.keys()],
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({ topics: topics.map((name) => ({ name, partitions: Array.from({ length: partitions.get(name)! }, () => ({})) })) }),
    createPartitions: async ({ topicPartitions }: { topicPartitions: { topic: string; count: number }[] }) => {
      added.push(...topicPartitions);
      for (const t of topicPartitions) partitions.set(t.topic, t.count);
    },
  };
  const log = quietLogger();
  await provisionTopics({ admin: () => admin } as unknown as Kafka, ['k:9092'], { partitions: 4, replicationFactor: 1, retentionMs: 1 }, log, topicNames('x-'));
  assert.deepEqual(added, [{ topic: 'x-tweets.dlq', count: 4 }, { topic: 'x-alerts', count: 4 }]);
  assert.ok(log.lines.some((l) => l.msg.startsWith('added partitions')));
});
