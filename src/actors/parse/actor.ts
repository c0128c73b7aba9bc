// Parse actor: validates each raw record against the seed's payloads, extracts cashtags, and
// routes bad records to dead letters with a reason (never an exception). It is the stage that
// reads event time, so it emits the partition's watermark: max event time - allowed lateness.

import { extractCashtags } from '../../domain/cashtags.js';
import { rawRecordProblem, withStorableIngest } from '../../domain/admission.js';
import { DEAD_LETTER_REASONS, validatePrice, validateTweet } from '../../domain/payloads.js';
import { recordId, type DeadLetter, type ParsedTweet, type PriceRow } from '../../domain/records.js';
import type { Actor, ActorContext, ActorFactory } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import type { ParseMessage, ParseOptions } from './protocol.js';

const createParse: ActorFactory = (options, self) => {
  const o = options as ParseOptions;
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let ctx!: ActorContext;
  let maxEventTime = Number.NEGATIVE_INFINITY;

  const actor: Actor = {
    init(c) {
      ctx = c;
      for (const topic of ['tweets', 'stock-prices']) for (const reason of DEAD_LETTER_REASONS) ctx.metrics.deadLetters.inc({ ...labels, topic, reason }, 0);
      ctx.metrics.untagged.inc(labels, 0);
    },

    async handle(records) {
      const tweets: ParsedTweet[] = [];
      const prices: PriceRow[] = [];
      const dead: DeadLetter[] = [];
      let untagged = 0;
      const now = () => ctx.clock.now();
      for (const m of records as ParseMessage[]) {
        const r = withStorableIngest(m, now);
        const id = recordId(r.topic, r.partition, r.offset);
        switch (r.topic) {
          case 'tweets': {
            const v = rawRecordProblem(r) ?? validateTweet(r.value);
            if (!v.ok) {
              dead.push({ kind: 'dead-letter', topic: r.topic, partition: r.partition, offset: r.offset, ingestTs: r.ingestTs, reason: v.reason, detail: v.detail, raw: r.value });
              continue;
            }
            const symbols = extractCashtags(v.value.text);
            if (symbols.length === 0) untagged++;
            tweets.push({ kind: 'tweet', id, partition: r.partition, offset: r.offset, createdAt: v.eventTime, ingestTs: r.ingestTs, text: v.value.text, userId: v.value.user_id, symbols });
            if (v.eventTime > maxEventTime) maxEventTime = v.eventTime;
            break;
          }
          case 'stock-prices': {
            const v = rawRecordProblem(r) ?? validatePrice(r.value);
            if (!v.ok) {
              dead.push({ kind: 'dead-letter', topic: r.topic, partition: r.partition, offset: r.offset, ingestTs: r.ingestTs, reason: v.reason, detail: v.detail, raw: r.value });
              continue;
            }
            const p = v.value;
            prices.push({ kind: 'price', id, symbol: p.symbol, partition: r.partition, offset: r.offset, tradeTs: v.eventTime, ingestTs: r.ingestTs, openPrice: p.open_price, closePrice: p.close_price, volume: p.volume });
            if (v.eventTime > maxEventTime) maxEventTime = v.eventTime;
            break;
          }
          default: {
            const never: never = r.topic;
            throw new Error(`parse: unknown topic ${String(never)}`);
          }
        }
      }
      for (const d of dead) ctx.metrics.deadLetters.inc({ ...labels, topic: d.topic, reason: d.reason });
      if (untagged > 0) ctx.metrics.untagged.inc(labels, untagged);
      await Promise.all([
        ctx.emit(tweets, { output: 'tweets' }),
        ctx.emit(prices, { output: 'prices', keys: prices.map((p) => p.symbol) }),
        ctx.emit(dead, { output: 'dead' }),
      ]);
      if (Number.isFinite(maxEventTime)) await ctx.emitWatermark(maxEventTime - o.allowedLatenessMs);
    },

    snapshot: () => ({ maxEventTime: Number.isFinite(maxEventTime) ? maxEventTime : null }),
    restore(s) {
      maxEventTime = (s as { maxEventTime: number | null }).maxEventTime ?? Number.NEGATIVE_INFINITY;
    },
  };
  return actor;
};

export default createParse;
