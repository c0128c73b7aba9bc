// One Kafka consumer per process (a member of the pipeline's consumer group), shared by the
// source actors on the main thread: each reads the queue of its own input partition.
//
// Guarantees:
// - backpressure: a topic partition whose queue passes `highWater` is paused and resumed below
//   `lowWater`, so memory stays bounded whatever the rate;
// - no offsets are committed automatically: sources commit what a completed checkpoint made
//   durable (commit()), so a crash replays from the last checkpoint;
// - every offset is delivered once per assignment: re-fetched messages (after a seek, a
//   rebalance or a retry) below the next expected offset are dropped.

import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { RawRecord, InputTopic } from '../../domain/records.js';
import type { Logger } from '../../runtime/actor.js';
import type { Clock } from '../../runtime/clock.js';
import type { RuntimeMetrics } from '../../runtime/metrics.js';
import { kafkaUnreachable, topicNames } from './client.js';

export interface HubSettings {
  groupId: string;
  topicPrefix: string;
  brokers: string[];
  pipeline: string;
  highWater: number;
  lowWater: number;
}

const tp = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * Longest a fetch waits at the broker for data. kafkajs's default (5 s) also paces its fetch loop
 * once partitions are paused and resumed, which backpressure does all the time: with it the
 * stack drained 1,500 tweets/s on an idle CPU; with 100 ms, over 14,000 (make bench-stack).
 */
const FETCH_MAX_WAIT_MS = 100;

