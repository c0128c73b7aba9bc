// The gold reports' layout and how a run replaces them (batch-publish.ts), on the local lake:
// - the seed's layout, `batch_trend_analysis/topic=SYM/part-00000.snappy.parquet`, read by a
//   plain DuckDB glob: after two runs on different inputs it sees exactly the second run's
//   report (a topic whose bronze is gone is gone from the report too);
// - every state the second publication passes through (after each copy and each delete) holds
//   only whole files, each byte-identical to the first run's file for its key or the second's,
//   and a glob over it reads without error;
// - a lake left by the older layout (`_v/<runId>/`, `_current.json`) shows no report to the new
//   readers, and the first publication removes it.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ParquetWriter } from '@dsnp/parquetjs';
import { lakeViews } from '../../src/cli-sql.js';
import type { Lake } from '../../src/io/lake/lake.js';
import { LocalLake } from '../../src/io/lake/local-lake.js';
import { pricesTable, tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { REPORTS, trendColumns, type ReportName } from '../../src/io/parquet/gold-schemas.js';
import { encodeParquet } from '../../src/io/parquet/parquet-write.js';
import { fileVersion, listReport, runBatch, type BatchOptions } from '../../src/pipelines/batch.js';
import { goldHistory } from '../../src/pipelines/serving/history.js';
import { duckdb } from '../helpers/duckdb.js';
import { parquetjsSchema } from '../helpers/parquetjs-schema.js';
import { quietLogger } from '../helpers/runtime.js';

const H = Date.parse('2025-12-18T14:00:00Z');
const GOLD = 'twitter-gold';

async function writeBronze(lake: LocalLake, key: string, schema: ReturnType<typeof parquetjsSchema>, rows: Record<string, unknown>[]): Promise<void> {
  const scratch = await lake.scratchPath('twitter-bronze', key);
  const w = await ParquetWriter.openFile(schema, scratch);
  for (const r of rows) await w.appendRow(r);
  await w.close();
  await lake.commit(scratch, 'twitter-bronze', key);
}

/** `n` tweets and 3 ticks of `symbol` in one bronze file each, from source offset `from`. */
async function bronzeSymbol(lake: LocalLake, symbol: string, n: number, from = 0): Promise<void> {
  const range = `o${String(from).padStart(9, '0')}-${String(from + n - 1).padStart(9, '0')}`;
  await writeBronze(lake, `tweets_v2/topic=${symbol}/part-p000-${range}.snappy.parquet`, parquetjsSchema(tweetsTable.columns), Array.from({ length: n }, (_, i) => ({
    record_id: `${symbol}-${from + i}`, created_at: new Date(H + (from + i) * 97_000), ingest_timestamp: new Date(H), text: 'x', user_id: 'u',
    sentiment_score: Math.sin(from + i + symbol.charCodeAt(2)), source_partition: 0, source_offset: from + i,
  })));
  if (from === 0) {
    await writeBronze(lake, `stock_prices/symbol=${symbol}/part-p000-o000000000-000000002.snappy.parquet`, parquetjsSchema(pricesTable.columns), [0, 1, 2].map((i) => ({
      record_id: `${symbol}p-${i}`, trade_timestamp: new Date(H + i * 60_000), ingest_timestamp: new Date(H), open_price: 10 + i, close_price: 10 + i * 1.5, volume: 5, source_partition: 0, source_offset: i,
    })));
  }
}

/** Every file under a table directory, as a reader walking it sees them (path relative to the bucket -> bytes). */
function walk(goldDir: string, table: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const visit = (rel: string) => {
    for (const name of readdirSync(join(goldDir, rel))) {
      const r = `${rel}/${name}`;
      if (statSync(join(goldDir, r)).isDirectory()) visit(r);
      else out.set(r, readFileSync(join(goldDir, r)));
    }
  };
  visit(table);
  return out;
}

const isWhole = (b: Buffer) => b.length > 12 && b.subarray(0, 4).toString() === 'PAR1' && b.subarray(-4).toString() === 'PAR1';

test('a plain glob reads exactly the current report; a publication passes only through whole files of the old or new run; the old layout is ignored, then removed', { timeout: 120_000 }, async () => {
  const root = join(mkdtempSync(join(tmpdir(), 'cashtag-gold-layout-')), 'lake');
  const lake = new LocalLake(root);
  const goldDir = join(root, GOLD);
  const glob = (table: string) => `'${goldDir}/${table}/*/*.parquet'`;
  const symbols = Array.from({ length: 12 }, (_, i) => `S${String(i).padStart(2, '0')}`);
  for (const [i, s] of symbols.entries()) await bronzeSymbol(lake, s, 4 + i);

  // An older layout's report: a version directory behind a manifest.
  const legacy = `${REPORTS.trend}/_v/20250101T000000000Z-aaaaaaaaaaaa/topic=OLD/part-00000.snappy.parquet`;
  await lake.put(GOLD, legacy, await encodeParquet(trendColumns({ recordId: { offsets: Int32Array.of(0, 1), data: Uint8Array.of(0x61) }, createdAt: Float64Array.of(H), ingestTs: Float64Array.of(H), score: Float64Array.of(0.5), movingAvg10: Float64Array.of(0.5) })));
  await lake.put(GOLD, `${REPORTS.trend}/_current.json`, new TextEncoder().encode(JSON.stringify({ report: REPORTS.trend, version: '20250101T000000000Z-aaaaaaaaaaaa', files: [legacy] })));
  assert.ok(!lakeViews(root).some((v) => v.includes('batch_')), 'no view over an older layout');
  assert.deepEqual(await goldHistory(lake).query('OLD', 'trend', { fromMs: 0, toMs: Infinity, limit: 10 }), { found: false, why: 'no-report', version: null });

  const options: BatchOptions = { lake: { kind: 'local', root }, threads: 2, log: quietLogger(), progress: () => undefined };
  const first = await runBatch(options);
  assert.ok(first.published);
  assert.deepEqual([...walk(goldDir, REPORTS.trend).keys()].sort(), symbols.map((s) => `${REPORTS.trend}/topic=${s}/part-00000.snappy.parquet`), 'the older layout is removed by the first publication');
  const before = new Map<string, Buffer>();
  for (const t of Object.values(REPORTS)) for (const [k, b] of walk(goldDir, t)) before.set(k, b);

  // A different input: new tweets for half the symbols, a new symbol, and one symbol's bronze gone.
  for (const s of symbols.slice(0, 6)) await bronzeSymbol(lake, s, 3, 100);
  await bronzeSymbol(lake, 'S12', 5);
  const vanished = symbols[11];
  await lake.delete('twitter-bronze', [...(await lake.list('twitter-bronze', `tweets_v2/topic=${vanished}/`)), ...(await lake.list('twitter-bronze', `stock_prices/symbol=${vanished}/`))].map((o) => o.key));
  const current = [...symbols.slice(0, 11), 'S12'];

  // The second run, with every state of its publication checked: after each copy and delete in
  // a table, the tables as a walking reader sees them, and a DuckDB glob over each.
  const db = await duckdb();
  const states: Map<string, Buffer>[] = [];
  const check = async () => {
    const state = new Map<string, Buffer>();
    for (const t of Object.values(REPORTS)) for (const [k, b] of walk(goldDir, t)) state.set(k, b);
    states.push(state);
    for (const [k, b] of state) assert.ok(isWhole(b), `${k} is a whole Parquet file`);
    for (const t of [REPORTS.statistics, REPORTS.trend]) await db.all(`SELECT count(*) FROM read_parquet(${glob(t)}, hive_partitioning = true)`);
  };
  const wrapLake = (inner: Lake): Lake => {
    const touchesTable = (key: string) => !key.startsWith('_');
    return Object.assign(Object.create(inner) as Lake, {
      async copy(bucket: string, from: string, to: string) {
        await inner.copy(bucket, from, to);
        if (bucket === GOLD && touchesTable(to)) await check();
      },
      async delete(bucket: string, keys: string[]) {
        await inner.delete(bucket, keys);
        if (bucket === GOLD && keys.some(touchesTable)) await check();
      },
    });
  };
  let second;
  try {
    second = await runBatch({ ...options, wrapLake });
  } finally {
    db.close();
  }
  assert.ok(second.published);
  const after = new Map<string, Buffer>();
  for (const t of Object.values(REPORTS)) for (const [k, b] of walk(goldDir, t)) after.set(k, b);
  assert.ok(states.length >= 2 * current.length + 1, `every step checked (${states.length})`);
  for (const [i, state] of states.entries()) {
    for (const [k, b] of state) assert.ok(before.get(k)?.equals(b) || after.get(k)?.equals(b), `state ${i}: ${k} is the old run's file or the new run's, whole`);
  }
  assert.ok(!after.has(`${REPORTS.trend}/topic=${vanished}/part-00000.snappy.parquet`), 'the vanished topic is deleted');
  assert.ok(states.some((s) => s.has(`${REPORTS.trend}/topic=${vanished}/part-00000.snappy.parquet`) && s.has(`${REPORTS.trend}/topic=S12/part-00000.snappy.parquet`)), 'it is deleted only after the new topics are in');

  // What a plain glob reads now is exactly the second run's report.
  const check2 = await duckdb();
  try {
    const bronze = `'${root}/twitter-bronze/tweets_v2/*/*.parquet'`;
    const expected = await check2.all(`SELECT topic, record_id, sentiment_score FROM read_parquet(${bronze}, hive_partitioning = true) ORDER BY topic, record_id`);
    const got = await check2.all(`SELECT topic, record_id, sentiment_score FROM read_parquet(${glob(REPORTS.trend)}, hive_partitioning = true) ORDER BY topic, record_id`);
    assert.deepEqual(got, expected, 'the trend glob holds every tweet of the current input, once');
    assert.deepEqual((await check2.all(`SELECT DISTINCT topic FROM read_parquet(${glob(REPORTS.statistics)}, hive_partitioning = true) ORDER BY topic`)).map((r) => r.topic), current);
    const recursive = await check2.all(`SELECT count(*) AS n FROM read_parquet('${goldDir}/${REPORTS.trend}/**/*.parquet')`);
    assert.equal(recursive[0].n, expected.length, 'a recursive glob reads the same');
    const versions = await check2.all(`SELECT DISTINCT decode(value) AS v FROM parquet_kv_metadata('${goldDir}/batch_*/**/*.parquet') WHERE decode(key) = 'cashtag.batch.version'`);
    assert.equal(versions.length, 1, 'one version in every file');
    const pivotVersion = fileVersion(after.get(`${REPORTS.pivot}/part-00000.snappy.parquet`)!);
    assert.equal(versions[0].v, pivotVersion);
    assert.notEqual(pivotVersion, fileVersion(before.get(`${REPORTS.pivot}/part-00000.snappy.parquet`)!), 'a new input is a new version');
    const partitions = await check2.all(`SELECT DISTINCT decode(value) AS v FROM parquet_kv_metadata(${glob(REPORTS.trend)}) WHERE decode(key) = 'cashtag.batch.partitions'`);
    assert.deepEqual(partitions.map((r) => r.v), [String(current.length)], 'each file names how many topic files its version has');
  } finally {
    check2.close();
  }
  for (const r of Object.keys(REPORTS) as ReportName[]) assert.deepEqual(await listReport(lake, r), second.published[r].files);
  assert.ok(lakeViews(root).some((v) => v.includes(`"${REPORTS.trend}"`) && v.includes(`${REPORTS.trend}/*=*/*.parquet`)), 'cashtag sql views the table with a plain glob');
});

test('a run that crashes while publishing leaves whole files of either run; the rerun resumes it and publishes what an uninterrupted run does', { timeout: 120_000 }, async () => {
  const root = join(mkdtempSync(join(tmpdir(), 'cashtag-gold-crash-')), 'lake');
  const lake = new LocalLake(root);
  const goldDir = join(root, GOLD);
  const symbols = Array.from({ length: 10 }, (_, i) => `T${String(i).padStart(2, '0')}`);
  for (const [i, s] of symbols.entries()) await bronzeSymbol(lake, s, 3 + i);
  const options: BatchOptions = { lake: { kind: 'local', root }, threads: 2, log: quietLogger(), progress: () => undefined };
  assert.ok((await runBatch(options)).published);
  const tables = () => {
    const out = new Map<string, Buffer>();
    for (const t of Object.values(REPORTS)) for (const [k, b] of walk(goldDir, t)) out.set(k, b);
    return out;
  };
  const before = tables();

  for (const s of symbols.slice(0, 5)) await bronzeSymbol(lake, s, 2, 100);
  // Crash after 4 copies into the tables: that call and every later one fails, as if the process died.
  let copies = 0;
  let crashed = false;
  const crashing = (inner: Lake): Lake =>
    Object.assign(Object.create(inner) as Lake, {
      async copy(bucket: string, from: string, to: string) {
        if (crashed || ++copies > 4) {
          crashed = true;
          throw new Error('crash');
        }
        await inner.copy(bucket, from, to);
      },
      async delete(bucket: string, keys: string[]) {
        if (crashed) throw new Error('crash');
        await inner.delete(bucket, keys);
      },
    });
  await assert.rejects(runBatch({ ...options, wrapLake: crashing }), /crash/);
  const mid = tables();

  const resumed = await runBatch(options);
  assert.equal(resumed.resumed, true, 'the rerun resumes the run that crashed');
  assert.equal(resumed.skipped, resumed.partitions, 'every task was done before the crash');
  const after = tables();
  assert.deepEqual([...mid.keys()].sort(), [...before.keys()].sort());
  const fromNew = [...mid].filter(([k, b]) => !before.get(k)!.equals(b));
  assert.equal(fromNew.length, 4, 'the 4 copies that happened are in, whole');
  for (const [k, b] of mid) assert.ok(before.get(k)!.equals(b) || after.get(k)!.equals(b), `${k}: the old run's file or the new run's`);
  const again = await runBatch(options);
  assert.equal(again.resumed, false);
  assert.deepEqual(tables(), after, 'the resumed publication equals an uninterrupted one');
  assert.ok(![...after.values()].some((b) => fileVersion(b) === fileVersion(before.values().next().value!)), 'no file of the old version is left');
});

test('a run that crashes while clearing its state after publishing: the rerun still publishes', { timeout: 120_000 }, async () => {
  const root = join(mkdtempSync(join(tmpdir(), 'cashtag-gold-clear-')), 'lake');
  const lake = new LocalLake(root);
  const symbols = ['C01', 'C02', 'C03'];
  for (const [i, s] of symbols.entries()) await bronzeSymbol(lake, s, 3 + i);
  const options: BatchOptions = { lake: { kind: 'local', root }, threads: 2, log: quietLogger(), progress: () => undefined };
  // Every report is published; then the process dies while it deletes the run's state
  // (_batch/runs/...): the staged files are gone, the rest of the state is not.
  const crashing = (inner: Lake): Lake =>
    Object.assign(Object.create(inner) as Lake, {
      async delete(bucket: string, keys: string[]) {
        if (bucket === GOLD && keys.some((k) => k.startsWith('_batch/'))) {
          await inner.delete(bucket, keys.filter((k) => k.includes('/files/')));
          throw new Error('crash');
        }
        await inner.delete(bucket, keys);
      },
    });
  await assert.rejects(runBatch({ ...options, wrapLake: crashing }), /crash/);
  for (const r of Object.keys(REPORTS) as ReportName[]) assert.ok((await listReport(lake, r)).length > 0, `${r} was published before the crash`);

  const rerun = await runBatch(options);
  assert.ok(rerun.published, 'the same input is published again');
  assert.deepEqual(rerun.published.statistics.files, symbols.map((s) => `${REPORTS.statistics}/topic=${s}/part-00000.snappy.parquet`));
  assert.deepEqual(await lake.list(GOLD, '_batch/'), [], 'no run state is left');
});
