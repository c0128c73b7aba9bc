// Compaction killed with SIGKILL at arbitrary points, again and again (a real child process, not a
// hook), while new small files keep arriving: after every kill, a reader of live files sees each row of every table exactly once;
// after the last, recovery leaves a lake whose plain glob equals the original rows.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deadLettersTable, tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { lakeFile, liveFiles, supersededKeys } from '../../src/io/parquet/compaction.js';
import { joinedTable } from '../../src/io/parquet/derived-schemas.js';
import { RollingFiles } from '../../src/io/parquet/rolling-files.js';
import { rng } from '../../src/domain/random.js';
import { buildLake, fill, parquetFiles, rowsOf, tweet } from '../helpers/compaction-lake.js';
import { duckdb } from '../helpers/duckdb.js';

const CHILD = new URL('../helpers/compact-child.js', import.meta.url).pathname;
const TABLES = [['tweets', 'twitter-bronze', 'tweets_v2'], ['dead', 'twitter-bronze', 'dead_letters'], ['joined', 'twitter-silver', 'tweet_prices']] as const;

test('SIGKILL at any point of compaction: live files hold each row once, recovery restores a clean lake', { timeout: 300_000 }, async () => {
  const { root, lake } = await buildLake();
  const lakeRoot = join(root, 'lake');
  try {
    let before = await rowsOf(lakeRoot);
    let filesBefore = parquetFiles(lakeRoot).length;
    const random = rng(15);
    let killed = 0;
    let midway = 0;
    for (let round = 0; round < 25; round++) {
      // New small files every round (as the sinks keep committing), so the child always has merges to do.
      const from = 10_000 + round * 100;
      await fill(lake, tweetsTable, 0, Array.from({ length: 60 }, (_, i) => ({ offset: from + i, row: tweet(i % 2 ? 'AAPL' : 'TSLA', 0, from + i) })), 10);
      // Expected: the rows so far and those of the new files alone (a plain glob now would also
      // read what the last kill left superseded).
      const added = (await lake.list('twitter-bronze', 'tweets_v2/')).filter((o) => (lakeFile(o)?.first ?? -1) >= from).map((o) => `'${join(lakeRoot, 'twitter-bronze', o.key)}'`);
      const fresh = await duckdb();
      const addedRows = (await fresh.all(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet([${added.join(',')}], hive_partitioning = true) t`)).map((r) => String(r.j));
      fresh.close();
      assert.equal(addedRows.length, 60);
      before = { ...before, tweets: [...before.tweets, ...addedRows].sort() };
      filesBefore += added.length;
      const child = spawn(process.execPath, [CHILD, lakeRoot], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // Let it start (import and first listing), then kill it somewhere in its passes.
      const timer = setTimeout(() => child.kill('SIGKILL'), 150 + Math.floor(random() * 600));
      await once(child, 'exit');
      clearTimeout(timer);
      if (!out.includes('done')) killed++;
      // What readers see right after the kill (before any restart repairs anything).
      const db = await duckdb();
      for (const [name, bucket, table] of TABLES) {
        const objects = await lake.list(bucket, `${table}/`);
        if (supersededKeys(objects).size > 0) midway++;
        const paths = liveFiles(objects).map((o) => `'${join(lakeRoot, bucket, o.key)}'`);
        const rows = (await db.all(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet([${paths.join(',')}], hive_partitioning = true) t`)).map((r) => String(r.j)).sort();
        assert.deepEqual(rows, before[name], `round ${round}: ${table} through live files`);
      }
      db.close();
      // A restart: scratch of the dead process is never committed.
      await lake.cleanScratch();
    }
    assert.ok(killed >= 1, `the child was killed mid-compaction ${killed} times`);
    // A last run that is not killed finishes the passes.
    const last = spawn(process.execPath, [CHILD, lakeRoot], { stdio: ['ignore', 'inherit', 'inherit'] });
    assert.equal((await once(last, 'exit'))[0], 0);
    // Recovery of each writer (resuming past everything) deletes what killed merges left superseded.
    for (const p of [0, 1]) {
      await new RollingFiles(lake, tweetsTable, p, { maxRows: 10, maxAgeMs: 1e9 }).recover(1e9);
      await new RollingFiles(lake, deadLettersTable, p, { maxRows: 10, maxAgeMs: 1e9 }).recover(1e9);
    }
    await new RollingFiles(lake, joinedTable, 0, { maxRows: 10, maxAgeMs: 1e9 }).recover(1e9);
    assert.deepEqual(await rowsOf(lakeRoot), before, 'a plain glob sees every row once');
    const filesAfter = parquetFiles(lakeRoot).length;
    assert.ok(filesAfter < filesBefore, `${filesBefore} -> ${filesAfter} files`);
    assert.ok(!existsSync(join(lakeRoot, '.scratch')) || readdirSync(join(lakeRoot, '.scratch')).length === 0, 'no scratch left');
    console.log(`killed ${killed} times, ${midway} times between a merged file's commit and its inputs' deletion; ${filesBefore} -> ${filesAfter} files`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
