// The store sink on a fake context over a real LMDB serving store, read back through a fresh
// handle: tweets (not topic NONE), ticks, windows and alerts are upserted when the batch is
// handled, a replayed batch changes nothing, a row the store refuses becomes a dead letter on
// `dead` while the rest is written, and retention expires old rows at a barrier.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import createStoreSink from '../../src/actors/store-sink/actor.js';
import type { StoreSinkOptions } from '../../src/actors/store-sink/protocol.js';
import { UNTAGGED_TOPIC } from '../../src/domain/cashtags.js';
import { servingId, type AlertRow, type DeadLetter, type PriceRow, type TweetRow, type WindowRow } from '../../src/domain/records.js';
import { LmdbServingStore } from '../../src/io/store/lmdb-store.js';
import { batchInfo, inTempDir, startActor } from '../helpers/actor-harness.js';

const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
const MIN = 60_000;
const tweet = (offset: number, topic = 'AAPL', createdAt = T0 + offset * MIN): TweetRow => ({
  kind: 'tweet-row', id: `t0-${offset}`, topic, partition: 0, offset, createdAt, ingestTs: T0, text: `$${topic.slice(0, 10)} #${offset}`, userId: 'u1', sentimentScore: 0.5, late: false,
});
const price = (offset: number, tradeTs = T0 + offset * MIN): PriceRow => ({
  kind: 'price', id: `p0-${offset}`, symbol: 'AAPL', partition: 0, offset, tradeTs, ingestTs: T0, openPrice: 10, closePrice: 11, volume: 5, late: false,
});
const window: WindowRow = {
  kind: 'window', seq: 0, symbol: 'AAPL', windowStart: T0, windowEnd: T0 + 5 * MIN, tweetCount: 2, meanSentiment: -0.6, minSentiment: -0.7, maxSentiment: -0.5,
  positiveCount: 0, negativeCount: 2, tickCount: 1, open: 10, close: 9, high: 10, low: 9, volume: 5, vwap: 9.5,
} as WindowRow;
const alert: AlertRow = { kind: 'alert', seq: 0, symbol: 'AAPL', windowStart: T0, windowEnd: T0 + 5 * MIN, meanSentiment: -0.6, tweetCount: 2, open: 10, close: 9, change: -0.1 };
const options = (path: string, o: Partial<StoreSinkOptions> = {}): StoreSinkOptions => ({ pipeline: 't', store: { kind: 'lmdb', path }, retentionMs: 0, maxRowsPerSymbol: 0, retryBudgetMs: 1_000, ...o });

const byUuid = new Map([...Array(30).keys()].flatMap((o) => [[servingId(`t0-${o}`), `t0-${o}`], [servingId(`p0-${o}`), `p0-${o}`]] as [string, string][]));

/** What a fresh handle on the store reads (rows keyed by record id, as the pipeline names them). */
async function readBack(path: string) {
  const store = new LmdbServingStore(path);
  try {
    return {
      symbols: await store.symbols(),
      tweets: (await store.latestTweets('AAPL', { limit: 100 })).map((t) => byUuid.get(t.id) ?? t.id).sort(),
      prices: (await store.latestPrices('AAPL', { limit: 100 })).map((p) => byUuid.get(p.id) ?? p.id).sort(),
      window: await store.latestWindow('AAPL'),
    };
  } finally {
    await store.close();
  }
}

test('store sink: tweets, ticks, windows and alerts are in the store once the batch is handled; topic NONE is not', async () => {
  await inTempDir('store-sink', async (dir) => {
    const path = join(dir, 'store');
    const s = await startActor(createStoreSink, options(path), 'store-sink', 0);
    const batch = [tweet(0), tweet(1), tweet(2, UNTAGGED_TOPIC), price(0), window, alert];
    await s.actor.handle!(batch, batchInfo);
    await s.actor.handle!(batch, batchInfo); // a replay after a crash: upserts, nothing twice
    await s.actor.close!();
    const r = await readBack(path);
    assert.deepEqual(r.symbols, ['AAPL']);
    assert.deepEqual(r.tweets, ['t0-0', 't0-1']);
    assert.deepEqual(r.prices, ['p0-0']);
    assert.equal(r.window?.window_end, T0 + 5 * MIN);
    assert.equal(r.window?.mean_sentiment, -0.6);
    assert.equal(await s.metric('cashtag_sink_rows_written_total', 'table="tweets"'), 4, 'two tweets in each of the two batches');
    assert.equal(await s.metric('cashtag_sink_rows_written_total', 'table="alerts"'), 2);
    assert.deepEqual(s.out('dead'), []);
  });
});

test('store sink: a row the store refuses (a key over LMDB\'s limit) is a dead letter; the rest of its batch is written', async () => {
  await inTempDir('store-sink', async (dir) => {
    const path = join(dir, 'store');
    const s = await startActor(createStoreSink, options(path), 'store-sink', 0);
    await s.actor.handle!([tweet(0), tweet(1, 'X'.repeat(3_000)), tweet(2), price(0)], batchInfo);
    await s.actor.close!();
    const dead = s.out<DeadLetter>('dead');
    assert.deepEqual(dead.map((d) => [d.topic, d.offset, d.reason]), [['tweets', 1, 'rejected_by_store']]);
    const r = await readBack(path);
    assert.deepEqual(r.tweets, ['t0-0', 't0-2']);
    assert.deepEqual(r.prices, ['p0-0']);
    assert.equal(await s.metric('cashtag_dead_letters_total', 'reason="rejected_by_store"'), 1);
    assert.equal(await s.metric('cashtag_sink_rows_written_total', 'table="tweets"'), 2);
  });
});

test('store sink: at a barrier, rows older than the retention behind the newest are expired', async () => {
  await inTempDir('store-sink', async (dir) => {
    const path = join(dir, 'store');
    const s = await startActor(createStoreSink, options(path, { retentionMs: 10 * MIN }), 'store-sink', 0);
    await s.actor.handle!([tweet(0), tweet(5), tweet(20), price(0), price(20)], batchInfo);
    await s.actor.onBarrier!(1);
    await s.actor.close!();
    const r = await readBack(path);
    assert.deepEqual(r.tweets, ['t0-20'], 'newest at 20 min, retention 10 min: 0 and 5 are gone');
    assert.deepEqual(r.prices, ['p0-20']);
  });
});

test('store sink: the row cap holds after every batch, without waiting for a barrier', async () => {
  await inTempDir('store-sink', async (dir) => {
    const path = join(dir, 'store');
    const s = await startActor(createStoreSink, options(path, { maxRowsPerSymbol: 2 }), 'store-sink', 0);
    await s.actor.handle!([tweet(3), tweet(1), price(0), price(1), price(2)], batchInfo);
    await s.actor.handle!([tweet(0), tweet(4), tweet(2)], batchInfo); // 0 and 2 arrive too old to keep
    await s.actor.close!();
    const r = await readBack(path);
    assert.deepEqual(r.tweets, ['t0-3', 't0-4']);
    assert.deepEqual(r.prices, ['p0-1', 'p0-2']);
  });
});
