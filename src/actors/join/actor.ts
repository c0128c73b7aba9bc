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
import { idSortKey, TweetPriceJoin } from '../../domain/join.js';
import type { JoinedRow, LateRow } from '../../domain/records.js';
import { defineActor, type Behavior, type TypedContext } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { partitionFor } from '../../runtime/partitioner.js';
import { lakeOutageLog, openLake, reportOutage } from '../../io/lake/open.js';
import type { OutageLog } from '../../runtime/outage.js';
import { pendingFromBronze, type PendingRange } from './pending-from-bronze.js';
import { joinActor, type JoinMessage, type JoinOutputs, type JoinState } from './protocol.js';

const createJoin = defineActor(joinActor, (o, self) => {
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let join = new TweetPriceJoin(o.lookbackMs);
  let seq = { out: 0, late: 0 };
  let watermark = Number.NEGATIVE_INFINITY;
  let ctx!: TypedContext<JoinOutputs>;
  let outage: OutageLog | undefined;
  const lake = o.lake ? openLake(o.lake, reportOutage(() => outage)) : null;
  /** One past the highest source offset of the tweets received. */
  let nextOffset = 0;
  /** Source offsets of late tweets received, ascending (what a read-back from bronze skips). */
  let lateOffsets: number[] = [];
  /** Set by restore: pending tweets to read back from bronze before anything else happens. */
  let recovery: PendingRange | null = null;

  const recover = async () => {
    if (!recovery || !lake) return;
    const range = recovery;
    recovery = null;
    const tweets = await pendingFromBronze(lake, range);
    for (const t of tweets) join.addTweet(t);
    ctx.log.info('join: pending tweets read back from bronze', { tweets: tweets.length, from: range.from, to: range.to });
  };

  const gauge = () => {
    const { ticks, tweets } = join.size;
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
      const late: LateRow[] = [];
      for (const r of records) {
        if (r.kind === 'tweet-row') {
          if (r.offset >= nextOffset) nextOffset = r.offset + 1;
          if (r.topic === UNTAGGED_TOPIC) continue;
          if (r.late) {
            if (lateOffsets.at(-1) !== r.offset) lateOffsets.push(r.offset);
          } else if (r.createdAt < watermark) late.push({ kind: 'late', seq: seq.late++, stage: self.stage, recordKind: 'tweet', id: r.id, symbol: r.topic, eventTime: r.createdAt, watermark, ingestTs: r.ingestTs });
          else join.addTweet({ symbol: r.topic, id: r.id, offset: r.offset, ts: r.createdAt, score: r.sentimentScore, text: r.text });
        } else if (r.late) {
          continue;
        } else if (r.tradeTs < watermark) {
          if (partitionFor(r.symbol, ctx.parallelism) !== self.partition) continue;
          late.push({ kind: 'late', seq: seq.late++, stage: self.stage, recordKind: 'price', id: r.id, symbol: r.symbol, eventTime: r.tradeTs, watermark, ingestTs: r.ingestTs });
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
      if (wm <= watermark) return;
      watermark = wm;
      const rows: JoinedRow[] = join.release(wm, (topic, tweet, tick) => ({
        kind: 'joined',
        seq: seq.out++,
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
      }));
      gauge();
      if (rows.length === 0) return;
      const matched = rows.filter((r) => r.priceId !== null).length;
      ctx.metrics.joinedTweets.inc({ ...labels, matched: 'true' }, matched);
      ctx.metrics.joinedTweets.inc({ ...labels, matched: 'false' }, rows.length - matched);
      await ctx.emit(rows);
    },

    onBarrier: recover,
    snapshot: (): JoinState => {
      const common = { seq: { ...seq }, watermark: Number.isFinite(watermark) ? watermark : null };
      if (!lake) return { join: join.snapshot(), ...common };
      const from = join.pendingFrom();
      lateOffsets = from === null ? [] : lateOffsets.filter((o) => o >= from);
      return { ticks: join.tickState(), pending: from === null ? null : { from, to: nextOffset, late: lateOffsets }, ...common };
    },
    restore(st) {
      join = new TweetPriceJoin(o.lookbackMs);
      seq = { ...st.seq };
      watermark = st.watermark ?? Number.NEGATIVE_INFINITY;
      if (st.join) join.restore(st.join);
      else join.restoreTicks(st.ticks ?? []);
      if (st.pending) {
        if (!lake) throw new Error('join: this snapshot keeps its pending tweets in bronze, but the actor has no lake');
        const late = st.pending.late ?? []; // absent in checkpoints of versions before late flags
        recovery = { partition: self.partition, from: st.pending.from, to: st.pending.to, watermark, late: new Set(late) };
        nextOffset = st.pending.to;
        lateOffsets = [...late];
      }
    },
  };
  return actor;
});

export default createJoin;
