// The parse actor with a fake context: lateness is decided per topic partition, from that topic
// partition's records alone, so the order in which the two topics of a partition interleave does
// not change it; the partition's watermark is the minimum over its topics; idle markers release
// it; its state survives a snapshot and restore.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import createParse from '../../src/actors/parse/actor.js';
import type { ParseState } from '../../src/actors/parse/protocol.js';
import type { LateRow, ParsedTweet, PriceRow, SourceRecord } from '../../src/domain/records.js';
import { formatSeedTime } from '../../src/domain/time.js';
import { fakeContext } from '../helpers/fake-context.js';

const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
const S = 1_000;
const LATENESS = 120 * S;
const info = { link: 'l', fromStage: 'source', fromPartition: 0 };
const tweet = (offset: number, t: number, text = '$AAPL and $TSLA up'): SourceRecord => ({
  topic: 'tweets', partition: 0, offset, key: null, ingestTs: 0, value: JSON.stringify({ created_at: formatSeedTime(t), text, user_id: 'u1' }),
});
const price = (offset: number, t: number): SourceRecord => ({
  topic: 'stock-prices', partition: 0, offset, key: 'AAPL', ingestTs: 0,
  value: JSON.stringify({ symbol: 'AAPL', trade_timestamp: formatSeedTime(t), open_price: 100, close_price: 101, volume: 10 }),
});

async function parse(batches: SourceRecord[][], state?: ParseState) {
  const f = fakeContext('parse');
  const a = await createParse({ pipeline: 't', allowedLatenessMs: LATENESS }, f.ctx.self);
  await a.init!(f.ctx);
  if (state !== undefined) a.restore!(state);
  for (const b of batches) await a.handle!(b, info);
  const late = (xs: { id: string; late: boolean }[]) => xs.filter((x) => x.late).map((x) => x.id).sort();
  return { f, a, lateTweets: late(f.out<ParsedTweet>('tweets')), latePrices: late(f.out<PriceRow>('prices')), lateRows: f.out<LateRow>('late') };
}

test('parse: a record is late only against its own topic partition; late rows carry the watermark they missed', async () => {
  // Tweets run 10 minutes ahead of prices: the prices are on time in their own topic partition.
  const r = await parse([[tweet(0, T0 + 600 * S), tweet(1, T0 + 400 * S), price(0, T0), price(1, T0 + 10 * S), price(2, T0 - 200 * S)]]);
  assert.equal(r.lateTweets.length, 1, 'the tweet 200 s behind its topic partition is late');
  assert.equal(r.latePrices.length, 1, 'only the tick 210 s behind the ticks before it is late');
  assert.deepEqual(r.lateRows.map((l) => [l.recordKind, l.symbol, l.watermark, l.stage]), [
    ['tweet', 'AAPL', T0 + 480 * S, 'parse'], ['tweet', 'TSLA', T0 + 480 * S, 'parse'], ['price', 'AAPL', T0 + 10 * S - LATENESS, 'parse'],
  ]);
  assert.deepEqual(r.f.watermarks, [T0 + 10 * S - LATENESS], 'the minimum over the two topics');
});

test('parse: how the two topics interleave, and how records are batched, does not change what is late', async () => {
  const tweets = Array.from({ length: 60 }, (_, i) => tweet(i, T0 + i * 10 * S - (i % 7 === 3 ? 150 * S : 0)));
  const prices = Array.from({ length: 40 }, (_, i) => price(i, T0 + i * 5 * S - (i % 5 === 2 ? 130 * S : 0)));
  const together = await parse([[...tweets, ...prices]]);
  const interleaved: SourceRecord[][] = [];
  for (let k = 0; k < 20; k++) interleaved.push([...prices.slice(2 * k, 2 * k + 2), ...tweets.slice(3 * k, 3 * k + 3)]);
  const apart = await parse(interleaved);
  assert.ok(together.lateTweets.length > 0 && together.latePrices.length > 0);
  assert.deepEqual(apart.lateTweets, together.lateTweets);
  assert.deepEqual(apart.latePrices, together.latePrices);
});

test('parse: a topic partition that has read nothing holds the watermark back until it is idle; all idle is idle', async () => {
  const r = await parse([[tweet(0, T0 + 600 * S)]]);
  assert.deepEqual(r.f.watermarks, [], 'prices have said nothing yet');
  await r.a.handle!([{ kind: 'idle', topic: 'stock-prices', partition: 0 }], info);
  assert.deepEqual(r.f.watermarks, [T0 + 600 * S - LATENESS], 'idle prices no longer hold it back');
  assert.equal(r.f.idles(), 0);
  await r.a.handle!([{ kind: 'idle', topic: 'tweets', partition: 0 }], info);
  assert.equal(r.f.idles(), 1, 'every topic partition idle: the partition is idle');
  // A tick that comes back behind the announced watermark is late against it.
  await r.a.handle!([price(0, T0 + 300 * S)], info);
  assert.deepEqual(r.f.out<LateRow>('late').map((l) => [l.recordKind, l.watermark]), [['price', T0 + 600 * S - LATENESS]]);
});

test('parse: decisions after a restore equal those of an uninterrupted run', async () => {
  const batches = Array.from({ length: 10 }, (_, b) => Array.from({ length: 10 }, (_, i) => {
    const n = b * 10 + i;
    return n % 3 === 0 ? price(n, T0 + n * 4 * S - (n % 11 === 0 ? 200 * S : 0)) : tweet(n, T0 + n * 4 * S - (n % 7 === 0 ? 150 * S : 0));
  }));
  const whole = await parse(batches);
  const first = await parse(batches.slice(0, 5));
  const resumed = await parse(batches.slice(5), first.a.snapshot!());
  assert.deepEqual([...first.lateTweets, ...resumed.lateTweets].sort(), whole.lateTweets);
  assert.deepEqual([...first.latePrices, ...resumed.latePrices].sort(), whole.latePrices);
  assert.deepEqual([...first.lateRows, ...resumed.lateRows].map((l) => l.seq), whole.lateRows.map((l) => l.seq), 'late rows keep numbering on');
});

test('parse: a checkpoint of the version with one maximum over both topics restores it for each', async () => {
  const r = await parse([[tweet(0, T0 - 200 * S), price(0, T0 - 130 * S), price(1, T0)]], { maxEventTime: T0 });
  assert.equal(r.lateTweets.length, 1);
  assert.equal(r.latePrices.length, 1);
});
