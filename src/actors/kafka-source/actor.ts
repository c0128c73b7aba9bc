// Kafka source actor for input partition p: reads the consumer hub's queues of `tweets` p and
// `stock-prices` p. It starts at the group's committed offsets, or at its snapshot's when it
// is restored. Offsets are committed to the consumer group only when a checkpoint holding them
// completes, i.e. once every sink has made the records before it durable. While this process
// does not own partition p (another replica does), it stays idle. A topic partition that has had
// nothing to read for IDLE_TIMEOUT, with everything the broker had taken, is declared idle in
// order with the records (an IdleMarker), so it stops holding the watermark back (parse).
// With `endOffsets` (`cashtag run --until-drained`) it reads each topic partition up to its end
// offset at start-up, nothing past it, and then says 'done': its stream is finished, so the
// stages below close as at the end of a bounded stream, and its final offsets are committed with
// the final checkpoint.

import { TWEETS_TOPIC, PRICES_TOPIC, type IdleMarker, type InputTopic, type SourceRecord } from '../../domain/records.js';
import { defineActor, type Behavior, type TypedContext, type SourceStatus } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { consumerHub, type ConsumerHub } from '../../io/kafka/consumer-hub.js';
import { PendingCommits } from '../../io/kafka/pending-commits.js';
import { kafkaSourceActor, type KafkaSourceOutputs, type KafkaSourceState } from './protocol.js';

const createKafkaSource = defineActor(kafkaSourceActor, (o, self) => {
  const p = self.partition;
  let ctx!: TypedContext<KafkaSourceOutputs>;
  let hub!: ConsumerHub;
  let state: KafkaSourceState = { tweets: null, prices: null };
  const pending = new PendingCommits<KafkaSourceState>();
  let labels!: ReturnType<typeof instanceLabels>;
  /** Per topic: when a record of it was last taken, and whether it has been declared idle since. */
  const lastRead = new Map<InputTopic, number>();
  const idleSaid = new Set<InputTopic>();
  /** Where this partition's stream ends (`--until-drained`), else never. */
  const tweetsEnd = o.endOffsets ? (o.endOffsets.tweets[p] ?? 0) : Number.POSITIVE_INFINITY;
  const pricesEnd = o.endOffsets ? (o.endOffsets.prices[p] ?? 0) : Number.POSITIVE_INFINITY;

  const idleMarkers = (now: number, got: ReadonlyMap<InputTopic, number>): IdleMarker[] => {
    const out: IdleMarker[] = [];
    for (const topic of [TWEETS_TOPIC, PRICES_TOPIC] as const) {
      if ((got.get(topic) ?? 0) > 0) {
        lastRead.set(topic, now);
        idleSaid.delete(topic);
        continue;
      }
      if (o.idleTimeoutMs <= 0 || idleSaid.has(topic)) continue;
      if (now - (lastRead.get(topic) ?? now) < o.idleTimeoutMs || !hub.caughtUp(topic, p)) continue;
      idleSaid.add(topic);
      out.push({ kind: 'idle', topic, partition: p });
    }
    return out;
  };

  const actor: Behavior<never, KafkaSourceOutputs, KafkaSourceState> = {
    async init(c) {
      ctx = c;
      labels = instanceLabels(o.pipeline, self.stage, p);
      for (const topic of [TWEETS_TOPIC, PRICES_TOPIC] as const) lastRead.set(topic, c.clock.now());
      hub = await consumerHub(c.resources, o.hub, c.log, c.clock, c.metrics);
      await hub.start();
      // What an earlier generation of this process took from the queue but never committed is
      // read again (a restore then seeks to its snapshot's offsets instead).
      await hub.rewind([TWEETS_TOPIC, PRICES_TOPIC], p);
    },

    restore(s) {
      state = { ...s };
      if (state.tweets !== null) hub.seek(TWEETS_TOPIC, p, state.tweets);
      if (state.prices !== null) hub.seek(PRICES_TOPIC, p, state.prices);
    },

    async produce(): Promise<SourceStatus> {
      const tweets = hub.take(TWEETS_TOPIC, p, o.batchSize, tweetsEnd);
      const prices = hub.take(PRICES_TOPIC, p, Math.max(1, o.batchSize - tweets.length), pricesEnd);
      const markers = idleMarkers(ctx.clock.now(), new Map([[TWEETS_TOPIC, tweets.length], [PRICES_TOPIC, prices.length]]));
      if (tweets.length === 0 && prices.length === 0 && markers.length === 0) {
        if (o.endOffsets && hub.drained(TWEETS_TOPIC, p, tweetsEnd) && hub.drained(PRICES_TOPIC, p, pricesEnd)) return 'done';
        return 'idle';
      }
      const records = (markers as SourceRecord[]).concat(tweets as SourceRecord[], prices as SourceRecord[]);
      if (tweets.length) {
        state.tweets = tweets[tweets.length - 1].offset + 1;
        ctx.metrics.sourceRecords.inc({ ...labels, topic: TWEETS_TOPIC }, tweets.length);
      }
      if (prices.length) {
        state.prices = prices[prices.length - 1].offset + 1;
        ctx.metrics.sourceRecords.inc({ ...labels, topic: PRICES_TOPIC }, prices.length);
      }
      await ctx.emit(records);
      return 'more';
    },

    snapshot(): KafkaSourceState {
      return { ...state };
    },

    async onBarrier(checkpoint) {
      pending.atBarrier(checkpoint, { ...state });
    },

    async onCheckpointComplete(checkpoint) {
      const s = pending.completed(checkpoint);
      if (!s) return;
      const offsets: { topic: InputTopic; partition: number; offset: number }[] = [];
      if (s.tweets !== null) offsets.push({ topic: TWEETS_TOPIC, partition: p, offset: s.tweets });
      if (s.prices !== null) offsets.push({ topic: PRICES_TOPIC, partition: p, offset: s.prices });
      await hub.commit(offsets);
    },

    close() {
      pending.atEnd({ ...state });
      hub.release();
    },
  };
  return actor;
});

export default createKafkaSource;
