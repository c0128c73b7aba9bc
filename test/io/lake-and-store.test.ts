// Adapters on real disk: the local lake commits atomically and lists by prefix; rolling Parquet
// files are named by partition and offset range and recovered by offset; the LMDB store returns
// newest first and stays bounded.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PriceRow, TweetRow } from '../../src/domain/records.js';
import { LocalLake } from '../../src/io/lake/local-lake.js';
import { tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { parseFileName, RollingFiles } from '../../src/io/parquet/rolling-files.js';
import { open } from 'lmdb';
import { rng } from '../../src/domain/random.js';
import { servingId } from '../../src/domain/records.js';
import { LmdbServingStore } from '../../src/io/store/lmdb-store.js';
import { duckdb } from '../helpers/duckdb.js';

const tweet = (topic: string, offset: number, createdAt = 1_700_000_000_000 + offset * 1000): TweetRow => ({
  kind: 'tweet-row', id: `id-${offset}`, topic, partition: 2, offset, createdAt, ingestTs: createdAt + 5, text: `t${offset} $${topic}`, userId: 'u', sentimentScore: offset / 100, late: false,
});

test('rolling files: roll by rows, name by partition and offset range, recover by offset', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cashtag-lake-'));
  const lake = new LocalLake(root);
  const files = new RollingFiles<TweetRow>(lake, tweetsTable, 2, { maxRows: 3, maxAgeMs: 60_000 });
  const committed = [];
  const needingIo = [];
  // As the sinks do: tryAppend, and append what needs I/O (a file to open, a file to roll).
  for (let o = 10; o < 17; o++) {
    const row = tweet(o % 2 ? 'AAPL' : 'TSLA', o);
    if (files.tryAppend(o, row)) continue;
    needingIo.push(o);
    const c = await files.append(o, row, 0);
    if (c) committed.push(c.key);
  }
  assert.deepEqual(needingIo, [10, 11, 14, 15, 16], 'opening a file, and the row that fills it');
  committed.push(...(await files.rollAll()).map((c) => c.key));
  assert.deepEqual(committed.sort(), [
    'tweets_v2/topic=AAPL/part-p002-o000000011-000000015.snappy.parquet',
    'tweets_v2/topic=TSLA/part-p002-o000000010-000000014.snappy.parquet',
    'tweets_v2/topic=TSLA/part-p002-o000000016-000000016.snappy.parquet',
  ].sort());
  assert.deepEqual(parseFileName('part-p002-o000000016-000000016.snappy.parquet'), { tag: '', partition: 2, first: 16, last: 16 });
  assert.deepEqual(parseFileName('part-join-p002-o000000016-000000017.snappy.parquet'), { tag: 'join', partition: 2, first: 16, last: 17 });
  assert.deepEqual(readdirSync(join(root, '.scratch')), [], 'no scratch file left after commit');
  const db = await duckdb();
  const rows = await db.all(`SELECT topic, source_offset, created_at FROM read_parquet('${root}/twitter-bronze/tweets_v2/*/*.parquet', hive_partitioning = true) ORDER BY source_offset`);
  db.close();
  assert.deepEqual(rows.map((r) => r.source_offset), [10, 11, 12, 13, 14, 15, 16]);
  assert.equal(rows[0].topic, 'TSLA');
  assert.equal(await files.recover(16), 1, 'only the file starting at/after 16 goes');
  assert.equal((await lake.list('twitter-bronze', 'tweets_v2/')).length, 2);
});

test('lmdb store: newest first per symbol, since filter, idempotent upserts, bounded', async () => {
  const store = new LmdbServingStore(mkdtempSync(join(tmpdir(), 'cashtag-store-')));
  try {
    const rows = Array.from({ length: 20 }, (_, i) => tweet(i % 2 ? 'AAPL' : 'TSLA', i));
    await store.upsertTweets(rows);
    await store.upsertTweets(rows.slice(0, 5)); // a replay
    const aapl = await store.latestTweets('AAPL', { limit: 3 });
    assert.deepEqual(aapl.map((t) => t.id), ['id-19', 'id-17', 'id-15']);
    assert.equal((await store.latestTweets('AAPL', { limit: 100 })).length, 10, 'replayed rows overwrite, not duplicate');
    const since = await store.latestTweets('TSLA', { limit: 100, sinceMs: rows[14].createdAt });
    assert.deepEqual(since.map((t) => t.id), ['id-18', 'id-16', 'id-14']);
    const until = await store.latestTweets('TSLA', { limit: 2, sinceMs: rows[4].createdAt, untilMs: rows[14].createdAt });
    assert.deepEqual(until.map((t) => t.id), ['id-12', 'id-10'], 'newest first before the exclusive end');
    assert.deepEqual(await store.latestTweets('MSFT'), []);
    const price: PriceRow = { kind: 'price', id: 'p1', symbol: 'AAPL', partition: 0, offset: 1, tradeTs: 5, ingestTs: 6, openPrice: 1, closePrice: 2, volume: 3, late: false };
    await store.upsertPrices([price, { ...price, id: 'p2', tradeTs: 9 }]);
    assert.deepEqual((await store.latestPrices('AAPL')).map((p) => p.id), ['p2', 'p1']);
    // Bounded in time: nothing older than row 12's time (row 12 itself stays).
    assert.equal(await store.expire(['AAPL', 'TSLA'], rows[12].createdAt), 12 + 2, 'twelve tweets and both ticks');
    assert.deepEqual(await store.latestPrices('AAPL'), []);
    assert.deepEqual((await store.latestTweets('AAPL', { limit: 100 })).map((t) => t.id), ['id-19', 'id-17', 'id-15', 'id-13']);
    assert.deepEqual((await store.latestTweets('TSLA', { limit: 100 })).map((t) => t.id), ['id-18', 'id-16', 'id-14', 'id-12']);
    assert.equal(await store.expire(['AAPL'], Number.NEGATIVE_INFINITY), 0, 'no cutoff, nothing goes');
  } finally {
    await store.close();
  }
});

