// Crash and replay: a pipeline killed with SIGKILL mid-run and started again on the same data
// directory resumes from its last checkpoint; the lake ends up with every record exactly once
// (files the replay rewrites are replaced, never duplicated), and the join, whose pending
// tweets are read back from bronze rather than kept in its snapshot, loses and repeats none.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { duckdb } from '../helpers/duckdb.js';
import { cliCommand } from '../../bench/cli-command.js';

const N = 80_000;

function run(dataDir: string, killAfterCheckpoint: boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(...cliCommand(['run', '--data-dir', dataDir, '--events', String(N), '--rate', '8000', '--event-rate', '200', '--partitions', '2', '--seed', '11', '--epoch', '2025-12-18T14:30:00Z', '--checkpoint-interval', '2', '--file-max-rows', '300', '--file-max-age', '0.2', '--metrics-port', '0', '--serve', 'off', '--malformed', '0.02', '--late', '0']), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  if (killAfterCheckpoint) {
    // Kill hard a second after the second checkpoint (the third is due a second later). Files
    // roll every 0.2 s, so some were committed after the last checkpoint, at boundaries that
    // depend on timing: the replay must replace them, not add to them.
    const poll = setInterval(() => {
      let cps: string[] = [];
      try {
        cps = readdirSync(join(dataDir, 'checkpoints', 'speed')).filter((f) => f.startsWith('chk-'));
      } catch {
        return;
      }
      if (cps.length >= 2) {
        clearInterval(poll);
        setTimeout(() => child.kill('SIGKILL'), 1_000);
      }
    }, 50);
    child.on('exit', () => clearInterval(poll));
  }
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

test('SIGKILL mid-run, then a rerun: every tweet in bronze exactly once, every joined tweet once', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-replay-'));
  const first = await run(dataDir, true);
  assert.equal(first.signal, 'SIGKILL', 'the first run should have been killed mid-way (it finished too soon)');
  const second = await run(dataDir, false);
  assert.equal(second.code, 0);
  const db = await duckdb();
  try {
    const lake = join(dataDir, 'lake', 'twitter-bronze');
    const [t] = await db.all(`SELECT count(*) AS rows, count(DISTINCT (record_id, topic)) AS uniq, count(DISTINCT record_id) AS ids FROM read_parquet('${lake}/tweets_v2/*/*.parquet', hive_partitioning = true)`);
    const [d] = await db.all(`SELECT count(*) AS rows, count(DISTINCT (source_partition, source_offset)) AS uniq FROM read_parquet('${lake}/dead_letters/topic=tweets/*.parquet')`);
    assert.equal(t.rows, t.uniq, 'duplicate tweet rows in bronze');
    assert.equal(d.rows, d.uniq, 'duplicate dead letters');
    assert.equal((t.ids as number) + (d.rows as number), N, 'every tweet is in bronze or in dead letters');
    const [p] = await db.all(`SELECT count(*) AS rows, count(DISTINCT record_id) AS uniq FROM read_parquet('${lake}/stock_prices/*/*.parquet', hive_partitioning = true)`);
    assert.equal(p.rows, p.uniq, 'duplicate price rows');

    // Joined tweets: none twice, and none missing up to the last one released from the same input
    // partition (each join instance follows its own partition's watermark; the end of a bounded
    // run leaves the newest tweets pending, not joined).
    const silver = join(dataDir, 'lake', 'twitter-silver', 'tweet_prices');
    const [j] = await db.all(`SELECT count(*) AS rows, count(DISTINCT (record_id, topic)) AS uniq, max(created_at) AS last FROM read_parquet('${silver}/*/*.parquet', hive_partitioning = true)`);
    assert.ok((j.rows as number) > 1_000, `too few joined tweets (${j.rows})`);
    assert.equal(j.rows, j.uniq, 'a joined tweet was written twice');
    const [missing] = await db.all(`WITH b AS (SELECT * FROM read_parquet('${lake}/tweets_v2/*/*.parquet', hive_partitioning = true) WHERE topic <> 'NONE'),
        s AS (SELECT * FROM read_parquet('${silver}/*/*.parquet', hive_partitioning = true)),
        last AS (SELECT b.source_partition AS p, max(b.created_at) AS t FROM b JOIN s USING (record_id, topic) GROUP BY b.source_partition)
      SELECT count(*) AS n FROM b JOIN last ON b.source_partition = last.p
      WHERE b.created_at < last.t AND NOT EXISTS (SELECT 1 FROM s WHERE s.record_id = b.record_id AND s.topic = b.topic)`);
    if (missing.n !== 0) console.error('joined tweets missing', dataDir, JSON.stringify(await db.all(`WITH b AS (SELECT * FROM read_parquet('${lake}/tweets_v2/*/*.parquet', hive_partitioning = true, filename = true) WHERE topic <> 'NONE'),
        s AS (SELECT * FROM read_parquet('${silver}/*/*.parquet', hive_partitioning = true)),
        last AS (SELECT b.source_partition AS p, max(b.created_at) AS t FROM b JOIN s USING (record_id, topic) GROUP BY b.source_partition)
      SELECT b.source_partition, b.source_offset, b.topic, epoch_ms(b.created_at) AS ts, epoch_ms(last.t) AS last, b.filename FROM b JOIN last ON b.source_partition = last.p
      WHERE b.created_at < last.t AND NOT EXISTS (SELECT 1 FROM s WHERE s.record_id = b.record_id AND s.topic = b.topic)`)));
    assert.equal(missing.n, 0, 'tagged tweets older than the last joined one are missing from the join');
  } finally {
    db.close();
  }
});
