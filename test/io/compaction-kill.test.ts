// Compaction killed with SIGKILL at arbitrary points, again and again (a real child process, not a
// hook): after every kill, a reader of live files sees each row of every table exactly once;
// after the last, recovery leaves a lake whose plain glob equals the original rows.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deadLettersTable, tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { liveFiles, supersededKeys } from '../../src/io/parquet/compaction.js';
import { joinedTable } from '../../src/io/parquet/derived-schemas.js';
import { RollingFiles } from '../../src/io/parquet/rolling-files.js';
import { rng } from '../../src/domain/random.js';
import { buildLake, parquetFiles, rowsOf } from '../helpers/compaction-lake.js';
import { duckdb } from '../helpers/duckdb.js';

const CHILD = new URL('../helpers/compact-child.js', import.meta.url).pathname;
const TABLES = [['tweets', 'twitter-bronze', 'tweets_v2'], ['dead', 'twitter-bronze', 'dead_letters'], ['joined', 'twitter-silver', 'tweet_prices']] as const;

test('SIGKILL at any point of compaction: live files hold each row once, recovery restores a clean lake', { timeout: 300_000 }, async () => {
  const { root, lake } = await buildLake();
  const lakeRoot = join(root, 'lake');
  try {
    const before = await rowsOf(lakeRoot);
    const filesBefore = parquetFiles(lakeRoot).length;
    const random = rng(15);
    let killed = 0;
    let midway = 0;
    for (let round = 0; round < 25; round++) {
      const child = spawn(process.execPath, [CHILD, lakeRoot], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // Let it start (import and first listing), then kill it somewhere in its passes.
      const timer = setTimeout(() => child.kill('SIGKILL'), 200 + Math.floor(random() * 1500));
      await once(child, 'exit');
      clearTimeout(timer);
      if (out.includes('done')) break;
      killed++;
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
    assert.ok(killed >= 3, `the child was killed mid-compaction ${killed} times`);
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
