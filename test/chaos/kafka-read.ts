// Kafka as the harness sees it, through its own clients (not the pipeline's): a topic read from
// its start to the end offsets of the moment, and whether a consumer group has committed up to
// those ends (the speed layer commits only after a checkpoint made everything before durable).
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';

export interface KafkaRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** End offsets of a topic's partitions (0 for a topic that does not exist). */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return new Map();
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
}

/** Every record of `topic` up to the end offsets it has when called; a throwaway consumer group. */
export async function readTopic(kafka: Kafka, topic: string, timeoutMs = 120_000): Promise<KafkaRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `chaos-reader-${randomBytes(4).toString('hex')}`;
  try {
    const lows = (await admin.listTopics()).includes(topic) ? new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.low)])) : new Map<number, number>();
    const ends = await endOffsets(admin, topic);
    const pending = new Set([...ends].filter(([p, high]) => high > (lows.get(p) ?? 0)).map(([p]) => p));
    if (pending.size === 0) return [];
    const out: KafkaRecord[] = [];
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`reading ${topic}: partitions ${[...pending].join(',')} not read to their end within ${timeoutMs} ms`)), timeoutMs);
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              const offset = Number(message.offset);
              if (offset >= ends.get(partition)!) return; // written after the ends were taken
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(Array.isArray(v) ? v[0] : v);
              out.push({ partition, offset, key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', headers });
              if (offset === ends.get(partition)! - 1) pending.delete(partition);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return out;
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Partitions whose committed offset (of `groupId`) is behind the end, as `topic/p committed/end`; [] = all caught up. */
export async function uncommitted(admin: Admin, groupId: string, topics: string[]): Promise<string[]> {
  const behind: string[] = [];
  for (const topic of topics) {
    const ends = await endOffsets(admin, topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const [p, end] of ends) {
      const c = Number(committed?.partitions.find((x) => x.partition === p)?.offset ?? -1);
      // -1: nothing committed, i.e. the start of the partition (fine only for an empty one).
      if ((c < 0 ? 0 : c) < end) behind.push(`${topic}/${p} ${c}/${end}`);
    }
  }
  return behind;
}
