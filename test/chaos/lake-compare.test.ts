// The chaos harness's comparison must be able to fail: lakes written here with DuckDB (not the
// pipeline) that differ in one cell, one duplicated row or one missing table are told apart;
// lakes that differ only in ingest_timestamp are not. Same for the file snapshot of a restart.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { compareLakes, diffSnapshots, snapshotLake } from './lake-compare.js';

const tweets = (ingestHour: number, rows: string[]) =>
  `SELECT * FROM (VALUES ${rows.join(', ')}) t(record_id, created_at, topic) CROSS JOIN (SELECT TIMESTAMP '2026-01-05 ${ingestHour}:00:00' AS ingest_timestamp)`;

async function writeLake(root: string, tweetRows: string[], ingestHour: number, alerts: boolean): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    mkdirSync(join(root, 'twitter-bronze'), { recursive: true });
    await db.run(`COPY (${tweets(ingestHour, tweetRows)}) TO '${root}/twitter-bronze/tweets_v2' (FORMAT parquet, PARTITION_BY (topic))`);
    if (alerts) {
      mkdirSync(join(root, 'twitter-gold', 'alerts'), { recursive: true });
      await db.run(`COPY (SELECT 'AAPL' AS topic, -0.7 AS mean_sentiment) TO '${root}/twitter-gold/alerts/part-p000-o000000000-000000000.snappy.parquet' (FORMAT parquet)`);
    }
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

const row = (id: string, topic = 'AAPL') => `('${id}', TIMESTAMP '2026-01-05 14:00:00', '${topic}')`;

test('compareLakes: ingest_timestamp may differ; a changed cell, a duplicate and a missing table are differences', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cashtag-chaos-compare-'));
  try {
    const [a, same, changed, dup] = ['a', 'same', 'changed', 'dup'].map((n) => join(dir, n));
    await writeLake(a, [row('1'), row('2'), row('3', 'TSLA')], 10, true);
    await writeLake(same, [row('3', 'TSLA'), row('2'), row('1')], 11, true);
    await writeLake(changed, [row('1'), row('2', 'MSFT'), row('3', 'TSLA')], 10, true);
    await writeLake(dup, [row('1'), row('2'), row('2'), row('3', 'TSLA')], 10, false);
    const byTable = new Map((await compareLakes([a, same, changed, dup])).map((c) => [c.table.path, c]));

    const t = byTable.get('twitter-bronze/tweets_v2')!;
    assert.deepEqual(t.rows, [3, 3, 3, 4]);
    assert.deepEqual(t.diffs.map((d) => [d.onlyFirst, d.onlyOther]), [[0, 0], [1, 1], [0, 1]]);
    assert.match(t.diffs[1].samples.join('\n'), /MSFT/, 'a sample of the differing row');

    const alerts = byTable.get('twitter-gold/alerts')!;
    assert.deepEqual(alerts.rows, [1, 1, 1, 0]);
    assert.deepEqual(alerts.diffs.map((d) => d.onlyFirst + d.onlyOther), [0, 0, 1]);

    const windows = byTable.get('twitter-gold/sentiment_windows_5m')!;
    assert.deepEqual(windows.rows, [0, 0, 0, 0], 'a table no run wrote is empty everywhere');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snapshotLake/diffSnapshots: added, removed, changed and rewritten-with-the-same-bytes files are all reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cashtag-chaos-snapshot-'));
  try {
    const file = (name: string, body: string) => {
      mkdirSync(join(dir, 'twitter-bronze', 't'), { recursive: true });
      writeFileSync(join(dir, 'twitter-bronze', 't', name), body);
    };
    file('keep', 'k');
    file('change', 'c1');
    file('rewrite', 'r');
    file('remove', 'x');
    mkdirSync(join(dir, '.scratch'));
    const before = snapshotLake(dir);
    file('change', 'c2');
    rmSync(join(dir, 'twitter-bronze', 't', 'rewrite'));
    file('rewrite', 'r');
    // The file system may reuse the inode and the clock may not have moved: date the new file
    // as a writer a second later would have.
    const rewritten = join(dir, 'twitter-bronze', 't', 'rewrite');
    const then = new Date(before.get('twitter-bronze/t/rewrite')!.mtimeMs + 1000);
    utimesSync(rewritten, then, then);
    rmSync(join(dir, 'twitter-bronze', 't', 'remove'));
    file('add', 'a');
    writeFileSync(join(dir, '.scratch', 'partial'), 'ignored');
    const d = diffSnapshots(before, snapshotLake(dir));
    assert.deepEqual(d, { added: ['twitter-bronze/t/add'], removed: ['twitter-bronze/t/remove'], changed: ['twitter-bronze/t/change'], rewritten: ['twitter-bronze/t/rewrite'] });
    assert.deepEqual(diffSnapshots(before, before), { added: [], removed: [], changed: [], rewritten: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
