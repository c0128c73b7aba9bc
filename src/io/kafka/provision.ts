// Topics cashtag needs, created idempotently at start-up: the two inputs (keyed by symbol, so
// co-partitioned), their dead-letter topics, the alerts topic and the speed layer's repartition topic. Existing topics are kept (a
// partition count that differs from the setting is reported, not changed).
import type { Admin, Kafka } from 'kafkajs';
import { retry } from '../../runtime/backoff.js';
import type { Logger } from '../../runtime/actor.js';
import { kafkaUnreachable, retryKafka, topicNames, type TopicNames } from './client.js';

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
  retentionMs: number;
}

/** Partition counts of topics; retried while a topic just created is not known to every broker yet. */
async function metadata(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const meta = await retry('Kafka topic metadata', () => admin.fetchTopicMetadata({ topics }), { attempts: 10, backoff: { minMs: 200, maxMs: 2_000, jitter: 0.2 } });
  return new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
}

export async function provisionTopics(kafka: Kafka, brokers: string[], s: TopicSettings, log: Logger, TOPICS: TopicNames = topicNames()): Promise<Map<string, number>> {
  const admin = kafka.admin();
  try {
    // kafkajs retries the connection itself (jittered backoff, about 15 s in all).
    await admin.connect().catch((e: unknown) => {
      throw kafkaUnreachable(brokers, e);
    });
    const config = [{ name: 'retention.ms', value: String(s.retentionMs) }];
    // The speed layer's repartition topic (ANALYTICS_SHUFFLE=kafka) has the inputs' partition
    // count: its partition p belongs to the same task as the inputs' partition p.
    const wanted = [TOPICS.tweets, TOPICS.prices, TOPICS.tweetsDlq, TOPICS.pricesDlq, TOPICS.alerts, TOPICS.shuffle];
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      const inputs = existing.has(TOPICS.tweets) ? (await metadata(admin, [TOPICS.tweets])).get(TOPICS.tweets) : undefined;
      // Another process (a producer, a replica) may create the same topics at the same moment.
      // While kafkajs waits for the new topics' leaders, the broker may answer "This server does
      // not host this topic-partition" (its metadata is not updated yet), on which kafkajs gives
      // up: tried again, the topics exist and the wait goes on.
      await retryKafka(`creating topics ${missing.join(', ')}`, () =>
        admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: topic === TOPICS.shuffle ? (inputs ?? s.partitions) : s.partitions, replicationFactor: s.replicationFactor, configEntries: config })) }),
      );
      log.info('created Kafka topics', { topics: missing, partitions: s.partitions });
    }
    let counts = await metadata(admin, wanted);
    // The dead-letter and alert sinks of task p write to partition p of their topics
    // (ordered-partition-writer.ts), so these need at least the inputs' partition count.
    const inputs = counts.get(TOPICS.tweets) ?? s.partitions;
    const short = [TOPICS.tweetsDlq, TOPICS.pricesDlq, TOPICS.alerts].filter((t) => (counts.get(t) ?? 0) < inputs);
    if (short.length > 0) {
      // Another process starting at the same moment may add them first: then the counts suffice.
      const added = await admin.createPartitions({ topicPartitions: short.map((topic) => ({ topic, count: inputs })) }).then(() => null, (e: unknown) => e);
      counts = await metadata(admin, wanted);
      const still = short.filter((t) => (counts.get(t) ?? 0) < inputs);
      if (still.length > 0) throw new Error(`Kafka topics ${still.join(', ')} have fewer partitions than ${TOPICS.tweets} (${inputs}) and adding them failed: ${added instanceof Error ? added.message : String(added)}`);
      log.info('added partitions to topics that had fewer than the input topics', { topics: short, partitions: inputs });
    }
    for (const t of [TOPICS.prices, TOPICS.shuffle]) {
      if (counts.get(t) !== counts.get(TOPICS.tweets)) {
        throw new Error(`topics ${TOPICS.tweets} (${counts.get(TOPICS.tweets)} partitions) and ${t} (${counts.get(t)}) must have the same partition count to be co-partitioned by symbol`);
      }
    }
    for (const [t, n] of counts) if (n !== s.partitions) log.warn('existing topic has a different partition count than KAFKA_PARTITIONS', { topic: t, partitions: n, setting: s.partitions });
    return counts;
  } finally {
    await admin.disconnect();
  }
}
