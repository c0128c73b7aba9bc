// The lake sink of derived tables on a fake context over a real local lake, read back by DuckDB:
// files named by the producer's seq commit at a barrier, a row the encoder would refuse is left
// out and counted, and a restored sink drops the files at or past its snapshot's seq.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import createLakeSink from '../../src/actors/lake-sink/actor.js';
import type { LakeSinkOptions } from '../../src/actors/lake-sink/protocol.js';
import type { WindowRow } from '../../src/domain/records.js';
import { batchInfo, filesUnder, inTempDir, killAndRestart, startActor } from '../helpers/actor-harness.js';
import { duckdb } from '../helpers/duckdb.js';

const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
const window = (seq: number, symbol = 'AAPL', volume = 1_000): WindowRow => ({
  kind: 'window', seq, symbol, windowStart: T0 + seq * 60_000, windowEnd: T0 + seq * 60_000 + 300_000, tweetCount: 3, meanSentiment: 0.1, minSentiment: -0.2, maxSentiment: 0.4,
  positiveCount: 2, negativeCount: 1, tickCount: 2, open: 10, close: 11, high: 12, low: 9, volume, vwap: 10.5,
} as WindowRow);
const options = (root: string): LakeSinkOptions => ({ pipeline: 't', lake: { kind: 'local', root }, table: 'windows', tag: 'w', maxRowsPerFile: 1_000, maxFileAgeMs: 60_000 });

let db: Awaited<ReturnType<typeof duckdb>>;
before(async () => (db = await duckdb()));
after(() => db.close());
const windows = (root: string) => `read_parquet('${join(root, 'twitter-gold', 'sentiment_windows_5m')}/*/*.parquet', hive_partitioning = true)`;

test('lake sink: rows commit at the barrier into files named by tag, partition and seq range', async () => {
  await inTempDir('lake-sink', async (dir) => {
    const s = await startActor(createLakeSink, options(dir), 'windows-sink', 2);
    await s.actor.handle!([window(0), window(1, 'TSLA'), window(2)], batchInfo);
    assert.deepEqual(filesUnder(join(dir, 'twitter-gold')), []);
    await s.actor.onBarrier!(1);
    const files = filesUnder(join(dir, 'twitter-gold'));
    assert.equal(files.length, 2, files.join(', '));
    assert.ok(files.every((f) => /^sentiment_windows_5m\/topic=(AAPL|TSLA)\/part-w-p002-o\d+-\d+\.snappy\.parquet$/.test(f)), files.join(', '));
    const rows = await db.all(`SELECT topic AS symbol, epoch_ms(window_end) AS window_end, tweet_count FROM ${windows(dir)} ORDER BY window_end`);
    assert.deepEqual(rows.map((r) => [r.symbol, r.window_end]), [['AAPL', T0 + 300_000], ['TSLA', T0 + 360_000], ['AAPL', T0 + 420_000]]);
    assert.equal(await s.metric('cashtag_sink_rows_written_total', 'sink="lake"'), 3);
    assert.deepEqual(s.actor.snapshot!(), { next: 3 });
  });
});

test('lake sink: a row the encoder would refuse is left out, counted and logged; the rest is written', async () => {
  await inTempDir('lake-sink', async (dir) => {
    const s = await startActor(createLakeSink, options(dir), 'windows-sink', 0);
    await s.actor.handle!([window(0), window(1, 'AAPL', 2 ** 64), window(2)], batchInfo);
    await s.actor.close!();
    assert.equal(await s.metric('cashtag_sink_rows_refused_total', 'table="sentiment_windows_5m"'), 1);
    assert.deepEqual(s.log.lines.filter((l) => l.level === 'error').map((l) => l.msg), ['lake refused a derived row; it is left out']);
    assert.equal((await db.all(`SELECT count(*) AS n FROM ${windows(dir)}`))[0].n, 2);
  });
});

test('lake sink: restored, it deletes the files at or past its seq; the replay rewrites them once', async () => {
  await inTempDir('lake-sink', async (dir) => {
    await killAndRestart(createLakeSink, options(dir), 'windows-sink', 0, {
      checkpointed: [window(0), window(1)],
      lost: [window(2), window(3)],
      replay: [window(2), window(3), window(4)],
    });
    const rows = await db.all(`SELECT epoch_ms(window_start) AS s, count(*) AS n FROM ${windows(dir)} GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(rows, [0, 1, 2, 3, 4].map((q) => ({ s: T0 + q * 60_000, n: 1 })));
  });
});
