// The generator source on a fake context and a manual clock: it emits at its rate on the clock,
// tweets and ticks in their own offset spaces, stops at its limit, and a restored source goes on
// from its snapshot with exactly the records an uninterrupted one emits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import createGeneratorSource from '../../src/actors/generator-source/actor.js';
import type { GeneratorSourceOptions, GeneratorSourceOutputs, GeneratorSourceState } from '../../src/actors/generator-source/protocol.js';
import { Generator, type GeneratorSettings } from '../../src/domain/generator.js';
import type { SourceRecord } from '../../src/domain/records.js';
import { startActor } from '../helpers/actor-harness.js';

const generator: GeneratorSettings = {
  seed: 11, symbols: ['AAPL', 'TSLA', 'MSFT'], partitions: 2, epochMs: Date.UTC(2025, 11, 18, 14), tweetSpacingMs: 50, priceSpacingMs: 100,
  outOfOrder: 0.1, late: 0, malformed: 0.01, allowedLatenessMs: 120_000,
};
const options: GeneratorSourceOptions = { pipeline: 't', generator, tweetRate: 0, pricesPerTweet: 0.5, limit: 10, batchSize: 4, lingerMs: 100 };
const key = (r: SourceRecord) => ('kind' in r ? `idle:${r.topic}` : `${r.topic}@${r.offset}`);

/** Produce until done, moving the clock by lingerMs whenever the source is idle (a partial batch lingers). */
type Started = Awaited<ReturnType<typeof startActor<GeneratorSourceOptions, never, GeneratorSourceOutputs, GeneratorSourceState>>>;

async function drain(s: Started): Promise<string[]> {
  const statuses: string[] = [];
  for (let i = 0; i < 100; i++) {
    const st = await s.actor.produce!();
    statuses.push(st);
    if (st === 'done') break;
    if (st === 'idle') s.clock.advance(options.lingerMs);
  }
  return statuses;
}

/** A partition of `generator` that owns at least one symbol. */
const owning = () => [0, 1].find((p) => new Generator(generator).symbolsOf(p).length > 0)!;

test('generator source: batches of batchSize up to the limit, ticks interleaved at pricesPerTweet, then done', async () => {
  const p = owning();
  const s = await startActor(createGeneratorSource, options, 'source', p);
  assert.deepEqual(await drain(s), ['more', 'more', 'idle', 'more', 'done'], 'the last 2 tweets are a partial batch: sent after lingerMs');
  const out = s.out<SourceRecord>();
  const tweets = out.filter((r) => !('kind' in r) && r.topic === 'tweets');
  const prices = out.filter((r) => !('kind' in r) && r.topic === 'stock-prices');
  assert.deepEqual(tweets.map((r) => (r as { offset: number }).offset), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(prices.map((r) => (r as { offset: number }).offset), [0, 1, 2, 3, 4], 'one tick every two tweets');
  const gen = new Generator(generator);
  assert.deepEqual(tweets.map((r) => (r as { value: string }).value), tweets.map((_, i) => gen.generate('tweets', p, i).value), 'the values are the generator\'s for each offset');
  assert.equal(await s.metric('cashtag_source_records_total', 'topic="tweets"'), 10);
  assert.deepEqual(s.actor.snapshot!(), { tweets: 10, prices: 5 });
});

test('generator source: with a rate, records are due by the manual clock; a partial batch waits lingerMs', async () => {
  const p = owning();
  const s = await startActor(createGeneratorSource, { ...options, tweetRate: 20, limit: -1, pricesPerTweet: 0 }, 'source', p);
  assert.equal(await s.actor.produce!(), 'idle', 'nothing is due at the start');
  s.clock.advance(100);
  assert.equal(await s.actor.produce!(), 'more', '2 tweets due after 100 ms at 20/s: a partial batch once lingerMs has passed');
  assert.equal(s.out().length, 2);
  s.clock.advance(50);
  assert.equal(await s.actor.produce!(), 'idle', 'one due, but the last emit was 50 ms ago: it lingers');
  s.clock.advance(150);
  assert.equal(await s.actor.produce!(), 'more', 'four due: a full batch goes at once');
  assert.equal(s.out().length, 6);
});

test('generator source: a restored source continues where its snapshot left off, record for record', async () => {
  const p = owning();
  const whole = await startActor(createGeneratorSource, options, 'source', p);
  await drain(whole);
  const first = await startActor(createGeneratorSource, options, 'source', p);
  await first.actor.produce!();
  await first.actor.produce!();
  const snap = first.actor.snapshot!();
  const second = await startActor(createGeneratorSource, options, 'source', p);
  second.actor.restore!(structuredClone(snap));
  await drain(second);
  assert.deepEqual([...first.out<SourceRecord>(), ...second.out<SourceRecord>()].map(key), whole.out<SourceRecord>().map(key));
});

test('generator source: a partition that owns no symbol says at once that its prices are idle, and has no ticks', async () => {
  const lonely: GeneratorSettings = { ...generator, symbols: ['AAPL'], partitions: 4 };
  const p = [0, 1, 2, 3].find((q) => new Generator(lonely).symbolsOf(q).length === 0)!;
  const s = await startActor(createGeneratorSource, { ...options, generator: lonely }, 'source', p);
  await drain(s);
  const out = s.out<SourceRecord>().map(key);
  assert.equal(out[0], 'idle:stock-prices');
  assert.equal(out.filter((k) => k.startsWith('idle')).length, 1, 'said once');
  assert.equal(out.filter((k) => k.startsWith('stock-prices')).length, 0);
  assert.equal(out.length, 11);
});
