// What a stack scenario leaves on the servers, removed once it is counted (unless --keep): its
// topics and consumer group, its keyspace, its buckets and their objects.
import type { Kafka } from 'kafkajs';
import type { Config } from '../../src/config.js';
import { topicNames } from '../../src/io/kafka/client.js';
import { connectS3, STACK_BUCKETS } from '../../src/io/lake/s3-client.js';
import { cassandraClient } from './stack-counts.js';

export async function cleanUp(cfg: Config, kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const mine = new Set<string>(Object.values(topicNames(cfg.kafkaTopicPrefix)));
    const topics = (await admin.listTopics()).filter((t) => mine.has(t));
    if (topics.length) await admin.deleteTopics({ topics });
    await admin.deleteGroups([cfg.kafkaGroupId]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  const cql = cassandraClient(cfg);
  try {
    await cql.execute(`DROP KEYSPACE IF EXISTS ${cfg.cassandraKeyspace}`);
  } finally {
    await cql.shutdown();
  }
  const { client } = connectS3({ endpoint: cfg.s3Endpoint, accessKey: cfg.s3AccessKey, secretKey: cfg.s3SecretKey, region: cfg.s3Region });
  for (const b of STACK_BUCKETS) {
    const bucket = cfg.lakeBucketPrefix + b;
    if (!(await client.bucketExists(bucket))) continue;
    const names: string[] = [];
    for await (const o of client.listObjectsV2(bucket, '', true) as AsyncIterable<{ name?: string }>) if (o.name) names.push(o.name);
    for (let i = 0; i < names.length; i += 1000) await client.removeObjects(bucket, names.slice(i, i + 1000));
    await client.removeBucket(bucket);
  }
}
