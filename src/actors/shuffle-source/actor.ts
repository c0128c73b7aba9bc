// Shuffle source (ANALYTICS_SHUFFLE=kafka): the read half of the repartition through Kafka. Task
// q reads partition q of the repartition topic and feeds windows/q and join/q.
//
// Guarantees:
// - each row once: a replay upstream (after a failover, maybe on another replica) writes rows
//   again; a row whose origin offset is not past the highest seen from its origin partition is
//   dropped (each origin writes its rows in offset order, and the rows of one record to one
//   partition in one message);
// - event time: the watermark is the minimum of the origins' markers, an origin that said it is
//   idle not holding it back until it sends again (runtime/watermarks.ts), emitted after the rows
//   before it; when every origin is idle, so is this source;
// - offsets are committed to the group only when a checkpoint holding them completes.

import type { PriceRow, TweetRow } from '../../domain/records.js';
import { defineActor, type Behavior, type TypedContext, type SourceStatus } from '../../runtime/actor.js';
import { decodeOwned } from '../../runtime/codec.js';
import { WatermarkTracker } from '../../runtime/watermarks.js';
import { SHUFFLE_TOPIC } from '../../io/kafka/client.js';
import { consumerHub, type ConsumerHub } from '../../io/kafka/consumer-hub.js';
import { PendingCommits } from '../../io/kafka/pending-commits.js';
import type { ShuffleMessage } from '../shuffle-sink/protocol.js';
import { shuffleSourceActor, type ShuffleSourceOutputs, type ShuffleSourceState } from './protocol.js';

/** Keep the rows of one message not seen yet; advances `seen`. Pure (exported for tests). */
export function unseen<R extends { offset: number }>(rows: readonly R[] | undefined, seen: number[], origin: number): readonly R[] {
  if (!rows || rows.length === 0) return [];
  const before = seen[origin];
  const out = rows[0].offset > before ? rows : rows.filter((r) => r.offset > before);
  const last = rows[rows.length - 1].offset;
  if (last > before) seen[origin] = last;
  return out;
}

const createShuffleSource = defineActor(shuffleSourceActor, (o, self) => {
  const q = self.partition;
  const origins = Array.from({ length: o.partitions }, (_, i) => String(i));
  let ctx!: TypedContext<ShuffleSourceOutputs>;
  let hub!: ConsumerHub;
  let state: ShuffleSourceState = { next: null, seenTweets: Array(o.partitions).fill(-1), seenPrices: Array(o.partitions).fill(-1), watermarks: Array(o.partitions).fill(null) };
  let tracker!: WatermarkTracker;
  const pending = new PendingCommits<number | null>();

  const newTracker = () => {
    tracker = new WatermarkTracker(origins);
    state.watermarks.forEach((w, i) => w !== null && tracker.update(String(i), w));
  };

  const actor: Behavior<never, ShuffleSourceOutputs, ShuffleSourceState> = {
    async init(c) {
      ctx = c;
      hub = await consumerHub(c.resources, o.hub, c.log, c.clock, c.metrics);
      await hub.start();
      await hub.rewind([SHUFFLE_TOPIC], q);
      newTracker();
    },

    restore(s) {
      state = structuredClone(s);
      if (state.next !== null) hub.seek(SHUFFLE_TOPIC, q, state.next);
      newTracker();
    },

    async produce(): Promise<SourceStatus> {
      const messages = hub.take(SHUFFLE_TOPIC, q, o.batchMessages);
      if (messages.length === 0) return 'idle';
      let rows: (TweetRow | PriceRow)[] = [];
      // Rows before a marker go first: nothing overtakes the watermark that follows it.
      const advance = async (wm: number | null) => {
        if (wm === null) return;
        if (rows.length) await ctx.emit(rows);
        rows = [];
        await ctx.emitWatermark(wm);
      };
      for (const m of messages) {
        state.next = m.offset + 1;
        const v = decodeOwned<ShuffleMessage>(m.bytes!);
        if (v.idle) {
          await advance(tracker.markIdle(String(v.o)));
          if (tracker.idle) {
            if (rows.length) await ctx.emit(rows);
            rows = [];
            await ctx.emitIdle();
          }
          continue;
        }
        if (v.w !== undefined) {
          state.watermarks[v.o] = Math.max(state.watermarks[v.o] ?? Number.NEGATIVE_INFINITY, v.w);
          await advance(tracker.update(String(v.o), v.w));
          continue;
        }
        await advance(tracker.activity(String(v.o)));
        for (const r of unseen(v.t, state.seenTweets, v.o)) rows.push(r);
        for (const r of unseen(v.p, state.seenPrices, v.o)) rows.push(r);
      }
      if (rows.length) await ctx.emit(rows);
      return 'more';
    },

    snapshot: (): ShuffleSourceState => structuredClone(state),

    onBarrier(checkpoint) {
      pending.atBarrier(checkpoint, state.next);
    },

    async onCheckpointComplete(checkpoint) {
      const next = pending.completed(checkpoint);
      if (next === undefined || next === null) return;
      await hub.commit([{ topic: SHUFFLE_TOPIC, partition: q, offset: next }]);
    },

    close() {
      hub.release();
    },
  };
  return actor;
});

export default createShuffleSource;
