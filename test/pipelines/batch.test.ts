// Golden test of the batch layer: the speed layer runs to completion on a fixed dataset spanning
// several event-time hours, `runBatch` computes the gold reports, and every value is compared
// with what DuckDB computes from the same bronze files with plain SQL (tolerance 1e-9). Then:
// the layout is the seed's (one file per topic, stamped with its version), a second run on the
// same input rewrites the same bytes while readers only ever see whole files, and a run stopped
// halfway publishes nothing and resumes to the same reports.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import client from 'prom-client';
import { ParquetWriter } from '@dsnp/parquetjs';
import type { GeneratorSourceOptions } from '../../src/actors/generator-source/protocol.js';
import { loadConfig } from '../../src/config.js';
import { LocalLake } from '../../src/io/lake/local-lake.js';
import { pricesTable, tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { parquetjsSchema } from '../helpers/parquetjs-schema.js';
import { REPORTS, type ReportName } from '../../src/io/parquet/gold-schemas.js';
import { fileVersion, listReport, reportKey, runBatch, type BatchOptions } from '../../src/pipelines/batch.js';
import { speedTopology } from '../../src/pipelines/speed.js';
import { systemClock } from '../../src/runtime/clock.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { Supervisor } from '../../src/runtime/supervisor.js';
import { duckdb } from '../helpers/duckdb.js';
import { MemoryCheckpoints, quietLogger } from '../helpers/runtime.js';

const EPOCH = '2025-12-18T14:30:00Z';
const N = 2_400;
const P = 3;
const TOL = 1e-9;

/** The speed layer on the generator, with event-time spacing stretched so N tweets span ~3 hours. */
async function speedRun(dataDir: string): Promise<void> {
  const cfg = loadConfig({}, {
    DATA_DIR: dataDir, EVENTS: String(N), PARTITIONS: String(P), RATE: '0', SEED: '11', GENERATOR_EPOCH: EPOCH, LATE_FRACTION: '0.01',
    OUT_OF_ORDER_FRACTION: '0.05', PRICES_PER_TWEET: '0.25', METRICS_PORT: '0', ACTOR_THREADS: '1', SCORE_THREADS: '1', BATCH_SIZE: '200', CHECKPOINT_INTERVAL: '1',
  });
  const topology = speedTopology(cfg, Date.parse(EPOCH));
  const gen = (topology.stages[0].options as GeneratorSourceOptions).generator;
  gen.tweetSpacingMs = 13_000; // 800 tweets per partition: ~2.9 hours
  gen.priceSpacingMs = 52_000;
  const supervisor = new Supervisor({ topology, workers: cfg.actorThreads, clock: systemClock, metrics: createMetrics(new client.Registry()), log: quietLogger(), checkpoints: new MemoryCheckpoints(), checkpointIntervalMs: 1000 });
  await supervisor.start();
  await supervisor.done;
  await supervisor.shutdown();
}

/** Edge cases the generator does not make: an hour with one tweet, an hour with ticks and no tweet. */
async function craftedPartition(lakeRoot: string, symbol = 'ZZZ', partition = 9): Promise<void> {
  const lake = new LocalLake(lakeRoot);
  const h = Date.parse('2025-12-18T20:00:00Z');
  const write = async (schema: ReturnType<typeof parquetjsSchema>, key: string, rows: Record<string, unknown>[]) => {
    const scratch = await lake.scratchPath('twitter-bronze', key);
    const w = await ParquetWriter.openFile(schema, scratch);
    for (const r of rows) await w.appendRow(r);
    await w.close();
    await lake.commit(scratch, 'twitter-bronze', key);
  };
  const p = String(partition).padStart(3, '0');
  await write(parquetjsSchema(tweetsTable.columns), `tweets_v2/topic=${symbol}/part-p${p}-o000000000-000000000.snappy.parquet`, [
    { record_id: `${symbol}-1`, created_at: new Date(h + 60_000), ingest_timestamp: new Date(h), text: 'x', user_id: 'u', sentiment_score: 0.25, source_partition: partition, source_offset: 0 },
  ]);
  const tick = (i: number, t: number, close: number) => ({ record_id: `${symbol}p-${i}`, trade_timestamp: new Date(t), ingest_timestamp: new Date(t), open_price: close, close_price: close, volume: 10, source_partition: partition, source_offset: i });
  await write(parquetjsSchema(pricesTable.columns), `stock_prices/symbol=${symbol}/part-p${p}-o000000000-000000004.snappy.parquet`, [
    tick(0, h + 1000, 10), tick(1, h + 2000, 11),
    tick(2, h + 3_600_000, 10), tick(3, h + 3_600_000, 12), tick(4, h + 3_700_000, 9),
  ]);
}

const near = (a: unknown, b: unknown, what: string) => {
  if (a === null || b === null) return assert.equal(a, b, what);
  assert.ok(Math.abs((a as number) - (b as number)) <= TOL, `${what}: ${String(a)} vs ${String(b)}`);
};

test('batch reports equal DuckDB over the same bronze; atomic replacement; resume after a stop', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-batch-'));
  const lakeRoot = join(dataDir, 'lake');
  await speedRun(dataDir);
  await craftedPartition(lakeRoot);
  const lake = new LocalLake(lakeRoot);
  const lines: string[] = [];
  const options: BatchOptions = { lake: { kind: 'local', root: lakeRoot }, threads: 2, log: quietLogger(), progress: (l) => lines.push(l) };

  const first = await runBatch(options);
  assert.ok(first.published, 'published');
  assert.equal(first.resumed, false);
  assert.ok(lines.some((l) => /^batch: \d+\/\d+ partitions .* rows\/s$/.test(l)), `progress lines: ${lines.join('\n')}`);
  assert.match(lines.at(-1)!, /^batch: done \d+ partitions, .* rows\/s.*published version/);

  const files = (m: { files: string[] }) => `[${m.files.map((f) => `'${join(lakeRoot, 'twitter-gold', f)}'`).join(', ')}]`;
  const bronze = join(lakeRoot, 'twitter-bronze');
  const db = await duckdb();
  try {
    await db.all(`CREATE VIEW t AS SELECT topic, record_id, created_at, ingest_timestamp, sentiment_score, date_trunc('hour', created_at) AS hour
      FROM read_parquet('${bronze}/tweets_v2/*/*.parquet', hive_partitioning = true) WHERE topic <> 'NONE'`);
    await db.all(`CREATE VIEW p AS SELECT symbol AS topic, record_id, trade_timestamp, close_price, date_trunc('hour', trade_timestamp) AS hour
      FROM read_parquet('${bronze}/stock_prices/*/*.parquet', hive_partitioning = true)`);
    const expectedStats = await db.all(`
      WITH ts AS (SELECT topic, hour, count(*) AS count, avg(sentiment_score) AS mean, stddev_samp(sentiment_score) AS sd,
                    quantile_cont(sentiment_score, 0.5) AS p50, quantile_cont(sentiment_score, 0.95) AS p95,
                    min(sentiment_score) AS mn, max(sentiment_score) AS mx FROM t GROUP BY topic, hour),
           r AS (SELECT topic, hour, ln(close_price / lag(close_price) OVER (PARTITION BY topic, hour ORDER BY trade_timestamp, record_id)) AS ret FROM p),
           v AS (SELECT topic, hour, stddev_samp(ret) AS vol FROM r GROUP BY topic, hour)
      SELECT topic, epoch_ms(hour) AS hour, coalesce(count, 0) AS count, mean, sd, p50, p95, mn, mx, vol
      FROM ts FULL OUTER JOIN v USING (topic, hour) ORDER BY topic, hour`);
    const stats = first.published.statistics;
    const gotStats = await db.all(`SELECT topic, epoch_ms(hour) AS hour, count, mean_sentiment AS mean, stddev_sentiment AS sd, p50_sentiment AS p50,
      p95_sentiment AS p95, min_sentiment AS mn, max_sentiment AS mx, price_volatility AS vol FROM read_parquet(${files(stats)}, hive_partitioning = true) ORDER BY topic, hour`);
    assert.ok(expectedStats.length >= 20, `several symbols and hours (${expectedStats.length} rows)`);
    assert.equal(gotStats.length, expectedStats.length, 'one statistics row per (symbol, hour)');
    assert.ok(new Set(expectedStats.map((r) => r.hour)).size >= 3, 'the data spans several hours');
    expectedStats.forEach((e, i) => {
      const g = gotStats[i];
      const where = `${String(e.topic)} @ ${new Date(e.hour as number).toISOString()}`;
      assert.deepEqual([g.topic, g.hour, g.count], [e.topic, e.hour, e.count], where);
      for (const k of ['mean', 'sd', 'p50', 'p95', 'mn', 'mx', 'vol']) near(g[k], e[k], `${k} of ${where}`);
    });
    assert.ok(gotStats.some((r) => r.topic === 'ZZZ' && r.count === 1 && r.sd === null && r.vol === null), 'one tweet: no deviation; one return: no volatility');
    assert.ok(gotStats.some((r) => r.topic === 'ZZZ' && r.count === 0 && r.mean === null && typeof r.vol === 'number'), 'an hour of ticks without tweets');
    assert.ok(!gotStats.some((r) => r.topic === 'NONE'), 'NONE takes no part in per-symbol reports');

    const expectedPivot = await db.all(`PIVOT (SELECT topic, epoch_ms(hour) AS hour, avg(sentiment_score) AS m FROM t GROUP BY ALL) ON topic USING first(m) GROUP BY hour ORDER BY hour`);
    const gotPivot = await db.all(`SELECT * REPLACE (epoch_ms(hour) AS hour) FROM read_parquet(${files(first.published.pivot)}) ORDER BY hour`);
    assert.deepEqual(Object.keys(gotPivot[0]).sort(), Object.keys(expectedPivot[0]).sort(), 'one column per symbol');
    assert.equal(gotPivot.length, expectedPivot.length, 'one row per hour');
    expectedPivot.forEach((e, i) => {
      for (const k of Object.keys(e)) near(gotPivot[i][k], e[k], `pivot ${k} @ ${String(e.hour)}`);
    });

    const expectedTrend = await db.all(`SELECT topic, record_id, epoch_ms(created_at) AS c, epoch_ms(ingest_timestamp) AS i, sentiment_score AS s,
      avg(sentiment_score) OVER (PARTITION BY topic ORDER BY created_at, record_id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS ma FROM t ORDER BY topic, created_at, record_id`);
    const gotTrend: Record<string, unknown>[] = [];
    for (const f of [...first.published.trend.files].sort()) {
      // Each file in its own row order: the order is part of the report.
      gotTrend.push(...(await db.all(`SELECT topic, record_id, epoch_ms(created_at) AS c, epoch_ms(ingest_timestamp) AS i, sentiment_score AS s, moving_avg_10 AS ma
        FROM read_parquet('${join(lakeRoot, 'twitter-gold', f)}', hive_partitioning = true)`)));
    }
    assert.equal(gotTrend.length, expectedTrend.length, 'every tagged tweet row');
    const [{ ties }] = await db.all(`SELECT count(*) - count(DISTINCT (topic, created_at)) AS ties FROM t`);
    assert.ok((ties as number) > 0, 'some tweets share an event time, so the record-id tie-break is exercised');
    expectedTrend.forEach((e, i) => {
      const g = gotTrend[i];
      assert.deepEqual([g.topic, g.record_id, g.c, g.i, g.s], [e.topic, e.record_id, e.c, e.i, e.s], `trend row ${i}`);
      near(g.ma, e.ma, `moving_avg_10 of ${String(e.record_id)}`);
    });
  } finally {
    db.close();
  }

  // The layout is the seed's: a plain glob over a table reads exactly the published files, each
  // stamped with the version (the input snapshot's hash).
  const published = async () => {
    const out = new Map<string, Buffer>();
    for (const r of Object.keys(REPORTS) as ReportName[]) for (const f of await listReport(lake, r)) out.set(f, (await lake.read('twitter-gold', f))!);
    return out;
  };
  const firstFiles = await published();
  assert.deepEqual([...firstFiles.keys()].sort(), (Object.keys(REPORTS) as ReportName[]).flatMap((r) => first.published![r].files).sort());
  assert.ok([...firstFiles.keys()].every((k) => /^batch_(topic_statistics|trend_analysis)\/topic=[A-Z.]+\/part-00000\.snappy\.parquet$|^batch_sentiment_pivot\/part-00000\.snappy\.parquet$/.test(k)), [...firstFiles.keys()].join('\n'));
  const version = fileVersion(firstFiles.get(reportKey('pivot'))!);
  assert.match(version ?? '', /^[0-9a-f]{64}$/);
  assert.ok([...firstFiles.values()].every((b) => fileVersion(b) === version), 'one version in every file');

  // A second run on the same input rewrites byte-identical files; a reader polling meanwhile only
  // ever reads whole files (each one equal to the published one).
  let reads = 0;
  let polling = true;
  const reader = (async () => {
    while (polling) {
      for (const r of Object.keys(REPORTS) as ReportName[]) {
        const keys = await listReport(lake, r);
        assert.ok(keys.length > 0, `${r} is always published`);
        for (const f of keys) {
          const bytes = await lake.read('twitter-gold', f);
          assert.ok(bytes && firstFiles.get(f)?.equals(bytes), `${f} is whole and equal to the published file`);
          reads++;
        }
      }
      await new Promise((res) => setImmediate(res));
    }
  })();
  reader.catch(() => undefined); // handled below, after the run: keep it from being unhandled meanwhile
  const second = await runBatch({ ...options, clock: { ...systemClock, now: () => Date.now() + 1000 } });
  polling = false;
  await reader;
  assert.ok(second.published && second.runId !== first.runId);
  assert.ok(reads > 0);
  assert.deepEqual(await published(), firstFiles, 'same input, same bytes');

  // The input changes (a new partition); a run stopped after 2 tasks (as if killed) publishes
  // nothing; the rerun resumes it and publishes reports byte-identical to an uninterrupted run's.
  await craftedPartition(lakeRoot, 'ZZY', 8);
  const stopped = await runBatch({ ...options, stopAfterTasks: 2, clock: { ...systemClock, now: () => Date.now() + 2000 } });
  assert.equal(stopped.published, null);
  assert.deepEqual(await published(), firstFiles, 'a stopped run publishes nothing');
  const resumed = await runBatch(options);
  assert.equal(resumed.resumed, true);
  assert.equal(resumed.runId, stopped.runId);
  assert.ok(resumed.skipped >= 2 && resumed.skipped < resumed.partitions, `skipped ${resumed.skipped} of ${resumed.partitions} (tasks in flight at the stop may finish)`);
  assert.ok(resumed.published);
  const resumedFiles = await published();
  assert.ok(resumedFiles.has(reportKey('trend', 'ZZY')), 'the new partition is published');
  const newVersion = fileVersion(resumedFiles.get(reportKey('pivot'))!);
  assert.ok(newVersion !== version && [...resumedFiles.values()].every((b) => fileVersion(b) === newVersion), 'every file carries the new version');
  assert.equal((await lake.list('twitter-gold', '_batch/')).length, 0, 'run state is removed once published');
  const uninterrupted = await runBatch({ ...options, clock: { ...systemClock, now: () => Date.now() + 3000 } });
  assert.equal(uninterrupted.resumed, false);
  assert.deepEqual(await published(), resumedFiles, 'a resumed run publishes the bytes an uninterrupted one does');
});
