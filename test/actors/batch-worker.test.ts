// The batch worker (a Piscina task module, called here in-process as the pool calls it) over a
// real local lake: bronze written by the bronze sink, gold read back by DuckDB. The statistics
// file holds DuckDB's own hourly aggregates of the same bronze rows, the trend file every tweet
// in event order with its 10-tweet moving average, and a task run twice writes identical bytes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import createBronzeSink from '../../src/actors/bronze-sink/actor.js';
import type { PartitionTask } from '../../src/actors/batch-worker/protocol.js';
import handleTask from '../../src/actors/batch-worker/worker.js';
import type { PriceRow, TweetRow } from '../../src/domain/records.js';
import { batchInfo, filesUnder, startActor, tempDir } from '../helpers/actor-harness.js';
import { duckdb } from '../helpers/duckdb.js';

const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
const tweet = (offset: number): TweetRow => ({
  kind: 'tweet-row', id: `t0-${offset}`, topic: 'AAPL', partition: 0, offset, createdAt: T0 + ((offset * 7_919) % 10_800) * 1_000, ingestTs: T0, text: `#${offset}`, userId: 'u', sentimentScore: Math.round(Math.sin(offset) * 1e4) / 1e4, late: false,
});
const price = (offset: number): PriceRow => ({ kind: 'price', id: `p0-${offset}`, symbol: 'AAPL', partition: 0, offset, tradeTs: T0 + offset * 600_000, ingestTs: T0, openPrice: 100, closePrice: 100 + (offset % 5), volume: 10, late: false });

let db: Awaited<ReturnType<typeof duckdb>>;
let lake: { dir: string; remove: () => void };
let task: PartitionTask;
before(async () => {
  db = await duckdb();
  lake = tempDir('batch-worker');
  const sink = await startActor(createBronzeSink, { pipeline: 't', lake: { kind: 'local', root: lake.dir }, maxRowsPerFile: 40, maxFileAgeMs: 60_000 }, 'bronze-sink', 0);
  for (let b = 0; b < 3; b++) await sink.actor.handle!([...Array(50).keys()].map((i) => tweet(b * 50 + i)), batchInfo);
  await sink.actor.handle!([...Array(18).keys()].map(price), batchInfo);
  await sink.actor.close!();
  const bronze = filesUnder(join(lake.dir, 'twitter-bronze'));
  task = {
    kind: 'partition', lake: { kind: 'local', root: lake.dir }, buckets: { bronze: 'twitter-bronze', gold: 'twitter-gold' }, symbol: 'AAPL',
    tweetKeys: bronze.filter((k) => k.startsWith('tweets_v2/topic=AAPL/')), priceKeys: bronze.filter((k) => k.startsWith('stock_prices/symbol=AAPL/')),
    out: { statistics: 'reports/statistics/AAPL.parquet', trend: 'reports/trend/AAPL.parquet' },
    metadata: { statistics: [], trend: [] },
  };
});
after(() => {
  db.close();
  lake.remove();
});

test('batch worker: hourly statistics equal DuckDB\'s over the same bronze rows; the pivot inputs name the hours', async () => {
  assert.ok(task.tweetKeys.length > 1, 'the bronze history spans several files');
  const done = await handleTask(task);
  assert.equal(done.kind, 'partition-done');
  assert.deepEqual([done.tweetRows, done.priceRows], [150, 18]);
  const gold = join(lake.dir, 'twitter-gold', task.out.statistics);
  const ours = await db.all(`SELECT epoch_ms(hour) AS hour, count, round(mean_sentiment, 9) AS mean FROM read_parquet('${gold}') ORDER BY hour`);
  const theirs = await db.all(`SELECT epoch_ms(date_trunc('hour', created_at)) AS hour, count(*) AS count, round(avg(sentiment_score), 9) AS mean
    FROM read_parquet('${join(lake.dir, 'twitter-bronze', 'tweets_v2')}/*/*.parquet') GROUP BY 1 ORDER BY 1`);
  assert.deepEqual(ours, theirs);
  assert.equal(ours.length, 3, 'three hours of event time');
  assert.deepEqual(done.hours, theirs.map((r) => r.hour));
  assert.deepEqual(done.means.map((m) => Math.round(m * 1e9) / 1e9), theirs.map((r) => r.mean));
});

test('batch worker: the trend is every tweet in event order with its 10-tweet moving average; a rerun writes the same bytes', async () => {
  await handleTask(task);
  const trendFile = join(lake.dir, 'twitter-gold', task.out.trend);
  const first = readFileSync(trendFile);
  const rows = await db.all(`SELECT record_id, epoch_ms(created_at) AS t, sentiment_score AS s, moving_avg_10 AS m FROM read_parquet('${trendFile}')`);
  assert.equal(rows.length, 150);
  const sorted = [...rows].sort((a, b) => (a.t as number) - (b.t as number) || String(a.record_id).localeCompare(String(b.record_id)));
  assert.deepEqual(rows.map((r) => r.t), sorted.map((r) => r.t), 'in event-time order');
  for (const i of [0, 5, 9, 10, 77, 149]) {
    const window = rows.slice(Math.max(0, i - 9), i + 1).map((r) => r.s as number);
    const mean = window.reduce((a, b) => a + b, 0) / window.length;
    assert.ok(Math.abs((rows[i].m as number) - mean) < 1e-9, `moving average at ${i}: ${String(rows[i].m)} vs ${mean}`);
  }
  await handleTask(task);
  assert.deepEqual(readFileSync(trendFile), first, 'a task run again writes byte-identical files');
});
