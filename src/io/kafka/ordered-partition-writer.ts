// Exactly-once output to a Kafka topic without transactions, for a sink whose messages have a
// position that only grows (a dead letter's source offset, an alert's window end and symbol).
//
// Guarantee: every position is written to the partition once, across crashes, restarts and
// failovers, provided that
//   1. one writer owns the partition: the sink instance of task p writes to partition p, and the
//      consumer group gives task p to one process (a replica that lost the task but still writes,
//      cut off from the group, could add a duplicate: transactions would fence it, see below);
//   2. the writer gets its messages in position order, and a replay after a crash gives the same
//      message for the same position (the sink's input is replayed from the last checkpoint);
//   3. writes reach the partition in order and as a prefix of what was sent: sends to one
//      partition are serialised here, and the producer is idempotent (acks from all replicas).
// Then the partition always holds a prefix of the position-ordered output, and its last message
// says where that prefix ends: on (re)start the writer reads it (partition-tail.ts) and skips what
// is at or before it. The position travels in the `cashtag-position` header.
//
// Why not a Kafka transaction per checkpoint: a checkpoint is saved, then the transaction is
// committed, as two steps. A crash between them either loses the dead letters of the last
// checkpoint interval (the new producer aborts the open transaction, and the sources resume after
// the checkpoint) or, committing first, rewrites them on replay. Flink's two-phase-commit sink
// closes that window by committing the pending transaction on recovery, which needs the old
// producer id and epoch; kafkajs cannot resume a transaction. Reading the tail needs neither,
// and readers need no read_committed.

import type { Producer } from 'kafkajs';
import type { Resources } from '../../runtime/resources.js';
import type { TailMessage } from './partition-tail.js';

/** Where a message stands in the writer's order: by `major`, then `minor`. */
export interface Position {
  major: number;
  minor: string;
}

export const POSITION_HEADER = 'cashtag-position';

export const comparePositions = (a: Position, b: Position): number => a.major - b.major || (a.minor < b.minor ? -1 : a.minor > b.minor ? 1 : 0);

export const encodePosition = (p: Position): string => `${p.major}|${p.minor}`;

/** The position in a header value, or null (a message written without one, e.g. by an older cashtag). */
export function decodePosition(s: string | undefined): Position | null {
  const bar = s?.indexOf('|') ?? -1;
  if (s === undefined || bar < 0) return null;
  const major = Number(s.slice(0, bar));
  return Number.isFinite(major) && s.slice(0, bar) !== '' ? { major, minor: s.slice(bar + 1) } : null;
}

export interface PositionedMessage {
  position: Position;
  key: string;
  value: string | Buffer;
  headers?: Record<string, string>;
}

/** What the partition held when the writer (re)started: its last message's offset and position. */
export interface Resumed {
  offset: number | null;
  position: Position | null;
}

type SendTo = Pick<Producer, 'send'>;

export class OrderedPartitionWriter {
  /** Position of the last message in the partition; undefined: unknown, read the tail first. */
  private last: Position | null | undefined = undefined;
  /**
   * Set by a failed send until resync(): writes queued behind it are refused, not sent. Sent, they
   * would move the partition's end past the failed messages, and the replay after the failure
   * would skip those as already written.
   */
  private failed: unknown = undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly tail: (topic: string, partition: number) => Promise<TailMessage | null>,
  ) {}

  /**
   * Forget what is known of the partition: the next write reads its tail first, once every write
   * sent before has settled. A sink calls it when it starts (another process may have written
   * since), so a write of a failed generation that is still in flight is waited for, not raced.
   */
  resync(): void {
    this.chain = this.chain.then(() => {
      this.last = undefined;
      this.failed = undefined;
    });
  }

  /**
   * Send the messages whose position is past the last one in the partition, in order, and resolve
   * once Kafka acknowledged them. `resumed` is set when this write had to read the tail.
   * A failed send leaves the partition's end unknown, and every write after it is refused until
   * resync() (the restarted sink's), which reads the tail again.
   */
  write(producer: SendTo, messages: readonly PositionedMessage[]): Promise<{ written: number; skipped: number; resumed?: Resumed }> {
    const run = async () => {
      if (this.failed !== undefined) throw new Error(`not written to ${this.topic}/${this.partition}: an earlier write failed (${this.failed instanceof Error ? this.failed.message : String(this.failed)}); the sink restarts and resyncs`, { cause: this.failed });
      let resumed: Resumed | undefined;
      if (this.last === undefined) {
        const m = await this.tail(this.topic, this.partition);
        this.last = m ? decodePosition(m.headers[POSITION_HEADER]) : null;
        resumed = { offset: m?.offset ?? null, position: this.last };
      }
      const fresh: PositionedMessage[] = [];
      let last = this.last;
      for (const m of messages) {
        if (last !== null && comparePositions(m.position, last) <= 0) continue;
        fresh.push(m);
        last = m.position;
      }
      if (fresh.length > 0) {
        try {
          await producer.send({
            topic: this.topic,
            acks: -1,
            messages: fresh.map((m) => ({ partition: this.partition, key: m.key, value: m.value, headers: { ...m.headers, [POSITION_HEADER]: encodePosition(m.position) } })),
          });
        } catch (e) {
          this.last = undefined;
          this.failed = e;
          throw e;
        }
        this.last = last;
      }
      return { written: fresh.length, skipped: messages.length - fresh.length, ...(resumed ? { resumed } : {}) };
    };
    const done = this.chain.then(run);
    this.chain = done.catch(() => undefined);
    return done;
  }
}

/** The key of a partition's writer in a resource scope. */
export const partitionWriterKey = (brokers: string[], topic: string, partition: number) => `kafka-writer|${brokers.join(',')}|${topic}|${partition}`;

/**
 * The writer of a partition in `scope`: one per partition, so sends to it stay serialised. The
 * main thread's scope outlives the pipeline's launches: a relaunched sink writes after the old
 * one's last send, and resync() makes it read the partition's tail again.
 */
export function partitionWriter(scope: Resources, brokers: string[], topic: string, partition: number, tail: (topic: string, partition: number) => Promise<TailMessage | null>): Promise<OrderedPartitionWriter> {
  return scope.get(partitionWriterKey(brokers, topic, partition), () => new OrderedPartitionWriter(topic, partition, tail));
}
