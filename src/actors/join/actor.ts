// Join actor (the design's Silver sink): each tweet with its symbol's latest tick at or before
// it (domain/join.ts), released when the watermark passes the tweet, so a late-arriving earlier
// tick cannot change an answer already given. Late tweets and ticks go to the late output.
// Every instance sees every tick (they are broadcast), so a late tick is reported by one
// instance only: the one its symbol hashes to.

import { UNTAGGED_TOPIC } from '../../domain/cashtags.js';
import { TweetPriceJoin } from '../../domain/join.js';
import type { JoinedRow, LateRow } from '../../domain/records.js';
import type { Actor, ActorContext, ActorFactory } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { partitionFor } from '../../runtime/partitioner.js';
import type { JoinMessage, JoinOptions } from './protocol.js';

interface State {
  join: ReturnType<TweetPriceJoin['snapshot']>;
  seq: { out: number; late: number };
  watermark: number | null;
}

const createJoin: ActorFactory = (options, self) => {
  const o = options as JoinOptions;
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let join = new TweetPriceJoin(o.lookbackMs);
  let seq = { out: 0, late: 0 };
  let watermark = Number.NEGATIVE_INFINITY;
  let ctx!: ActorContext;

  const gauge = () => {
    const { ticks, tweets } = join.size;
    ctx.metrics.stateSize.set({ ...labels, store: 'join-ticks' }, ticks);
    ctx.metrics.stateSize.set({ ...labels, store: 'join-tweets' }, tweets);
  };

  const actor: Actor = {
    init(c) {
      ctx = c;
    },

    async handle(records) {
      const late: LateRow[] = [];
      for (const r of records as JoinMessage[]) {
        if (r.kind === 'tweet-row') {
          if (r.topic === UNTAGGED_TOPIC) continue;
          if (r.createdAt < watermark) late.push({ kind: 'late', seq: seq.late++, stage: self.stage, recordKind: 'tweet', id: r.id, symbol: r.topic, eventTime: r.createdAt, watermark, ingestTs: r.ingestTs });
          else join.addTweet({ symbol: r.topic, id: r.id, ts: r.createdAt, score: r.sentimentScore, text: r.text });
        } else if (r.tradeTs < watermark) {
          if (partitionFor(r.symbol, ctx.parallelism) !== self.partition) continue;
          late.push({ kind: 'late', seq: seq.late++, stage: self.stage, recordKind: 'price', id: r.id, symbol: r.symbol, eventTime: r.tradeTs, watermark, ingestTs: r.ingestTs });
        } else {
          join.addTick(r.symbol, { id: r.id, ts: r.tradeTs, open: r.openPrice, close: r.closePrice, volume: r.volume });
        }
      }
      if (late.length) {
        for (const l of late) ctx.metrics.lateRecords.inc({ ...labels, kind: l.recordKind });
        await ctx.emit(late, { output: 'late' });
      }
      gauge();
    },

    async onWatermark(wm) {
      watermark = wm;
      const rows: JoinedRow[] = join.advance(wm).map((j) => ({
        kind: 'joined',
        seq: seq.out++,
        id: j.tweet.id,
        topic: j.symbol,
        createdAt: j.tweet.ts,
        sentimentScore: j.tweet.score,
        text: j.tweet.text,
        priceId: j.tick?.id ?? null,
        tradeTs: j.tick?.ts ?? null,
        openPrice: j.tick?.open ?? null,
        closePrice: j.tick?.close ?? null,
        volume: j.tick?.volume ?? null,
      }));
      gauge();
      if (rows.length === 0) return;
      const matched = rows.filter((r) => r.priceId !== null).length;
      ctx.metrics.joinedTweets.inc({ ...labels, matched: 'true' }, matched);
      ctx.metrics.joinedTweets.inc({ ...labels, matched: 'false' }, rows.length - matched);
      await ctx.emit(rows);
    },

    snapshot: (): State => ({ join: join.snapshot(), seq: { ...seq }, watermark: Number.isFinite(watermark) ? watermark : null }),
    restore(s) {
      const st = s as State;
      join = new TweetPriceJoin(o.lookbackMs);
      join.restore(st.join);
      seq = { ...st.seq };
      watermark = st.watermark ?? Number.NEGATIVE_INFINITY;
    },
  };
  return actor;
};

export default createJoin;
