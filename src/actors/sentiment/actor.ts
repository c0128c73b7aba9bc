// Sentiment actor: batches tweet texts to the shared Piscina pool and emits scored rows in input
// order. Tasks are pipelined (up to maxInFlight per instance) so every pool thread stays busy;
// watermarks, barriers and close wait for everything in flight, so nothing overtakes data.

import { UNTAGGED_TOPIC } from '../../domain/cashtags.js';
import type { TweetRow, TweetScore } from '../../domain/records.js';
import { defineActor, type Behavior, type TypedContext } from '../../runtime/actor.js';
import { retry } from '../../runtime/backoff.js';
import { ActorError, errorMessage } from '../../runtime/errors.js';
import { packTexts, taskBuffers, type ScoreTask } from './score-task.js';
import { sentimentActor, type SentimentMessage, type SentimentOutputs } from './protocol.js';

export function explode(tweets: readonly SentimentMessage[], scores: Float64Array): TweetRow[] {
  const rows: TweetRow[] = [];
  for (let i = 0; i < tweets.length; i++) {
    const t = tweets[i];
    const topics = t.symbols.length > 0 ? t.symbols : [UNTAGGED_TOPIC];
    for (const topic of topics) {
      rows.push({ kind: 'tweet-row', id: t.id, topic, partition: t.partition, offset: t.offset, createdAt: t.createdAt, ingestTs: t.ingestTs, text: t.text, userId: t.userId, sentimentScore: scores[i], late: t.late });
    }
  }
  return rows;
}

const createSentiment = defineActor(sentimentActor, (o) => {
  let ctx!: TypedContext<SentimentOutputs>;
  let pending: SentimentMessage[] = [];
  let inFlight = 0;
  let tail: Promise<void> = Promise.resolve();
  let cancelLinger: (() => void) | null = null;

  // Packed per attempt: a sent task's buffers have moved to the pool.
  const score = (texts: string[]) =>
    retry('sentiment pool', () => {
      const task = packTexts(texts);
      return ctx.offload<ScoreTask, Float64Array>(task, taskBuffers(task));
    }, { attempts: 3, backoff: { minMs: 20, maxMs: 500, jitter: 0.2 } });

  /** Send what is pending to the pool; results join the ordered tail. */
  const flush = () => {
    cancelLinger?.();
    cancelLinger = null;
    while (pending.length > 0) {
      const batch = pending.slice(0, o.maxBatch);
      pending = pending.slice(batch.length);
      const scored = score(batch.map((t) => t.text));
      scored.catch(() => undefined); // surfaced through `tail`, in order
      inFlight++;
      tail = tail.then(async () => {
        const scores = await scored.catch((e: unknown) => {
          // Rows of this and later in-flight batches would be lost by a restart: escalate, so the
          // pipeline stops and replays them from the last checkpoint.
          throw new ActorError(`scoring ${batch.length} texts failed: ${errorMessage(e)}`, 'external', false, { cause: e });
        });
        inFlight--;
        const rows = explode(batch, scores);
        const emits = [ctx.emit(rows, { keys: rows.map((r) => r.topic) })];
        if (o.analytics) {
          const slim: TweetScore[] = [];
          for (const r of rows) if (r.topic !== UNTAGGED_TOPIC) slim.push({ kind: 'tweet-score', id: r.id, topic: r.topic, createdAt: r.createdAt, ingestTs: r.ingestTs, sentimentScore: r.sentimentScore, late: r.late });
          emits.push(ctx.emit(slim, { output: 'scores', keys: slim.map((r) => r.topic) }));
        }
        await Promise.all(emits);
      });
    }
  };

  const drain = async () => {
    flush();
    await tail;
  };

  const actor: Behavior<SentimentMessage, SentimentOutputs> = {
    init(c) {
      ctx = c;
    },
    async handle(records) {
      for (const r of records) pending.push(r);
      if (pending.length >= o.minBatch) flush();
      else cancelLinger ??= ctx.schedule(o.lingerMs, flush);
      if (inFlight >= o.maxInFlight) await tail;
    },
    onWatermark: drain,
    onBarrier: drain,
    close: drain,
  };
  return actor;
});

export default createSentiment;
