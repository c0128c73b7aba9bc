// Topics cashtag needs, created idempotently at start-up: the two inputs (keyed by symbol, so
// co-partitioned), their dead-letter topics and the alerts topic. Existing topics are kept (a
// partition count that differs from the setting is reported, not changed).
import type { Kafka } from 'kafkajs';
import type { Logger } from '../../runtime/actor.js';
import { kafkaUnreachable, topicNames, type TopicNames } from './client.js';

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
  retentionMs: number;
}

export async function provisionTopics(kafka: Kafka, brokers: string[], s: TopicSettings, log: Logger, TOPICS: TopicNames = topicNames()): Promise<Map<string, number>> {
  const admin = kafka.admin();
  try {
    // kafkajs retries the connection itself (jittered backoff, about 15 s in all).
    await admin.connect().catch((e: unknown) => {
      throw kafkaUnreachable(brokers, e);
    });
    const config = [{ name: 'retention.ms', value: String(s.retentionMs) }];
    const wanted = [TOPICS.tweets, TOPICS.prices, TOPICS.tweetsDlq, TOPICS.pricesDlq, TOPICS.alerts];
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: s.partitions, replicationFactor: s.replicationFactor, configEntries: config })) });
      log.info('created Kafka topics', { topics: missing, partitions: s.partitions });
    }
    const meta = await admin.fetchTopicMetadata({ topics: wanted });
    const counts = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    if (counts.get(TOPICS.tweets) !== counts.get(TOPICS.prices)) {
      throw new Error(`topics ${TOPICS.tweets} (${counts.get(TOPICS.tweets)} partitions) and ${TOPICS.prices} (${counts.get(TOPICS.prices)}) must have the same partition count to be co-partitioned by symbol`);
    }
    for (const [t, n] of counts) if (n !== s.partitions) log.warn('existing topic has a different partition count than KAFKA_PARTITIONS', { topic: t, partitions: n, setting: s.partitions });
    return counts;
  } finally {
    await admin.disconnect();
  }
}
