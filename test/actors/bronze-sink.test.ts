// The bronze sink on a fake context over a real local lake, read back by DuckDB: rows are in
// committed Parquet files once a barrier passes (not before), dead letters keep their raw bytes
// and reason, a row the lake refuses becomes a dead letter on `dead`, and a sink restored from
// a checkpoint deletes the files the replay rewrites, so every offset is in the lake once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import createBronzeSink from '../../src/actors/bronze-sink/actor.js';
import type { BronzeSinkOptions } from '../../src/actors/bronze-sink/protocol.js';
import type { DeadLetter, PriceRow, TweetRow } from '../../src/domain/records.js';
import { supersededKeys } from '../../src/io/parquet/file-names.js';
import { batchInfo, filesUnder, inTempDir, killAndRestart, startActor } from '../helpers/actor-harness.js';
import { duckdb } from '../helpers/duckdb.js';

const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
const tweet = (offset: number, topic = 'AAPL'): TweetRow => ({
  kind: 'tweet-row', id: `t1-${offset}`, topic, partition: 1, offset, createdAt: T0 + offset, ingestTs: T0, text: `$${topic} #${offset}`, userId: 'u1', sentimentScore: 0.25, late: false,
});
const price = (offset: number, volume = 100): PriceRow => ({
  kind: 'price', id: `p1-${offset}`, symbol: 'TSLA', partition: 1, offset, tradeTs: T0 + offset, ingestTs: T0, openPrice: 10, closePrice: 11, volume, late: false,
});
const dead = (offset: number): DeadLetter => ({ kind: 'dead-letter', topic: 'tweets', partition: 1, offset, ingestTs: T0, reason: 'not_json', detail: 'Unexpected token', raw: '{"text": ' });

let db: Awaited<ReturnType<typeof duckdb>>;
before(async () => (db = await duckdb()));
after(() => db.close());

function sink(root: string): BronzeSinkOptions {
  return { pipeline: 't', lake: { kind: 'local', root }, maxRowsPerFile: 1_000, maxFileAgeMs: 60_000 };
}
const bronze = (root: string, table: string) => `read_parquet('${join(root, 'twitter-bronze', table)}/*/*.parquet', hive_partitioning = true)`;

test('bronze sink: rows are committed Parquet once a barrier passes, under their Hive partition', async () => {
  await inTempDir('bronze', async (dir) => {
    const s = await startActor(createBronzeSink, sink(dir), 'bronze-sink', 1);
    await s.actor.handle!([tweet(0), tweet(1, 'MSFT'), price(0), dead(2), tweet(3)], batchInfo);
    assert.deepEqual(filesUnder(join(dir, 'twitter-bronze')), [], 'nothing committed before the barrier');
    await s.actor.onBarrier!(1);
    assert.deepEqual(filesUnder(join(dir, 'twitter-bronze')), [
      'dead_letters/topic=tweets/part-p001-o000000002-000000002.snappy.parquet',
      'stock_prices/symbol=TSLA/part-p001-o000000000-000000000.snappy.parquet',
      'tweets_v2/topic=AAPL/part-p001-o000000000-000000003.snappy.parquet',
      'tweets_v2/topic=MSFT/part-p001-o000000001-000000001.snappy.parquet',
    ]);
    const tweets = await db.all(`SELECT topic, record_id, source_offset, text, sentiment_score FROM ${bronze(dir, 'tweets_v2')} ORDER BY source_offset`);
    assert.deepEqual(tweets, [
      { topic: 'AAPL', record_id: 't1-0', source_offset: 0, text: '$AAPL #0', sentiment_score: 0.25 },
      { topic: 'MSFT', record_id: 't1-1', source_offset: 1, text: '$MSFT #1', sentiment_score: 0.25 },
      { topic: 'AAPL', record_id: 't1-3', source_offset: 3, text: '$AAPL #3', sentiment_score: 0.25 },
    ]);
    assert.deepEqual(await db.all(`SELECT symbol, volume FROM ${bronze(dir, 'stock_prices')}`), [{ symbol: 'TSLA', volume: 100 }]);
    const dl = await db.all(`SELECT topic, source_offset, reason, decode(raw) AS raw FROM ${bronze(dir, 'dead_letters')}`);
    assert.deepEqual(dl, [{ topic: 'tweets', source_offset: 2, reason: 'not_json', raw: '{"text": ' }]);
    assert.equal(await s.metric('cashtag_sink_rows_written_total', 'table="tweets_v2"'), 3);
    assert.equal(await s.metric('cashtag_sink_files_written_total', 'sink="bronze"'), 4);
    assert.deepEqual(s.actor.snapshot!(), { tweets: 4, prices: 1 });
    await s.actor.close!();
  });
});

