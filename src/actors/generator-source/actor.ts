// Source actor over the deterministic generator: partition p of both input topics. It emits at
// the configured rate in batches, waits for credit (backpressure) before each batch, and its
// snapshot is its next offsets, so a restored source continues exactly where it left off. A
// partition that owns no symbol has no ticks: its first batch says its prices are idle, so they
// do not hold the partition's watermark back (parse).

import { Generator } from '../../domain/generator.js';
import { PRICES_TOPIC, TWEETS_TOPIC, type SourceRecord } from '../../domain/records.js';
import { defineActor, type Behavior, type TypedContext, type SourceStatus } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { generatorSourceActor, type GeneratorSourceOutputs, type GeneratorSourceState } from './protocol.js';

const createGeneratorSource = defineActor(generatorSourceActor, (o, self) => {
  const gen = new Generator(o.generator);
  const p = self.partition;
  const ownsSymbols = gen.symbolsOf(p).length > 0;
  let ctx!: TypedContext<GeneratorSourceOutputs>;
  let next: GeneratorSourceState = { tweets: 0, prices: 0 };
  let startedAt = 0;
  let startOffset = 0;
  let lastEmitAt = 0;
  let labels!: ReturnType<typeof instanceLabels>;
  let pricesIdleSaid = false;

  const due = (now: number): number => {
    if (o.tweetRate <= 0) return o.batchSize;
    return Math.floor(((now - startedAt) / 1000) * o.tweetRate) - (next.tweets - startOffset);
  };

  const actor: Behavior<never, GeneratorSourceOutputs, GeneratorSourceState> = {
    init(c) {
      ctx = c;
      startedAt = lastEmitAt = c.clock.now();
      labels = instanceLabels(o.pipeline, self.stage, p);
    },

    async produce(): Promise<SourceStatus> {
      if (o.limit >= 0 && next.tweets >= o.limit) return 'done';
      const now = ctx.clock.now();
      let n = Math.min(o.batchSize, due(now));
      if (o.limit >= 0) n = Math.min(n, o.limit - next.tweets);
      if (n <= 0 || (n < o.batchSize && now - lastEmitAt < o.lingerMs)) return 'idle';
      lastEmitAt = now;
      const records: SourceRecord[] = [];
      if (!ownsSymbols && !pricesIdleSaid) {
        records.push({ kind: 'idle', topic: PRICES_TOPIC, partition: p });
        pricesIdleSaid = true;
      }
      for (let i = 0; i < n; i++) {
        const g = gen.generate(TWEETS_TOPIC, p, next.tweets);
        records.push({ topic: TWEETS_TOPIC, partition: p, offset: next.tweets++, key: g.key, value: g.value, ingestTs: now });
        // Ticks interleave with tweets at the configured ratio, in their own offset space.
        // A partition that owns no symbol has no ticks (prices are keyed by symbol).
        while (ownsSymbols && next.prices < Math.floor(next.tweets * o.pricesPerTweet)) {
          const t = gen.generate(PRICES_TOPIC, p, next.prices);
          records.push({ topic: PRICES_TOPIC, partition: p, offset: next.prices++, key: t.key, value: t.value, ingestTs: now });
        }
      }
      ctx.metrics.sourceRecords.inc({ ...labels, topic: TWEETS_TOPIC }, n);
      await ctx.emit(records);
      return 'more';
    },

    snapshot: (): GeneratorSourceState => ({ ...next }),
    restore(state) {
      next = { ...state };
      startOffset = next.tweets;
    },
  };
  return actor;
});

export default createGeneratorSource;
