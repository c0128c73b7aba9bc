// The last message of Kafka topic partitions: how a sink learns, after a crash, what it had
// already written (ordered-partition-writer.ts).
//
// kafkajs fetches only as a member of a consumer group, so a read is a short-lived group of its
// own (`<prefix>cashtag-tail-<uuid>`, never shared): it joins, seeks each partition to its last
// message, reads those messages, leaves, and the group is deleted. Requests
// made within `collectMs` of each other share one such group (the sinks of a launch start
// together), and an empty partition needs no read at all.

import { randomUUID } from 'node:crypto';
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import { retryKafka } from './client.js';
import type { Resources } from '../../runtime/resources.js';

/** The last message of a partition: its offset and headers (as strings). */
export interface TailMessage {
  offset: number;
  headers: Record<string, string>;
}

interface Request {
  topic: string;
  partition: number;
  resolve: (m: TailMessage | null) => void;
  reject: (e: unknown) => void;
}

const headerStrings = (h: IHeaders | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(h ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? String(v[0]) : String(v)]])));

export class TailReader {
  private queued: Request[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupPrefix: string,
    private readonly o: { collectMs?: number; timeoutMs?: number } = {},
  ) {}

  /** The last message of `topic` partition `partition` (null: the partition holds none). */
  last(topic: string, partition: number): Promise<TailMessage | null> {
    return new Promise((resolve, reject) => {
      this.queued.push({ topic, partition, resolve, reject });
      this.timer ??= setTimeout(() => {
        this.timer = null;
        const batch = this.queued.splice(0);
        this.read(batch).catch((e: unknown) => batch.forEach((r) => r.reject(e)));
      }, this.o.collectMs ?? 50);
    });
  }

  private async read(requests: Request[]): Promise<void> {
    const admin = this.kafka.admin();
    await retryKafka('connecting the admin client', () => admin.connect());
    const groupId = `${this.groupPrefix}cashtag-tail-${randomUUID()}`;
    let found: Map<string, TailMessage>;
    try {
      // Where each partition ends: the message to read is the one before the end.
      const ends = new Map<string, { high: number; low: number }>();
      for (const topic of new Set(requests.map((r) => r.topic))) {
        const offsets = await retryKafka(`offsets of topic ${topic}`, () => admin.fetchTopicOffsets(topic));
        for (const o of offsets) ends.set(`${topic}/${o.partition}`, { high: Number(o.high), low: Number(o.low) });
      }
      const wanted = new Map<string, number>();
      for (const r of requests) {
        const end = ends.get(`${r.topic}/${r.partition}`);
        if (!end) throw new Error(`Kafka topic ${r.topic} has no partition ${r.partition} (it has ${[...ends.keys()].filter((k) => k.startsWith(`${r.topic}/`)).length}); cashtag gives it as many partitions as the input topics at start-up`);
        if (end.high > end.low) wanted.set(`${r.topic}/${r.partition}`, end.high - 1);
      }
      found = wanted.size > 0 ? await this.fetch(groupId, wanted) : new Map<string, TailMessage>();
    } finally {
      await admin.deleteGroups([groupId]).catch(() => undefined); // absent when nothing was read
      await admin.disconnect();
    }
    // Answered once the group is gone: a read leaves nothing behind when it returns.
    for (const r of requests) r.resolve(found.get(`${r.topic}/${r.partition}`) ?? null);
  }

  /** Read the message at each wanted offset through a consumer group of our own. */
  private async fetch(groupId: string, wanted: Map<string, number>): Promise<Map<string, TailMessage>> {
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const [key, offset] of wanted) {
      const [topic, partition] = [key.slice(0, key.lastIndexOf('/')), Number(key.slice(key.lastIndexOf('/') + 1))];
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset: String(offset) }]);
    }
    const found = new Map<string, TailMessage>();
    const consumer: Consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    try {
      await consumer.connect();
      // Partitions without a set offset start at their end and deliver nothing of interest.
      await retryKafka(`subscribing to ${[...byTopic.keys()].join(', ')}`, () => consumer.subscribe({ topics: [...byTopic.keys()], fromBeginning: false }));
      await new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error(`reading the last message of ${[...wanted.keys()].filter((k) => !found.has(k)).join(', ')} took over ${this.o.timeoutMs ?? 60_000} ms`)), this.o.timeoutMs ?? 60_000);
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const key = `${batch.topic}/${batch.partition}`;
              const at = wanted.get(key);
              const m = batch.messages.find((x) => Number(x.offset) === at);
              if (m && !found.has(key)) found.set(key, { offset: Number(m.offset), headers: headerStrings(m.headers) });
              if (found.size === wanted.size) {
                clearTimeout(timeout);
                resolve();
              }
            },
          })
          .catch((e: unknown) => {
            clearTimeout(timeout);
            reject(e);
          });
        // Seeks apply once the group assigns the partitions. (admin.setOffsets before joining did
        // the same through a consumer of its own that took ~5 s to stop, at every sink start.)
        for (const [topic, partitions] of byTopic) for (const p of partitions) consumer.seek({ topic, partition: p.partition, offset: p.offset });
      });
      return found;
    } finally {
      await consumer.disconnect();
    }
  }
}

/** The key of a tail reader in a resource scope: one per cluster and topic prefix. */
export const tailReaderKey = (brokers: string[], groupPrefix: string) => `kafka-tail|${brokers.join(',')}|${groupPrefix}`;

/** The tail reader of a cluster in `scope`: the sinks of a thread share its reads. */
export function tailReader(scope: Resources, brokers: string[], groupPrefix: string, kafka: () => Kafka): Promise<TailReader> {
  return scope.get(tailReaderKey(brokers, groupPrefix), () => new TailReader(kafka(), groupPrefix));
}
