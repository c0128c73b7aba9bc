// Lake compaction (src/io/parquet/compaction.ts): which files are merged, that the rows of every
// table are the same multiset before and after (DuckDB reads both), and that a crash at any step
// leaves a lake that readers and recovery see with each row once.
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pendingFromBronze } from '../../src/actors/join/pending-from-bronze.js';
import { deadLettersTable, tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { compactTable, liveFiles, planCompaction, sizeTier, supersededKeys, type CompactionBound, type CompactionGroup } from '../../src/io/parquet/compaction.js';
import { joinedTable } from '../../src/io/parquet/derived-schemas.js';
import type { LakeTable } from '../../src/io/parquet/lake-table.js';
import { fileName, RollingFiles } from '../../src/io/parquet/rolling-files.js';
import { duckdb } from '../helpers/duckdb.js';
import { buildLake, parquetFiles, rowsOf } from '../helpers/compaction-lake.js';

const obj = (dir: string, p: number, first: number, last: number, size = 100, tag = '') => ({ key: `${dir}/${fileName(p, first, last, tag)}`, size });
const spec = { table: 'tweets_v2', column: 'topic' };
const everything: CompactionBound = () => Number.MAX_SAFE_INTEGER;

test('superseded files: inside another file of the same writer', () => {
  const objects = [
    obj('tweets_v2/topic=A', 1, 0, 99), obj('tweets_v2/topic=A', 1, 0, 9), obj('tweets_v2/topic=A', 1, 10, 99), obj('tweets_v2/topic=A', 1, 100, 120),
    obj('tweets_v2/topic=B', 1, 0, 9), obj('tweets_v2/topic=A', 2, 0, 9), obj('tweets_v2/topic=A', 1, 5, 7, 100, 'join'),
  ];
  assert.deepEqual([...supersededKeys(objects)].sort(), [objects[1].key, objects[2].key].sort(), 'other directories, partitions and tags are other writers');
  assert.deepEqual(liveFiles(objects).map((o) => o.key), [0, 3, 4, 5, 6].map((i) => objects[i].key));
});

test('plan (major): runs of small files below the bound, bin-packed up to the target size, per writer', () => {
  const a = 'tweets_v2/topic=A';
  const files = [obj(a, 0, 0, 9), obj(a, 0, 10, 19), obj(a, 0, 20, 29), obj(a, 0, 30, 39), obj(a, 0, 40, 49), obj(a, 0, 50, 59)];
  const plan = (objects: { key: string; size: number }[], bound: CompactionBound, targetBytes = 1000) =>
    planCompaction(objects, spec, bound, { targetBytes, minFiles: 2, major: true }).map((g: CompactionGroup) => [g.inputs.map((f) => f.first), g.output]);
  assert.deepEqual(plan(files, () => 40), [[[0, 10, 20, 30], `${a}/${fileName(0, 0, 39)}`]], 'files at or past the bound are never merged');
  assert.deepEqual(plan(files, () => null), [], 'a writer the checkpoint does not cover is left alone');
  assert.deepEqual(plan(files, everything, 250), [[[0, 10], `${a}/${fileName(0, 0, 19)}`], [[20, 30], `${a}/${fileName(0, 20, 39)}`], [[40, 50], `${a}/${fileName(0, 40, 59)}`]], 'groups stop at the target size');
  const big = [obj(a, 0, 0, 9), obj(a, 0, 10, 19, 5000), obj(a, 0, 20, 29), obj(a, 0, 30, 39)];
  assert.deepEqual(plan(big, everything).map((g) => g[0]), [[20, 30]], 'a large file splits runs: merged files stay contiguous');
  const withMerged = [obj(a, 0, 0, 19, 200), ...files];
  assert.deepEqual(plan(withMerged, everything).map((g) => g[0]), [[0, 20, 30, 40, 50]], 'superseded files are not inputs (the merged one is)');
  const other = [obj(a, 0, 0, 9), obj(a, 1, 10, 19), obj('tweets_v2/topic=B', 0, 20, 29), obj(a, 0, 30, 39, 100, 'x')];
  assert.deepEqual(plan(other, everything), [], 'files of different writers are never merged together');
});

test('plan (tiered): minFiles files of one size tier at a time, so a row is rewritten once per tier', () => {
  const a = 'tweets_v2/topic=A';
  const KB = 1024;
  const plan = (objects: { key: string; size: number }[], minFiles = 4, targetBytes = 64 * 1024 * KB) =>
    planCompaction(objects, spec, everything, { targetBytes, minFiles }).map((g) => g.inputs.map((f) => f.first));
  const small = (n: number, from = 0) => Array.from({ length: n }, (_, i) => obj(a, 0, from + i * 10, from + i * 10 + 9, 20 * KB));
  assert.deepEqual(plan(small(3)), [], 'fewer than minFiles small files wait');
  assert.deepEqual(plan(small(9)), [[0, 10, 20, 30], [40, 50, 60, 70]], 'chunks of minFiles, the rest waits');
  // Older files are larger (merged before): tiers [3, 2, 2, 2, 0, 0, 0, 0, 0].
  const layered = [obj(a, 0, 0, 99, 2000 * KB), obj(a, 0, 100, 199, 300 * KB), obj(a, 0, 200, 299, 300 * KB), obj(a, 0, 300, 399, 300 * KB), ...small(5, 400)];
  assert.deepEqual(plan(layered), [[0, 100, 200, 300], [400, 410, 420, 430]], 'adjacent tiers (3 and 2) merge together; tier-0 files merge among themselves, not with them');
  const apart = [obj(a, 0, 0, 99, 8000 * KB), obj(a, 0, 100, 199, 300 * KB), obj(a, 0, 200, 299, 300 * KB), obj(a, 0, 300, 399, 300 * KB), obj(a, 0, 400, 499, 300 * KB), ...small(2, 500)];
  assert.deepEqual(plan(apart), [[100, 200, 300, 400]], 'four tier-2 files make one of tier 3; a tier-4 file is not rewritten with them');
  const straddling = Array.from({ length: 8 }, (_, i) => obj(a, 0, i * 10, i * 10 + 9, (i % 2 ? 70 : 50) * KB));
  assert.deepEqual(plan(straddling), [[0, 10, 20, 30], [40, 50, 60, 70]], 'files on both sides of a tier boundary merge');
  assert.equal(sizeTier(20 * KB, 4), 0);
  assert.equal(sizeTier(300 * KB, 4), 2);
  assert.equal(sizeTier(2000 * KB, 4), 3);
  assert.equal(sizeTier(8000 * KB, 4), 4);
  assert.deepEqual(plan(small(8), 4, 50 * KB), [[0, 10], [20, 30], [40, 50]], 'the target size closes a chunk before minFiles (the last, not full, waits)');
});

const tables: LakeTable<unknown>[] = [tweetsTable, deadLettersTable, joinedTable] as LakeTable<unknown>[];

test('compaction keeps every table\'s rows (nulls, binary, 2^53 - 1 included) in fewer files, below the bound only', async () => {
  const { root, lake } = await buildLake();
  try {
    const before = await rowsOf(join(root, 'lake'));
    const filesBefore = parquetFiles(join(root, 'lake')).length;
    // The checkpoint covers offsets below 500 (seq below 200) of every writer.
    const bound: CompactionBound = (_v, _t, _p) => 500;
    const results = [];
    for (const t of tables) results.push(await compactTable(lake, t, t === joinedTable ? () => 200 : bound, { targetBytes: 64 * 1024 * 1024, minFiles: 2, major: true }));
    const after = await rowsOf(join(root, 'lake'));
    assert.deepEqual(after, before, 'same rows, each once');
    assert.ok(before.tweets.length === 800 && before.joined.length === 300 && before.dead.length === 160, `${before.tweets.length} ${before.joined.length} ${before.dead.length}`);
    const filesAfter = parquetFiles(join(root, 'lake'));
    assert.ok(filesAfter.length < filesBefore / 2, `${filesBefore} files -> ${filesAfter.length}`);
    assert.equal(results.reduce((n, r) => n + r.rows, 0) > 0, true);
    const keys = (await lake.list('twitter-bronze', 'tweets_v2/')).map((o) => o.key);
    for (const k of keys) {
      const [, first, last] = /o(\d+)-(\d+)\./.exec(k)!.map(Number);
      assert.ok(last < 500 || first >= 500 - 74, `a file past the bound was merged: ${k}`);
    }
    assert.equal(keys.filter((k) => k.includes('topic=AAPL/part-p000-o000000000-')).length, 1, 'p0 AAPL below the bound is one file');
    assert.deepEqual(readdirSync(join(root, 'lake', '.scratch')), [], 'no scratch left');
    // A second pass finds nothing more to do below the same bound.
    const again = await compactTable(lake, tweetsTable as LakeTable<unknown>, bound, { targetBytes: 64 * 1024 * 1024, minFiles: 2, major: true });
    assert.equal(again.filesMerged, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

for (const step of ['written', 'committed', 'deleted-some'] as const) {
  test(`a crash after the merged file is ${step}: readers never see a row twice or miss one, and recovery repairs`, async () => {
    const { root, lake } = await buildLake();
    try {
      const before = await rowsOf(join(root, 'lake'));
      class Crash extends Error {}
      let crashed = false;
      const hooks = {
        step: async (what: string, g: CompactionGroup) => {
          if (crashed) return;
          if (step === 'deleted-some' && what === 'committed') {
            // The deletion of the inputs stops half way (S3 deletes in batches; a kill -9 between).
            await lake.delete('twitter-bronze', g.inputs.slice(0, Math.ceil(g.inputs.length / 2)).map((f) => f.key));
            crashed = true;
            throw new Crash();
          }
          if (what === step) {
            crashed = true;
            throw new Crash();
          }
        },
      };
      await assert.rejects(compactTable(lake, tweetsTable as LakeTable<unknown>, everything, { targetBytes: 64 * 1024 * 1024, minFiles: 2, major: true }, hooks), Crash);
      // What a reader listing live files sees right after the crash: every row once.
      const live = liveFiles(await lake.list('twitter-bronze', 'tweets_v2/'));
      const db = await duckdb();
      const list = `[${live.map((o) => `'${join(root, 'lake', 'twitter-bronze', o.key)}'`).join(',')}]`;
      const seen = (await db.all(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet(${list}, hive_partitioning = true) t`)).map((r) => String(r.j)).sort();
      db.close();
      assert.deepEqual(seen, before.tweets, 'live files hold each row once');
      // The join's read-back of pending tweets sees each once too.
      const pending = await pendingFromBronze(lake, { partition: 0, from: 0, to: 1_000_000, watermark: 0, late: new Set() });
      assert.equal(pending.length, before.tweets.filter((j) => j.includes('"source_partition":0') && !j.includes('"topic":"NONE"')).length);
      assert.equal(new Set(pending.map((t) => `${t.symbol}/${t.offset}`)).size, pending.length, 'no pending tweet twice');
      // Restart: scratch is cleaned and the sink's recovery (resuming past everything) deletes superseded files.
      await lake.cleanScratch();
      for (const p of [0, 1]) await new RollingFiles(lake, tweetsTable, p, { maxRows: 10, maxAgeMs: 1e9 }).recover(1_000_000);
      assert.deepEqual(await rowsOf(join(root, 'lake')), before, 'a plain glob sees every row once after recovery');
      // The next pass finishes the job.
      await compactTable(lake, tweetsTable as LakeTable<unknown>, everything, { targetBytes: 64 * 1024 * 1024, minFiles: 2, major: true });
      assert.deepEqual(await rowsOf(join(root, 'lake')), before);
      assert.equal(supersededKeys(await lake.list('twitter-bronze', 'tweets_v2/')).size, 0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test('recovery after compaction deletes only what the replay rewrites', async () => {
  const { root, lake } = await buildLake();
  try {
    await compactTable(lake, tweetsTable as LakeTable<unknown>, () => 400, { targetBytes: 64 * 1024 * 1024, minFiles: 2, major: true });
    const db = await duckdb();
    const count = async () => (await db.all(`SELECT count(*) AS n, max(source_offset) AS top FROM read_parquet('${join(root, 'lake')}/twitter-bronze/tweets_v2/*/*.parquet') WHERE source_partition = 0`))[0];
    // Resume at 592 (a barrier: 37 rows of p0 per file, offsets 2i): files from there on go, the merged files (all below 400) stay whole.
    await new RollingFiles(lake, tweetsTable, 0, { maxRows: 10, maxAgeMs: 1e9 }).recover(592);
    const { n, top } = await count();
    db.close();
    assert.ok((top as number) < 592, `rows past the resume offset are gone (max ${top})`);
    assert.ok((n as number) >= 300 - 37, `rows below it are kept (${n})`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
