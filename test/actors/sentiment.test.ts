// The sentiment actor on a fake context and a fake pool: texts go to the pool in batches of at
// least minBatch (or after lingerMs on the clock), results come out in input order however the
// pool answers, one row per (tweet, symbol), and a pool that keeps failing fails the actor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import createSentiment, { explode } from '../../src/actors/sentiment/actor.js';
import type { SentimentOptions } from '../../src/actors/sentiment/protocol.js';
import { unpackTexts, type ScoreTask } from '../../src/actors/sentiment/score-task.js';
import { UNTAGGED_TOPIC } from '../../src/domain/cashtags.js';
import type { ParsedTweet, TweetRow, TweetScore } from '../../src/domain/records.js';
import type { ActorContext } from '../../src/runtime/actor.js';
import { ActorError } from '../../src/runtime/errors.js';
import { batchInfo, startActor } from '../helpers/actor-harness.js';

const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
const tweet = (offset: number, symbols: string[], text = `tweet ${offset}`): ParsedTweet => ({
  kind: 'tweet', id: `t0-${offset}`, partition: 0, offset, createdAt: T0 + offset * 1_000, ingestTs: T0, text, userId: 'u1', symbols, late: false,
});
const options: SentimentOptions = { pipeline: 't', minBatch: 3, maxBatch: 2, lingerMs: 50, maxInFlight: 2, analytics: true };

/** A pool whose tasks the test resolves one by one, in any order: the score of a text is its length / 100. */
function manualPool() {
  const tasks: { texts: string[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const offload = ((task: ScoreTask) =>
    new Promise<Float64Array>((resolve, reject) => {
      const texts = unpackTexts(task);
      tasks.push({ texts, resolve: () => resolve(Float64Array.from(texts.map((t) => t.length / 100))), reject });
    })) as ActorContext['offload'];
  return { tasks, adjust: (ctx: ActorContext): ActorContext => ({ ...ctx, offload }) };
}

test('sentiment: below minBatch texts wait for lingerMs on the clock, then go to the pool', async () => {
  const pool = manualPool();
  const s = await startActor(createSentiment, options, 'sentiment', 0, pool.adjust);
  await s.actor.handle!([tweet(0, ['AAPL']), tweet(1, ['TSLA'])], batchInfo);
  await Promise.resolve();
  assert.equal(pool.tasks.length, 0, 'two texts are fewer than minBatch 3: they linger');
  s.clock.advance(49);
  assert.equal(pool.tasks.length, 0);
  s.clock.advance(1);
  assert.deepEqual(pool.tasks.map((t) => t.texts), [['tweet 0', 'tweet 1']], 'sent once lingerMs has passed');
  pool.tasks[0].resolve();
  await s.actor.onWatermark!(T0);
  assert.deepEqual(s.out<TweetRow>().map((r) => [r.id, r.topic, r.sentimentScore]), [['t0-0', 'AAPL', 0.07], ['t0-1', 'TSLA', 0.07]]);
});

test('sentiment: batches of at most maxBatch, results emitted in input order whatever order the pool answers in', async () => {
  const pool = manualPool();
  const s = await startActor(createSentiment, options, 'sentiment', 0, pool.adjust);
  let handled = false;
  const handling = Promise.resolve(s.actor.handle!([tweet(0, ['AAPL']), tweet(1, ['AAPL'], 'longer text'), tweet(2, ['MSFT'], 'x')], batchInfo)).then(() => (handled = true));
  assert.deepEqual(pool.tasks.map((t) => t.texts.length), [2, 1], 'three texts: one task of maxBatch 2 and one of 1');
  pool.tasks[1].resolve();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(s.out(), [], 'the second task answered first: nothing may overtake the first');
  assert.equal(handled, false, 'maxInFlight 2 tasks in flight: the batch is not done (its credit is held)');
  pool.tasks[0].resolve();
  await handling;
  await s.actor.onBarrier!(1);
  assert.deepEqual(s.out<TweetRow>().map((r) => r.id), ['t0-0', 't0-1', 't0-2']);
  assert.deepEqual(s.out<TweetRow>().map((r) => r.sentimentScore), [0.07, 0.11, 0.01]);
});

test('sentiment: one row per (tweet, symbol); a tweet naming none is one row under NONE and no score for the windows', async () => {
  const pool = manualPool();
  const s = await startActor(createSentiment, { ...options, minBatch: 1, maxBatch: 10 }, 'sentiment', 0, pool.adjust);
  await s.actor.handle!([tweet(0, ['AAPL', 'TSLA']), tweet(1, [])], batchInfo);
  for (const t of pool.tasks) t.resolve();
  await s.actor.close!();
  assert.deepEqual(s.out<TweetRow>().map((r) => [r.id, r.topic]), [['t0-0', 'AAPL'], ['t0-0', 'TSLA'], ['t0-1', UNTAGGED_TOPIC]]);
  assert.deepEqual(s.out<TweetScore>('scores').map((r) => [r.kind, r.id, r.topic]), [['tweet-score', 't0-0', 'AAPL'], ['tweet-score', 't0-0', 'TSLA']]);
  const plain = await startActor(createSentiment, { ...options, minBatch: 1, analytics: false }, 'sentiment', 0, manualPool().adjust);
  await plain.actor.close!();
  assert.equal(plain.emitted.has('scores'), false, 'without analytics there is no scores output');
  assert.deepEqual(explode([tweet(5, ['A', 'B'])], Float64Array.of(0.5)).map((r) => r.sentimentScore), [0.5, 0.5]);
});

test('sentiment: a pool that fails three times fails the actor with an error naming the batch', async () => {
  let calls = 0;
  const adjust = (ctx: ActorContext): ActorContext => ({ ...ctx, offload: (() => (calls++, Promise.reject(new Error('worker died')))) as ActorContext['offload'] });
  const s = await startActor(createSentiment, { ...options, minBatch: 1 }, 'sentiment', 0, adjust);
  await s.actor.handle!([tweet(0, ['AAPL'])], batchInfo);
  await assert.rejects(async () => s.actor.onWatermark!(T0), (e: unknown) => e instanceof ActorError && /scoring 1 texts failed: .*worker died/.test(e.message));
  assert.equal(calls, 3);
  assert.deepEqual(s.out(), []);
});
