// The tail reader against the real Kafka: the last message of each asked partition, with its
// headers; an empty partition is null; several asks at once share one short-lived group, and
// that group is gone afterwards.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { TailReader } from '../../src/io/kafka/partition-tail.js';

test('the last message of each partition, its headers, null for an empty one; no group is left', { timeout: 120_000 }, async () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  assert.ok(brokers.length > 0, 'KAFKA_BROKERS (make test-integration sets it)');
  const prefix = `tail-${randomBytes(4).toString('hex')}-`;
  const topic = `${prefix}letters`;
  const kafka = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    // Partition 0: five messages; partition 1: none; partition 2: two.
    for (let i = 0; i < 5; i++) await producer.send({ topic, messages: [{ partition: 0, value: `a${i}`, headers: { n: String(i) } }] });
    for (let i = 0; i < 2; i++) await producer.send({ topic, messages: [{ partition: 2, value: `c${i}`, headers: { n: `c${i}` } }] });
    const reader = new TailReader(kafka, prefix);
    const [p0, p1, p2] = await Promise.all([0, 1, 2].map((p) => reader.last(topic, p)));
    assert.deepEqual(p0, { offset: 4, headers: { n: '4' } });
    assert.equal(p1, null);
    assert.deepEqual(p2, { offset: 1, headers: { n: 'c1' } });
    // After two more messages the next read sees the new end.
    await producer.send({ topic, messages: [{ partition: 0, value: 'a5', headers: { n: '5' } }, { partition: 0, value: 'a6', headers: { n: '6' } }] });
    assert.deepEqual(await reader.last(topic, 0), { offset: 6, headers: { n: '6' } });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    assert.deepEqual(groups, [], 'the reads\' groups are deleted');
    await assert.rejects(reader.last(topic, 7), /has no partition 7 \(it has 3\)/);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
});
