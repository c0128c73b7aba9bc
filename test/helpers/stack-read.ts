// Reading what a stack-profile run left behind with clients other than the pipeline's own code:
// the S3 lake (minio client + parquetjs), Cassandra (the driver, plain CQL) and Kafka topics (a
// consumer group of the test's own).
import { ParquetReader } from '@dsnp/parquetjs';
import { Client as Cql } from 'cassandra-driver';
import kafkajs, { type IHeaders } from 'kafkajs';
import * as Minio from 'minio';
import type { Config } from '../../src/config.js';
import { parseS3Endpoint } from '../../src/io/lake/s3-client.js';

export interface LakeRow {
  /** The object key. */
  key: string;
  /** The Hive partition value in the key (`topic=AAPL` -> AAPL). */
  partition: string;
  row: Record<string, unknown>;
}

export function s3Client(cfg: Config): Minio.Client {
  const ep = parseS3Endpoint(cfg.s3Endpoint);
  return new Minio.Client({ endPoint: ep.endPoint, port: ep.port, useSSL: ep.useSSL, accessKey: cfg.s3AccessKey, secretKey: cfg.s3SecretKey, pathStyle: true, region: cfg.s3Region });
}

/** Every row of every Parquet file under `prefix` of the run's `bucket` (without the bucket prefix). */
export async function parquetRows(cfg: Config, bucket: string, prefix: string): Promise<LakeRow[]> {
  const s3 = s3Client(cfg);
  const name = `${cfg.lakeBucketPrefix}${bucket}`;
  const out: LakeRow[] = [];
  const keys: string[] = [];
  for await (const o of s3.listObjectsV2(name, prefix, true) as AsyncIterable<{ name: string }>) if (o.name.endsWith('.parquet')) keys.push(o.name);
  for (const key of keys) {
    const reader = await ParquetReader.openBuffer(Buffer.concat(await (await s3.getObject(name, key)).toArray()));
    const cursor = reader.getCursor();
    const partition = /=([^/]+)\//.exec(key)?.[1] ?? '';
    for (let row = (await cursor.next()) as Record<string, unknown> | null; row; row = (await cursor.next()) as Record<string, unknown> | null) out.push({ key, partition, row });
    await reader.close();
  }
  return out;
}

/** Rows per partition value (symbol), e.g. of bronze `tweets_v2/` or `stock_prices/`. */
export function countBy(rows: readonly LakeRow[], skip: readonly string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) if (!skip.includes(r.partition)) out[r.partition] = (out[r.partition] ?? 0) + 1;
  return out;
}

/** Rows per symbol in a Cassandra serving table, by plain `count(*)` per partition. */
export async function cassandraCounts(cfg: Config, table: 'tweets' | 'market_data', symbols: Iterable<string>): Promise<Record<string, number>> {
  const cql = new Cql({ contactPoints: cfg.cassandraContactPoints, localDataCenter: cfg.cassandraLocalDc });
  await cql.connect();
  try {
    const out: Record<string, number> = {};
    for (const s of symbols) {
      const r = await cql.execute(`SELECT count(*) AS c FROM ${cfg.cassandraKeyspace}.${table} WHERE ${table === 'tweets' ? 'topic' : 'symbol'} = ?`, [s], { prepare: true });
      out[s] = Number(r.first().get('c'));
    }
    return out;
  } finally {
    await cql.shutdown();
  }
}

export interface TopicMessage {
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

const strings = (h: IHeaders | undefined) => Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]));

/** Every message of a topic (physical name) up to its end when called, read by a group of the test's own. */
export async function topicMessages(cfg: Config, topic: string): Promise<TopicMessage[]> {
  const kafka = new kafkajs.Kafka({ clientId: 'it-reader', brokers: cfg.kafkaBrokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
  const out: TopicMessage[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `it-reader-${Math.random().toString(16).slice(2)}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic}: partitions ${[...remaining.keys()].join(',')} not read to their end in 60 s`)), 60_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const end = remaining.get(partition);
          if (end === undefined || Number(message.offset) >= end) return;
          out.push({ partition, offset: Number(message.offset), key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', headers: strings(message.headers) });
          if (Number(message.offset) === end - 1) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