export class ConsumerHub {
  private consumer: Consumer | null = null;
  private starting: Promise<void> | null = null;
  private readonly queues = new Map<string, RawRecord[]>();
  private readonly next = new Map<string, number>();
  private readonly paused = new Set<string>();
  private assigned = new Set<string>();
  private users = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly s: HubSettings,
    private readonly clock: Clock,
    private readonly metrics: RuntimeMetrics,
    private readonly log: Logger,
  ) {}

  /** Join the group and start fetching (once, however many sources call it). */
  start(): Promise<void> {
    this.users++;
    this.starting ??= this.connect();
    return this.starting;
  }

  private async connect(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.s.groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxBytesPerPartition: 1 << 20, maxWaitTimeInMs: FETCH_MAX_WAIT_MS });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const mine = new Set<string>();
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) for (const p of partitions) mine.add(tp(this.logical(topic), p));
      for (const key of this.assigned) {
        if (!mine.has(key)) {
          // Revoked: what was queued is replayed by the new owner from the committed offsets.
          this.queues.delete(key);
          this.next.delete(key);
        }
      }
      // Kept partitions (a rejoin after a broker restart or a crash of the consumer) continue
      // where this member was, not at the committed offset: nothing is read twice.
      for (const key of mine) {
        const next = this.next.get(key);
        if (next === undefined || !this.assigned.has(key)) continue;
        const [topic, p] = [key.slice(0, key.lastIndexOf('/')) as InputTopic, Number(key.slice(key.lastIndexOf('/') + 1))];
        try {
          consumer.seek({ topic: this.physical(topic), partition: p, offset: String(next) });
        } catch {
          // Re-fetched records below `next` are dropped in onBatch anyway.
        }
      }
      this.assigned = mine;
      for (const key of mine) {
        const cut = key.lastIndexOf('/');
        this.metrics.sourcePaused.set({ pipeline: this.s.pipeline, topic: key.slice(0, cut), partition: key.slice(cut + 1) }, this.paused.has(key) ? 1 : 0);
      }
      this.log.info('kafka partitions assigned', { groupId: this.s.groupId, partitions: [...mine] });
    });
    try {
      await consumer.connect();
      const names = topicNames(this.s.topicPrefix);
      await consumer.subscribe({ topics: [names.tweets, names.prices], fromBeginning: true });
    } catch (e) {
      throw kafkaUnreachable(this.s.brokers, e);
    }
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 4, eachBatch: (b) => this.onBatch(b) });
    this.consumer = consumer;
  }

  private logical(physical: string): InputTopic {
    return physical.slice(this.s.topicPrefix.length) as InputTopic;
  }

  private physical(topic: InputTopic): string {
    return this.s.topicPrefix + topic;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, pause }: EachBatchPayload): Promise<void> {
    const topic = this.logical(batch.topic);
    const key = tp(topic, batch.partition);
    const q = this.queues.get(key) ?? [];
    this.queues.set(key, q);
    const now = this.clock.now();
    for (const m of batch.messages) {
      // Ingest time is when the record entered the system: the producer's timestamp (CreateTime),
      // so end-to-end latency is measured from produce to sink commit.
      const ingestTs = Number(m.timestamp) || now;
      const offset = Number(m.offset);
      const expected = this.next.get(key);
      if (expected !== undefined && offset < expected) {
        resolveOffset(m.offset); // a re-fetch of something already queued or sought past
        continue;
      }
      this.next.set(key, offset + 1);
      q.push({ topic, partition: batch.partition, offset, key: m.key?.toString() ?? null, value: m.value?.toString() ?? '', ingestTs });
      resolveOffset(m.offset);
    }
    const labels = { pipeline: this.s.pipeline, topic, partition: String(batch.partition) };
    this.metrics.consumerLag.set(labels, Number(batch.offsetLag()));
    if (q.length >= this.s.highWater && !this.paused.has(key)) {
      this.paused.add(key);
      pause();
      this.metrics.sourcePaused.set(labels, 1);
    }
    await heartbeat();
  }

  /** Up to `max` queued records of one topic partition, in offset order. */
  take(topic: InputTopic, partition: number, max: number): RawRecord[] {
    const key = tp(topic, partition);
    const q = this.queues.get(key);
    if (!q || q.length === 0) return [];
    const out = q.splice(0, max);
    if (this.paused.has(key) && q.length <= this.s.lowWater && this.consumer) {
      this.paused.delete(key);
      this.consumer.resume([{ topic: this.physical(topic), partitions: [partition] }]);
      this.metrics.sourcePaused.set({ pipeline: this.s.pipeline, topic, partition: String(partition) }, 0);
    }
    return out;
  }

  /** Continue a topic partition at `offset` (restoring a checkpoint): queued records are dropped. */
  seek(topic: InputTopic, partition: number, offset: number): void {
    const key = tp(topic, partition);
    this.queues.set(key, []);
    this.next.set(key, offset);
    this.consumer?.seek({ topic: this.physical(topic), partition, offset: String(offset) });
  }

  /** Commit the next offsets to read, for the partitions this member still owns. */
  async commit(offsets: { topic: InputTopic; partition: number; offset: number }[]): Promise<void> {
    const mine = offsets.filter((o) => this.assigned.has(tp(o.topic, o.partition)));
    if (mine.length === 0 || !this.consumer) return;
    await this.consumer.commitOffsets(mine.map((o) => ({ topic: this.physical(o.topic), partition: o.partition, offset: String(o.offset) })));
  }

  owns(topic: InputTopic, partition: number): boolean {
    return this.assigned.has(tp(topic, partition));
  }

  /** Sources are done with it; the pipeline disconnects it after the last commit. */
  release(): void {
    this.users = Math.max(0, this.users - 1);
  }

  async close(): Promise<void> {
    const c = this.consumer;
    this.consumer = null;
    this.starting = null;
    await c?.disconnect();
  }
}

/** The hub of this thread for a group: the Kafka sources of one pipeline share it. */
const hubs = new Map<string, ConsumerHub>();
export function sharedHub(key: string, make: () => ConsumerHub): ConsumerHub {
  let h = hubs.get(key);
  if (!h) {
    h = make();
    hubs.set(key, h);
  }
  return h;
}
export async function closeSharedHubs(): Promise<void> {
  const all = [...hubs.values()];
  hubs.clear();
  await Promise.all(all.map((h) => h.close()));
}