test('lmdb store: the row cap keeps the newest N per symbol and table, whatever the order and the writer', async () => {
  const path = mkdtempSync(join(tmpdir(), 'cashtag-store-'));
  // Two handles on one store, as the sinks of two partitions on two threads.
  const [a, b] = [new LmdbServingStore(path, { maxRowsPerSymbol: 5 }), new LmdbServingStore(path, { maxRowsPerSymbol: 5 })];
  const r = rng(7);
  const rows = Array.from({ length: 60 }, (_, i) => tweet(i % 3 ? 'AAPL' : 'TSLA', i, 1_700_000_000_000 + Math.floor(r() * 40) * 1000)); // ties in time too
  const newest = (symbol: string, n: number) =>
    rows.filter((t) => t.topic === symbol).sort((x, y) => y.createdAt - x.createdAt || (servingId(x.id) < servingId(y.id) ? -1 : 1)).slice(0, n).map((t) => servingId(t.id));
  // A handle reads a snapshot renewed once per event turn: after another handle's commit, the next turn sees it.
  const nextTurn = () => new Promise((r) => setTimeout(r, 0));
  const price = (i: number, tradeTs: number): PriceRow => ({ kind: 'price', id: `p${i}`, symbol: 'AAPL', partition: 0, offset: i, tradeTs, ingestTs: tradeTs, openPrice: 1, closePrice: 2, volume: 3, late: false });
  try {
    for (let i = 0; i < rows.length; i += 7) {
      await (i % 2 ? a : b).upsertTweets(rows.slice(i, i + 7));
      if (i % 3 === 0) await a.upsertTweets(rows.slice(0, i + 1)); // replays, some of rows already capped out
    }
    await nextTurn();
    assert.deepEqual((await b.latestTweets('AAPL', { limit: 100 })).map((t) => t.id), newest('AAPL', 5));
    assert.deepEqual((await a.latestTweets('TSLA', { limit: 100 })).map((t) => t.id), newest('TSLA', 5));
    await Promise.all([a.upsertPrices([9, 3, 7].map((t, i) => price(i, t))), b.upsertPrices([1, 8, 2, 6, 4].map((t, i) => price(10 + i, t)))]);
    await nextTurn();
    assert.deepEqual((await a.latestPrices('AAPL', { limit: 100 })).map((p) => p.trade_timestamp), [9, 8, 7, 6, 4]);
    // The time bound removes rows, and the count follows: later writes evict only what is over the cap.
    const cut = Number((await a.latestTweets('AAPL', { limit: 3 }))[2].created_at);
    await a.expire(['AAPL'], cut);
    const kept = (await a.latestTweets('AAPL', { limit: 100 })).length;
    assert.ok(kept >= 3 && kept < 5, `${kept} rows kept`);
    const later = [tweet('AAPL', 100, 1_800_000_000_000), tweet('AAPL', 101, 1_800_000_000_000)];
    await b.upsertTweets(later);
    await nextTurn();
    assert.equal((await a.latestTweets('AAPL', { limit: 100 })).length, Math.min(5, kept + 2));
  } finally {
    await a.close();
    await b.close();
  }
});

test('lmdb store: a store from before row counts is counted on open, then capped', async () => {
  const path = mkdtempSync(join(tmpdir(), 'cashtag-store-'));
  const rows = Array.from({ length: 12 }, (_, i) => tweet('AAPL', i));
  const old = new LmdbServingStore(path);
  await old.upsertTweets(rows);
  await old.close();
  const raw = open({ path, maxDbs: 8 });
  raw.openDB({ name: 'row_counts' }).dropSync(); // as a store written by an older cashtag
  await raw.close();
  const store = new LmdbServingStore(path, { maxRowsPerSymbol: 4 });
  try {
    await store.upsertTweets([tweet('AAPL', 12)]);
    assert.deepEqual((await store.latestTweets('AAPL', { limit: 100 })).map((t) => t.id), ['id-12', 'id-11', 'id-10', 'id-9']);
  } finally {
    await store.close();
  }
});
