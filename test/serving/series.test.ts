// foldSeries, the bucketing behind GET /api/series: alignment, range bounds per kind, open and
// close by event time whatever order the store returns rows in, ties broken by id.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredPrice, StoredTweet } from '../../src/io/store/serving-store.js';
import { apiBucket, foldSeries } from '../../src/pipelines/serving/series.js';

const tick = (id: string, t: number, open: number, close: number, volume = 10): StoredPrice => ({ id, symbol: 'AAPL', trade_timestamp: t, ingest_timestamp: t, open_price: open, close_price: close, volume });
const tweet = (id: string, t: number, score: number): StoredTweet => ({ id, topic: 'AAPL', created_at: t, ingest_timestamp: t, text: 'x', user_id: 'u', sentiment_score: score }) as StoredTweet;

test('ticks and tweets fold into aligned buckets; open, close, high and low follow event time', () => {
  const prices = [tick('b', 12_000, 101, 102), tick('a', 10_500, 100, 100.5), tick('c', 19_999, 102, 99, 5), tick('d', 20_000, 99, 98)];
  const tweets = [tweet('x', 10_000, 0.5), tweet('y', 15_000, -0.1), tweet('z', 25_000, 0.3)];
  const buckets = foldSeries([...prices].reverse(), tweets, { ticksFromMs: 0, tweetsFromMs: 0, toMs: 30_000, stepMs: 10_000 }).map(apiBucket);
  assert.deepEqual(buckets, [
    { start: '1970-01-01T00:00:10.000Z', ticks: 3, open: 100, high: 102, low: 99, close: 99, volume: 25, vwap: (100.5 * 10 + 102 * 10 + 99 * 5) / 25, tweets: 2, mean_sentiment: 0.2 },
    { start: '1970-01-01T00:00:20.000Z', ticks: 1, open: 99, high: 99, low: 98, close: 98, volume: 10, vwap: 98, tweets: 1, mean_sentiment: 0.3 },
  ]);
});

test('ties in event time are broken by id, so the store order cannot change the close', () => {
  const rows = [tick('p2', 5_000, 1, 2), tick('p1', 5_000, 3, 4)];
  for (const order of [rows, [...rows].reverse()]) {
    const [b] = foldSeries(order, [], { ticksFromMs: 0, tweetsFromMs: 0, toMs: 10_000, stepMs: 10_000 });
    assert.deepEqual([b.open, b.close], [3, 2]);
  }
});

test('rows outside [from, to) are left out, each kind from its own bound; empty buckets are not listed', () => {
  const prices = [tick('a', 999, 1, 1), tick('b', 1_000, 2, 2), tick('c', 5_000, 3, 3)];
  const tweets = [tweet('x', 2_000, 0.9), tweet('y', 3_000, -0.9), tweet('z', 5_000, 0)];
  const buckets = foldSeries(prices, tweets, { ticksFromMs: 1_000, tweetsFromMs: 3_000, toMs: 5_000, stepMs: 1_000 });
  assert.deepEqual(buckets.map((b) => [b.start, b.ticks, b.tweets]), [[1_000, 1, 0], [3_000, 0, 1]]);
  assert.equal(apiBucket(buckets[0]).mean_sentiment, null, 'no tweets: no mean');
});

test('the mean sentiment does not depend on the order the store returns tweets in', () => {
  // 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit as floats.
  const tweets = [tweet('a', 1_000, 0.1), tweet('b', 2_000, 0.2), tweet('c', 2_000, 0.3)];
  const means = [tweets, [...tweets].reverse(), [tweets[2], tweets[0], tweets[1]]].map((order) => apiBucket(foldSeries([], order, { ticksFromMs: 0, tweetsFromMs: 0, toMs: 10_000, stepMs: 10_000 })[0]).mean_sentiment);
  assert.equal(new Set(means).size, 1, `means: ${means.join(', ')}`);
});
