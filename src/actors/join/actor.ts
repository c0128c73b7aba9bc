// Join actor (the design's Silver sink): each tweet with its symbol's latest tick at or before
// it (domain/join.ts), released when the watermark passes the tweet. Late records were decided by
// parse (their partition's watermark) and are left out; as no record parse lets through is older
// than this stage's watermark, every tick a tweet can use has arrived when it is released, and
// the answer is a function of the input. Only a record of a partition that was idle and resumed
// behind the others can still be older than the watermark: it is left out and goes to the late
// output. Every instance sees every tick (they are broadcast), so such a tick is reported by one
// instance only: the one its symbol hashes to. With a lake, pending tweets are not snapshot:
// after a restore they are read back from bronze (pending-from-bronze.ts), skipping the late
// ones, whose offsets the snapshot keeps.

import { UNTAGGED_TOPIC } from '../../domain/cashtags.js';
import { idSortKey, type PendingTweet, type Tick } from '../../domain/join.js';
import type { JoinedRow, LateRow } from '../../domain/records.js';
import { defineActor, type Behavior, type TypedContext } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { partitionFor } from '../../runtime/partitioner.js';
import { lakeOutageLog, openLake, reportOutage } from '../../io/lake/open.js';
import type { OutageLog } from '../../runtime/outage.js';
import { JoinInstanceState } from './join-state.js';
import { pendingFromBronze } from './pending-from-bronze.js';
import { joinActor, type JoinMessage, type JoinOutputs, type JoinState } from './protocol.js';

/** A released tweet, with the tick it was joined to (null: none within the lookback). */
const joinedRow = (seq: number, topic: string, tweet: PendingTweet, tick: Tick | null): JoinedRow => ({
  kind: 'joined',
  seq,
  id: tweet.id,
  topic,
  createdAt: tweet.ts,
  sentimentScore: tweet.score,
  text: tweet.text,
  priceId: tick?.id ?? null,
  tradeTs: tick?.ts ?? null,
  openPrice: tick?.open ?? null,
  closePrice: tick?.close ?? null,
  volume: tick?.volume ?? null,
});

const createJoin = defineActor(joinActor, (o, self) => {
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let ctx!: TypedContext<JoinOutputs>;
  let outage: OutageLog | undefined;
  const lake = o.lake ? openLake(o.lake, reportOutage(() => outage)) : null;
  const state = new JoinInstanceState(o.lookbackMs, self.partition, lake !== null);

  const recover = async () => {
    if (!state.recovery || !lake) return;
    const range = state.recovery;
    state.recovery = null;
    const tweets = await pendingFromBronze(lake, range);
    for (const t of tweets) state.join.addTweet(t);
    ctx.log.info('join: pending tweets read back from bronze', { tweets: tweets.length, from: range.from, to: range.to });
  };
  const lateRow = (recordKind: LateRow['recordKind'], id: string, symbol: string, eventTime: number, ingestTs: number): LateRow => ({ kind: 'late', seq: state.seq.late++, stage: self.stage, recordKind, id, symbol, eventTime, watermark: state.watermark, ingestTs });
  const gauge = () => {
    const { ticks, tweets } = state.join.size;
    ctx.metrics.stateSize.set({ ...labels, store: 'join-ticks' }, ticks);
    ctx.metrics.stateSize.set({ ...labels, store: 'join-tweets' }, tweets);
  };

  const actor: Behavior<JoinMessage, JoinOutputs, JoinState> = {
    init(c) {
      ctx = c;
      if (o.lake) outage = lakeOutageLog(o.lake, c.log, c.clock);
    },

    async handle(records) {
      await recover();
      const { join, offsets, watermark } = state;
      const late: LateRow[] = [];
      for (const r of records) {
        if (r.kind === 'tweet-row') {
          offsets.received(r.offset);
          if (r.topic === UNTAGGED_TOPIC) continue;
          if (r.late) offsets.receivedLate(r.offset);
          else if (r.createdAt < watermark) late.push(lateRow('tweet', r.id, r.topic, r.createdAt, r.ingestTs));
          else join.addTweet({ symbol: r.topic, id: r.id, offset: r.offset, ts: r.createdAt, score: r.sentimentScore, text: r.text });
        } else if (r.late) {
          continue;
        } else if (r.tradeTs < watermark) {
          if (partitionFor(r.symbol, ctx.parallelism) === self.partition) late.push(lateRow('price', r.id, r.symbol, r.tradeTs, r.ingestTs));
        } else {
          join.addTick(r.symbol, { id: r.id, key: idSortKey(r.id), ts: r.tradeTs, open: r.openPrice, close: r.closePrice, volume: r.volume });
        }
      }
      if (late.length) {
        for (const l of late) ctx.metrics.lateRecords.inc({ ...labels, kind: l.recordKind });
        await ctx.emit(late, { output: 'late' });
      }
      gauge();
    },

    async onWatermark(wm) {
      await recover();
      // After a restore the stage's inputs start again from nothing: never move back.
      if (wm <= state.watermark) return;
      state.watermark = wm;
      const rows = state.join.release(wm, (topic, tweet, tick) => joinedRow(state.seq.out++, topic, tweet, tick));
      gauge();
      if (rows.length === 0) return;
      const matched = rows.filter((r) => r.priceId !== null).length;
      ctx.metrics.joinedTweets.inc({ ...labels, matched: 'true' }, matched);
      ctx.metrics.joinedTweets.inc({ ...labels, matched: 'false' }, rows.length - matched);
      await ctx.emit(rows);
    },

    onBarrier: recover,
    snapshot: () => state.snapshot(),
    restore: (st) => state.restore(st),
  };
  return actor;
});

export default createJoin;