test('bronze sink: a tick the lake cannot hold (a fractional volume) is a dead letter, archived and sent on `dead`', async () => {
  await inTempDir('bronze', async (dir) => {
    const s = await startActor(createBronzeSink, sink(dir), 'bronze-sink', 1);
    await s.actor.handle!([price(0), price(1, 1.5), price(2)], batchInfo);
    await s.actor.close!();
    const out = s.out<DeadLetter>('dead');
    assert.deepEqual(out.map((d) => [d.topic, d.offset, d.reason]), [['stock-prices', 1, 'rejected_by_lake']]);
    assert.match(out[0].detail, /volume/);
    assert.deepEqual(await db.all(`SELECT source_offset FROM ${bronze(dir, 'stock_prices')} ORDER BY 1`), [{ source_offset: 0 }, { source_offset: 2 }]);
    assert.deepEqual(await db.all(`SELECT topic, source_offset, reason FROM ${bronze(dir, 'dead_letters')}`), [{ topic: 'stock-prices', source_offset: 1, reason: 'rejected_by_lake' }]);
    assert.equal(await s.metric('cashtag_dead_letters_total', 'reason="rejected_by_lake"'), 1);
  });
});

test('bronze sink: restored from a checkpoint, it deletes what the replay rewrites; every offset is in the lake once', async () => {
  await inTempDir('bronze', async (dir) => {
    // The run dies before checkpoint 2 is saved: the next one restores checkpoint 1 and replays 3, 4, 5.
    await killAndRestart(createBronzeSink, sink(dir), 'bronze-sink', 1, {
      checkpointed: [tweet(0), tweet(1), tweet(2)],
      lost: [tweet(3), tweet(4)],
      replay: [tweet(3), tweet(4), tweet(5)],
    });
    const offsets = await db.all(`SELECT source_offset, count(*) AS n FROM ${bronze(dir, 'tweets_v2')} GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(offsets, [0, 1, 2, 3, 4, 5].map((o) => ({ source_offset: o, n: 1 })));
    assert.deepEqual(filesUnder(join(dir, 'twitter-bronze')), [
      'tweets_v2/topic=AAPL/part-p001-o000000000-000000002.snappy.parquet',
      'tweets_v2/topic=AAPL/part-p001-o000000003-000000005.snappy.parquet',
    ]);
  });
});

test('bronze sink: dead letters from parse, the store and the lake keep separate files; none looks superseded', async () => {
  await inTempDir('bronze', async (dir) => {
    // Two rows a file, so files roll inside a checkpoint: parse's dead letters 10 and 20 fill one,
    // then the store sink's 12 and 15 arrive (it runs behind parse). In one writer, [12-15] would
    // lie inside [10-20] and a reader would skip it as merged.
    const s = await startActor(createBronzeSink, { ...sink(dir), maxRowsPerFile: 2 }, 'bronze-sink', 1);
    const byStore = (o: number): DeadLetter => ({ ...dead(o), reason: 'rejected_by_store', detail: 'LMDB refused a tweets row' });
    await s.actor.handle!([dead(10), dead(20)], batchInfo);
    await s.actor.handle!([byStore(12), byStore(15), dead(30)], batchInfo);
    await s.actor.onBarrier!(1);
    const files = filesUnder(join(dir, 'twitter-bronze'));
    assert.deepEqual(files, [
      'dead_letters/topic=tweets/part-p001-o000000010-000000020.snappy.parquet',
      'dead_letters/topic=tweets/part-p001-o000000030-000000030.snappy.parquet',
      'dead_letters/topic=tweets/part-store-p001-o000000012-000000015.snappy.parquet',
    ]);
    assert.deepEqual([...supersededKeys(files.map((key) => ({ key, size: 1 })))], []);
    const dl = await db.all(`SELECT source_offset AS o, reason FROM ${bronze(dir, 'dead_letters')} ORDER BY 1`);
    assert.deepEqual(dl.map((r) => r.o), [10, 12, 15, 20, 30]);
    await s.actor.close!();
  });
});
