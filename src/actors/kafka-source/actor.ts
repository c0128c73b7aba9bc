// Kafka source actor for input partition p: reads the consumer hub's queues of `tweets` p and
// `stock-prices` p. It starts at the group's committed offsets, or at its snapshot's when it
// is restored. Offsets are committed to the consumer group only when a checkpoint holding them
// completes, i.e. once every sink has made the records before it durable. While this process
// does not own partition p (another replica does), it stays idle.

import { TWEETS_TOPIC, PRICES_TOPIC, type InputTopic, type RawRecord } from '../../domain/records.js';
import type { Actor, ActorContext, ActorFactory, SourceStatus } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { PendingCommits, sharedHub, type ConsumerHub } from '../../io/kafka/consumer-hub.js';
import type { KafkaSourceOptions, KafkaSourceState } from './protocol.js';

const createKafkaSource: ActorFactory = (options, self) => {
  const o = options as KafkaSourceOptions;
  const p = self.partition;
  let ctx!: ActorContext;
  let hub!: ConsumerHub;
  let state: KafkaSourceState = { tweets: null, prices: null };
  const pending = new PendingCommits<KafkaSourceState>();
  let labels!: ReturnType<typeof instanceLabels>;

  const actor: Actor = {
    async init(c) {
      ctx = c;
      labels = instanceLabels(o.pipeline, self.stage, p);
      hub = sharedHub(o.hub, c.log, c.clock, c.metrics);
      await hub.start();
      // What an earlier generation of this process took from the queue but never committed is
      // read again (a restore then seeks to its snapshot's offsets instead).
      await hub.rewind([TWEETS_TOPIC, PRICES_TOPIC], p);
    },

    restore(s) {
      state = { ...(s as KafkaSourceState) };
      if (state.tweets !== null) hub.seek(TWEETS_TOPIC, p, state.tweets);
      if (state.prices !== null) hub.seek(PRICES_TOPIC, p, state.prices);
    },

    async produce(): Promise<SourceStatus> {
      const tweets = hub.take(TWEETS_TOPIC, p, o.batchSize);
      const prices = hub.take(PRICES_TOPIC, p, Math.max(1, o.batchSize - tweets.length));
      if (tweets.length === 0 && prices.length === 0) return 'idle';
      const records = tweets.concat(prices) as RawRecord[];
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
      hub.release();
    },
  };
  return actor;
};

export default createKafkaSource;
