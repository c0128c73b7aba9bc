// One Kafka consumer per process (a member of the pipeline's consumer group), shared by the
// source actors on the main thread: each reads the queue of its own input partition.
//
// Guarantees:
// - backpressure: a topic partition whose queue passes `highWater` is paused and resumed below
//   `lowWater`, so memory stays bounded whatever the rate;
// - no offsets are committed automatically: sources commit what a completed checkpoint made
//   durable (commit()), so a crash replays from the last checkpoint;
// - every offset is delivered once per assignment: re-fetched messages (after a seek, a
//   rebalance or a retry) below the next expected offset are dropped;
// - partitions are assigned by task (co-partitioned-assigner.ts): this member owns partition p
//   of every subscribed topic or of none; listeners hear of every change of the owned tasks.

import kafkajs, { type Admin, type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import type { InputTopic } from '../../domain/records.js';
import type { Logger } from '../../runtime/actor.js';
import type { Clock } from '../../runtime/clock.js';
import type { RuntimeMetrics } from '../../runtime/metrics.js';
import type { Resources } from '../../runtime/resources.js';
import { createKafka, kafkaUnreachable, retryKafka, SHUFFLE_TOPIC } from './client.js';
import { coPartitionedAssigner } from './co-partitioned-assigner.js';
import { RecordQueue } from './record-queue.js';

const { AssignerProtocol } = kafkajs;

/** Logical topic names the hub reads (without the prefix). */
export type HubTopic = InputTopic | typeof SHUFFLE_TOPIC;

/** A record as queued: input topics keep their text value; the repartition topic its bytes. */
export interface HubRecord {
  topic: HubTopic;
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  bytes?: Buffer;
  /** The producer's timestamp (when the record entered the system). */
  ingestTs: number;
  /** The value's bytes were not valid UTF-8 (parse dead-letters the record as `not_utf8`). */
  notUtf8?: boolean;
}

export interface HubSettings {
  groupId: string;
  topicPrefix: string;
  brokers: string[];
  pipeline: string;
  highWater: number;
  lowWater: number;
  /** Logical topics to subscribe to. */
  topics: HubTopic[];
  sessionTimeoutMs: number;
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
  private readonly queues = new Map<string, RecordQueue>();
  private readonly next = new Map<string, number>();
  /** The partition's end (high watermark) as the last fetch of it saw it. */
  private readonly ends = new Map<string, number>();
  private readonly paused = new Set<string>();
  private assigned = new Set<string>();
  private tasks: number[] | null = null;
  private readonly listeners = new Set<(tasks: number[]) => void>();
  private firstAssignment!: () => void;
  /** Resolves once the group has given this member its first assignment. */
  readonly assignedOnce = new Promise<void>((r) => (this.firstAssignment = r));
  private admin: Promise<Admin> | null = null;
  private users = 0;
  private memberId: string | null = null;

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
    const consumer = this.kafka.consumer({
      groupId: this.s.groupId,
      sessionTimeout: this.s.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(this.s.sessionTimeoutMs / 3)),
      maxBytesPerPartition: 1 << 20,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      partitionAssigners: [coPartitionedAssigner],
    });
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
        const [topic, p] = [key.slice(0, key.lastIndexOf('/')) as HubTopic, Number(key.slice(key.lastIndexOf('/') + 1))];
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
      const tasks = [...new Set([...mine].map((k) => Number(k.slice(k.lastIndexOf('/') + 1))))].sort((a, b) => a - b);
      const changed = this.tasks === null || tasks.join() !== this.tasks.join();
      this.tasks = tasks;
      this.memberId = e.payload.memberId;
      this.log.info('kafka partitions assigned', { groupId: this.s.groupId, memberId: e.payload.memberId, tasks, partitions: [...mine] });
      this.firstAssignment();
      if (changed) for (const l of this.listeners) l(tasks);
    });
    try {
      await consumer.connect();
      // Topics created a moment ago may not have a leader yet everywhere: kafkajs then answers
      // "This server does not host this topic-partition" or NOT_LEADER, which pass.
      await retryKafka(`subscribing to ${this.s.topics.map((t) => this.physical(t)).join(', ')}`, () => consumer.subscribe({ topics: this.s.topics.map((t) => this.physical(t)), fromBeginning: true }));
    } catch (e) {
      throw kafkaUnreachable(this.s.brokers, e);
    }
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 4, eachBatch: (b) => this.onBatch(b) });
    this.consumer = consumer;
  }

  private logical(physical: string): HubTopic {
    return physical.slice(this.s.topicPrefix.length) as HubTopic;
  }

  private physical(topic: HubTopic): string {
    return this.s.topicPrefix + topic;
  }

  private queue(topic: HubTopic, partition: number): RecordQueue {
    const key = tp(topic, partition);
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = new RecordQueue(topic, partition)));
    return q;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, pause }: EachBatchPayload): Promise<void> {
    const topic = this.logical(batch.topic);
    const key = tp(topic, batch.partition);
    const q = this.queue(topic, batch.partition);
    const messages = batch.messages;
    // A re-fetch of what is already queued or was sought past: a prefix (a batch is in offset order).
    const expected = this.next.get(key);
    let from = 0;
    while (expected !== undefined && from < messages.length && Number(messages[from].offset) < expected) from++;
    // Ingest time is when the record entered the system: the producer's timestamp (CreateTime),
    // so end-to-end latency is measured from produce to sink commit.
    q.push(messages, this.clock.now(), from);
    if (messages.length > 0) {
      const last = messages[messages.length - 1].offset;
      if (from < messages.length) this.next.set(key, Number(last) + 1);
      // Everything fetched is queued or was already: the next fetch starts after the batch.
      resolveOffset(last);
    }
    this.ends.set(key, Number(batch.highWatermark));
    const labels = { pipeline: this.s.pipeline, topic, partition: String(batch.partition) };
    this.metrics.consumerLag.set(labels, Number(batch.offsetLag()));
    if (q.length >= this.s.highWater && !this.paused.has(key)) {
      this.paused.add(key);
      pause();
      this.metrics.sourcePaused.set(labels, 1);
    }
    await heartbeat();
  }

  /** Up to `max` queued records of one topic partition, in offset order, those before `end` only. */
  take(topic: HubTopic, partition: number, max: number, end = Number.POSITIVE_INFINITY): HubRecord[] {
    const q = this.queues.get(tp(topic, partition));
    const out = q ? q.take(max, end) : [];
    if ((q?.length ?? 0) <= this.s.lowWater) this.resume(topic, partition);
    return out;
  }

  private resume(topic: HubTopic, partition: number): void {
    const key = tp(topic, partition);
    if (!this.paused.has(key) || !this.consumer) return;
    this.paused.delete(key);
    this.consumer.resume([{ topic: this.physical(topic), partitions: [partition] }]);
    this.metrics.sourcePaused.set({ pipeline: this.s.pipeline, topic, partition: String(partition) }, 0);
  }

  /** Continue a topic partition at `offset` (restoring a checkpoint): queued records are dropped. */
  seek(topic: HubTopic, partition: number, offset: number): void {
    const key = tp(topic, partition);
    this.queue(topic, partition).clear();
    this.next.set(key, offset);
    this.consumer?.seek({ topic: this.physical(topic), partition, offset: String(offset) });
    // Paused for a queue that is now empty: nothing else would resume it.
    this.resume(topic, partition);
  }

  /** Commit the next offsets to read, for the partitions this member still owns. */
  async commit(offsets: { topic: HubTopic; partition: number; offset: number }[]): Promise<void> {
    const mine = offsets.filter((o) => this.assigned.has(tp(o.topic, o.partition)));
    if (mine.length === 0 || !this.consumer) return;
    await this.consumer.commitOffsets(mine.map((o) => ({ topic: this.physical(o.topic), partition: o.partition, offset: String(o.offset) })));
  }

  /**
   * Everything the broker had for this partition when it was last fetched is taken (or it was
   * never fetched with data): what a source needs before it calls the partition idle. A paused
   * partition, or one behind its end (a backlog, a broker that went away mid-backlog), is not.
   */
  caughtUp(topic: HubTopic, partition: number): boolean {
    const key = tp(topic, partition);
    if ((this.queues.get(key)?.length ?? 0) > 0 || this.paused.has(key)) return false;
    const end = this.ends.get(key);
    return end === undefined || (this.next.get(key) ?? 0) >= end;
  }

  /**
   * Everything of this topic partition before `end` has been taken (`cashtag run --until-drained`:
   * `end` is the partition's end offset at start-up). A partition this member does not own has
   * nothing for it to read.
   */
  drained(topic: HubTopic, partition: number, end: number): boolean {
    const key = tp(topic, partition);
    if (!this.assigned.has(key)) return true;
    const head = this.queues.get(key)?.headOffset();
    if (head !== undefined) return head >= end;
    return (this.next.get(key) ?? 0) >= end;
  }

  /**
   * The end offset (high watermark) of every partition of `topics` now, by topic: where
   * `--until-drained` stops. Asked once at start-up, so records produced while the backlog drains
   * are left for the next run.
   */
  async endOffsets(topics: readonly HubTopic[]): Promise<Map<HubTopic, number[]>> {
    return this.perPartition(topics, (o) => Number(o.high));
  }

  /** The records each partition of `topics` holds now (end minus start offset). */
  async partitionSizes(topics: readonly HubTopic[]): Promise<Map<HubTopic, number[]>> {
    return this.perPartition(topics, (o) => Number(o.high) - Number(o.low));
  }

  private async perPartition(topics: readonly HubTopic[], value: (o: { high: string; low: string }) => number): Promise<Map<HubTopic, number[]>> {
    const admin = await this.connectedAdmin();
    const out = new Map<HubTopic, number[]>();
    for (const topic of topics) {
      const offsets = await retryKafka(`end offsets of topic ${this.physical(topic)}`, () => admin.fetchTopicOffsets(this.physical(topic)));
      const values: number[] = [];
      for (const o of offsets) values[o.partition] = value(o);
      out.set(topic, values);
    }
    return out;
  }

  owns(topic: HubTopic, partition: number): boolean {
    return this.assigned.has(tp(topic, partition));
  }

  /** The tasks (partition numbers) this member owns; null before the first assignment. */
  ownedTasks(): number[] | null {
    return this.tasks;
  }

  /** Called with the owned tasks whenever they change (a rebalance that moved partitions). */
  onTasksChanged(listener: (tasks: number[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The group's committed next offsets of partition p of each topic (-1: nothing committed).
   * Where a task's state may resume is decided by these (task-checkpoints.ts).
   */
  async committed(partition: number, topics: HubTopic[] = this.s.topics): Promise<Map<HubTopic, number>> {
    const admin = await this.connectedAdmin();
    const out = new Map<HubTopic, number>();
    const replies = await retryKafka(`committed offsets of group ${this.s.groupId}`, () => admin.fetchOffsets({ groupId: this.s.groupId, topics: topics.map((t) => this.physical(t)) }));
    for (const r of replies) {
      const ps = r.partitions.find((x) => x.partition === partition);
      out.set(this.logical(r.topic), ps ? Number(ps.offset) : -1);
    }
    return out;
  }

  /** The group's other members as `clientId@host` with the partitions they were given (for error messages). */
  async otherMembers(): Promise<string[]> {
    const admin = await this.connectedAdmin();
    const { groups } = await retryKafka(`members of group ${this.s.groupId}`, () => admin.describeGroups([this.s.groupId]));
    return (groups[0]?.members ?? [])
      .filter((m) => m.memberId !== this.memberId)
      .map((m) => {
        const a = m.memberAssignment.length ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment : undefined;
        const held = Object.entries(a ?? {}).map(([t, ps]) => `${t} ${ps.join(',')}`).join('; ');
        return `${m.clientId}@${m.clientHost} (member ${m.memberId}${held ? `, holding ${held}` : ''})`;
      });
  }

  /** One admin client per hub, connected on first use. */
  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const connecting = (async () => {
        const admin = this.kafka.admin();
        await admin.connect();
        return admin;
      })();
      // A failed connection is tried again by the next caller.
      connecting.catch(() => this.admin === connecting && (this.admin = null));
      this.admin = connecting;
    }
    return this.admin;
  }

  /**
   * Forget what was queued for partition p of `topics` and read them again from the group's
   * committed offsets (the earliest ones where none). A relaunched task without a snapshot starts
   * here, so the records its previous generation took but never committed are read again.
   */
  async rewind(topics: HubTopic[], partition: number): Promise<void> {
    const mine = topics.filter((t) => this.owns(t, partition));
    if (mine.length === 0) return;
    const committed = await this.committed(partition, mine);
    let admin: Admin | undefined; // only needed where nothing is committed
    for (const topic of mine) {
      let offset = committed.get(topic) ?? -1;
      if (offset < 0) {
        const a = (admin ??= await this.connectedAdmin());
        const offsets = await retryKafka(`offsets of topic ${this.physical(topic)}`, () => a.fetchTopicOffsets(this.physical(topic)));
        const low = offsets.find((x) => x.partition === partition)?.low;
        offset = Number(low ?? 0);
      }
      this.seek(topic, partition, offset);
    }
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
    const admin = this.admin;
    this.admin = null;
    await (await admin?.catch(() => null))?.disconnect();
  }
}

/** The key of a hub in a resource scope: one per (cluster, group, topic prefix). */
export const hubKey = (s: Pick<HubSettings, 'brokers' | 'groupId' | 'topicPrefix'>) => `kafka-hub|${s.brokers.join(',')}/${s.groupId}/${s.topicPrefix}`;

/**
 * The hub of `s` in `scope`: the group member every source actor of a thread reads through, and
 * the one the composition root waits on for the group's assignment (same scope, same settings).
 * Created on first ask (not yet connected: start() joins), closed with the scope.
 */
export function consumerHub(scope: Resources, s: HubSettings, log: Logger, clock: Clock, metrics: RuntimeMetrics): Promise<ConsumerHub> {
  return scope.get(hubKey(s), () => new ConsumerHub(createKafka({ brokers: s.brokers, clientId: `cashtag-${s.pipeline}` }, log), s, clock, metrics, log), (h) => h.close());
}
