// Parse actor: validates each raw record against the seed's payloads, extracts cashtags, and
// routes bad records to dead letters with a reason (never an exception). It is the stage that
// reads event time, so it decides which records are late — from their own topic partition's
// records alone (domain/partition-watermark.ts), so every run and every replay decides alike —
// flags them for the stages below, writes them to the late events, and emits the partition's
// watermark (or says it is idle). Its state is in every checkpoint; a failure restores it from
// there with the rest of the pipeline (an in-place restart would forget what it decided since).

import { extractCashtags, UNTAGGED_TOPIC } from '../../domain/cashtags.js';
import { rawRecordProblem, withStorableIngest } from '../../domain/admission.js';
import { PartitionWatermark } from '../../domain/partition-watermark.js';
import { DEAD_LETTER_REASONS, validatePrice, validateTweet } from '../../domain/payloads.js';
import { PRICES_TOPIC, recordId, TWEETS_TOPIC, type DeadLetter, type InputTopic, type LateRow, type ParsedTweet, type PriceRow } from '../../domain/records.js';
import { defineActor, type Behavior, type TypedContext } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { parseActor, type ParseMessage, type ParseOutputs, type ParseSnapshot, type ParseState } from './protocol.js';

const createParse = defineActor(parseActor, (o, self) => {
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let ctx!: TypedContext<ParseOutputs>;
  const time = new PartitionWatermark<InputTopic>([TWEETS_TOPIC, PRICES_TOPIC], o.allowedLatenessMs);
  let lateSeq = 0;

  const lateRow = (recordKind: LateRow['recordKind'], id: string, symbol: string, eventTime: number, watermark: number, ingestTs: number): LateRow => ({
    kind: 'late', seq: lateSeq++, stage: self.stage, recordKind, id, symbol, eventTime, watermark, ingestTs,
  });

  const actor: Behavior<ParseMessage, ParseOutputs, ParseState> = {
    init(c) {
      ctx = c;
      for (const topic of [TWEETS_TOPIC, PRICES_TOPIC]) for (const reason of DEAD_LETTER_REASONS) ctx.metrics.deadLetters.inc({ ...labels, topic, reason }, 0);
      ctx.metrics.untagged.inc(labels, 0);
      for (const kind of ['tweet', 'price']) ctx.metrics.lateRecords.inc({ ...labels, kind }, 0);
    },

    async handle(records) {
      const tweets: ParsedTweet[] = [];
      const prices: PriceRow[] = [];
      const dead: DeadLetter[] = [];
      const late: LateRow[] = [];
      let untagged = 0;
      const now = () => ctx.clock.now();
      for (const m of records) {
        if ('kind' in m) {
          time.markIdle(m.topic);
          continue;
        }
        const r = withStorableIngest(m, now);
        const id = recordId(r.topic, r.partition, r.offset);
        switch (r.topic) {
          case TWEETS_TOPIC: {
            const v = rawRecordProblem(r) ?? validateTweet(r.value);
            if (!v.ok) {
              dead.push({ kind: 'dead-letter', topic: r.topic, partition: r.partition, offset: r.offset, ingestTs: r.ingestTs, reason: v.reason, detail: v.detail, raw: r.value });
              continue;
            }
            // The text's cashtags; a tweet naming none may say its symbol in the payload.
            const tagged = extractCashtags(v.value.text);
            const symbols = tagged.length === 0 && v.value.symbol !== undefined ? [v.value.symbol] : tagged;
            if (symbols.length === 0) untagged++;
            const missed = time.observe(r.topic, v.eventTime);
            if (missed !== null) for (const s of symbols) late.push(lateRow('tweet', id, s, v.eventTime, missed, r.ingestTs));
            tweets.push({ kind: 'tweet', id, partition: r.partition, offset: r.offset, createdAt: v.eventTime, ingestTs: r.ingestTs, text: v.value.text, userId: v.value.user_id, symbols, late: missed !== null });
            break;
          }
          case PRICES_TOPIC: {
            const v = rawRecordProblem(r) ?? validatePrice(r.value);
            if (!v.ok) {
              dead.push({ kind: 'dead-letter', topic: r.topic, partition: r.partition, offset: r.offset, ingestTs: r.ingestTs, reason: v.reason, detail: v.detail, raw: r.value });
              continue;
            }
            const p = v.value;
            const missed = time.observe(r.topic, v.eventTime);
            if (missed !== null && p.symbol !== UNTAGGED_TOPIC) late.push(lateRow('price', id, p.symbol, v.eventTime, missed, r.ingestTs));
            prices.push({ kind: 'price', id, symbol: p.symbol, partition: r.partition, offset: r.offset, tradeTs: v.eventTime, ingestTs: r.ingestTs, openPrice: p.open_price, closePrice: p.close_price, volume: p.volume, late: missed !== null });
            break;
          }
          default: {
            const never: never = r.topic;
            throw new Error(`parse: unknown topic ${String(never)}`);
          }
        }
      }
      for (const d of dead) ctx.metrics.deadLetters.inc({ ...labels, topic: d.topic, reason: d.reason });
      for (const l of late) ctx.metrics.lateRecords.inc({ ...labels, kind: l.recordKind });
      if (untagged > 0) ctx.metrics.untagged.inc(labels, untagged);
      await Promise.all([
        ctx.emit(tweets, { output: 'tweets' }),
        ctx.emit(prices, { output: 'prices', keys: prices.map((p) => p.symbol) }),
        ctx.emit(dead, { output: 'dead' }),
        ctx.emit(late, { output: 'late' }),
      ]);
      const wm = time.current();
      if (wm === 'idle') await ctx.emitIdle();
      else if (Number.isFinite(wm)) {
        time.announce(wm);
        await ctx.emitWatermark(wm);
      }
    },

    snapshot: (): ParseSnapshot => ({ time: time.snapshot(), lateSeq }),
    restore(s) {
      if ('time' in s) {
        time.restore(s.time);
        lateSeq = s.lateSeq;
      } else if (s.maxEventTime !== null) {
        // A checkpoint of the version that kept one maximum over both topics: both start there.
        time.restore({ max: [[TWEETS_TOPIC, s.maxEventTime], [PRICES_TOPIC, s.maxEventTime]], announced: null });
      }
    },
  };
  return actor;
});

export default createParse;
