// Lake compaction on the real S3 server of the local stack (S3Proxy): files written by the
// sinks' RollingFiles are merged (the output above the multipart part size), the rows read back
// through another client path (a plain minio client, then DuckDB) are the same multiset, and a
// crash between the upload and the deletions leaves a lake that live-file readers and recovery
// see with each row once. Each run works in its own buckets and removes them after.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { JoinedRow, TweetRow } from '../../src/domain/records.js';
import { openLake } from '../../src/io/lake/open.js';
import { connectS3, provisionBuckets, STACK_BUCKETS } from '../../src/io/lake/s3-lake.js';
import { tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { compactTable, liveFiles, supersededKeys, type CompactionGroup } from '../../src/io/parquet/compaction.js';
import { joinedTable } from '../../src/io/parquet/derived-schemas.js';
import type { LakeTable } from '../../src/io/parquet/lake-table.js';
import { RollingFiles } from '../../src/io/parquet/rolling-files.js';
import { duckdb } from '../helpers/duckdb.js';
import { rawS3 } from '../helpers/raw-s3.js';
import { stackEnv } from '../helpers/stack.js';

const env = stackEnv('S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY');
const prefix = `cc-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}-`;
const MiB = 1024 * 1024;
const scratchDir = mkdtempSync(join(tmpdir(), 'cashtag-s3-compact-'));
const s3 = { endpoint: env.S3_ENDPOINT, accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY, region: 'us-east-1' };
const lake = openLake({ kind: 's3', ...s3, scratchDir, partSize: 5 * MiB, attempts: 3, backoff: { minMs: 50, maxMs: 500, jitter: 0.2 }, bucketPrefix: prefix });
const { client: raw, keys: rawKeys, removeBuckets } = rawS3(env);
const BUCKETS = STACK_BUCKETS.map((b) => prefix + b);
const policy = { targetBytes: 64 * MiB, minFiles: 2, major: true };


/** Download a table with the plain client and read its rows with DuckDB (sorted JSON), optionally live files only. */
async function rowsOf(bucket: string, table: string, onlyLive = false): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cashtag-s3-rows-'));
  try {
    let objects: { key: string; size: number }[] = [];
    for await (const o of raw.listObjectsV2(prefix + bucket, `${table}/`, true)) if (o.name) objects.push({ key: o.name, size: o.size });
    if (onlyLive) objects = liveFiles(objects);
    for (const { key } of objects) {
      const chunks: Buffer[] = [];
      for await (const c of (await raw.getObject(prefix + bucket, key)) as Readable) chunks.push(c as Buffer);
      mkdirSync(dirname(join(dir, key)), { recursive: true });
      writeFileSync(join(dir, key), Buffer.concat(chunks));
    }
    const db = await duckdb();
    const rows = (await db.all(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet('${dir}/${table}/*/*.parquet', hive_partitioning = true) t`)).map((r) => String(r.j)).sort();
    db.close();
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const text = (n: number) => `${randomBytes(300).toString('base64')} tweet ${n}`;
const tweet = (topic: string, partition: number, offset: number): TweetRow => ({
  kind: 'tweet-row', id: `id-${partition}-${offset}`, topic, partition, offset, createdAt: 1_700_000_000_000 + offset * 1000, ingestTs: 1_700_000_000_500 + offset, text: text(offset), userId: `u${offset % 7}`, sentimentScore: (offset % 11) / 10 - 0.5, late: false,
});

async function fill<R>(table: LakeTable<R>, partition: number, rows: { offset: number; row: R }[], perFile: number, tag = ''): Promise<void> {
  const files = new RollingFiles<R>(lake, table, partition, { maxRows: 1_000_000, maxAgeMs: 1e12 }, tag);
  for (const [i, { offset, row }] of rows.entries()) {
    if (!files.tryAppend(offset, row)) await files.append(offset, row, 0);
    if ((i + 1) % perFile === 0) await files.rollAll();
  }
  await files.rollAll();
}

before(async () => {
  await provisionBuckets(connectS3(s3), BUCKETS);
});

after(async () => {
  await removeBuckets(BUCKETS);
  rmSync(scratchDir, { recursive: true, force: true });
});

test('S3: compaction merges a writer\'s files into one multipart object with the same rows', async () => {
  // ~16,000 tweets of ~420 bytes of incompressible text in partition 0: the merged file passes 5 MiB.
  await fill(tweetsTable, 0, Array.from({ length: 16_000 }, (_, i) => ({ offset: i, row: tweet('AAPL', 0, i) })), 500);
  await fill(tweetsTable, 1, Array.from({ length: 600 }, (_, i) => ({ offset: i, row: tweet(i % 2 ? 'AAPL' : 'TSLA', 1, i) })), 50);
  const seqs = Array.from({ length: 200 }, (_, s) => s);
  const joined = (s: number): JoinedRow => ({ kind: 'joined', seq: s, id: `j${s}`, topic: 'AAPL', createdAt: 1_700_000_000_000 + s, sentimentScore: s / 100, text: `j ${s}`, priceId: s % 4 ? `p${s}` : null, tradeTs: s % 4 ? 1_700_000_000_000 : null, openPrice: s % 4 ? 1.5 : null, closePrice: s % 4 ? 2.5 : null, volume: s % 4 ? s : null });
  await fill(joinedTable, 3, seqs.map((s) => ({ offset: s, row: joined(s) })), 20);
  const tweetsBefore = await rowsOf('twitter-bronze', 'tweets_v2');
  const joinedBefore = await rowsOf('twitter-silver', 'tweet_prices');
  const keysBefore = await rawKeys(prefix + 'twitter-bronze', 'tweets_v2/');

  // The checkpoint covers p0 below 15,000, p1 entirely.
  const r = await compactTable(lake, tweetsTable as LakeTable<unknown>, (_v, _t, p) => (p === 0 ? 15_000 : 1_000), policy);
  const j = await compactTable(lake, joinedTable as LakeTable<unknown>, () => 1_000, policy);
  assert.equal(j.filesMerged, 10);
  const keys = await rawKeys(prefix + 'twitter-bronze', 'tweets_v2/');
  assert.deepEqual(keys, [
    'tweets_v2/topic=AAPL/part-p000-o000000000-000014999.snappy.parquet',
    'tweets_v2/topic=AAPL/part-p000-o000015000-000015499.snappy.parquet',
    'tweets_v2/topic=AAPL/part-p000-o000015500-000015999.snappy.parquet',
    'tweets_v2/topic=AAPL/part-p001-o000000001-000000599.snappy.parquet',
    'tweets_v2/topic=TSLA/part-p001-o000000000-000000598.snappy.parquet',
  ], `${keysBefore.length} files before`);
  assert.equal(r.filesMerged, keysBefore.length - 2);
  const big = (await lake.list('twitter-bronze', 'tweets_v2/topic=AAPL/part-p000-o000000000'))[0];
  assert.ok(big.size > 5 * MiB, `the merged file (${big.size} bytes) went up in parts`);
  assert.equal(r.bytesWritten, keys.length && (await lake.list('twitter-bronze', 'tweets_v2/')).filter((o) => !keysBefore.includes(o.key)).reduce((n, o) => n + o.size, 0));
  assert.deepEqual(await rowsOf('twitter-bronze', 'tweets_v2'), tweetsBefore, 'same tweets, each once');
  assert.deepEqual(await rowsOf('twitter-silver', 'tweet_prices'), joinedBefore, 'same joined rows (nulls kept), each once');
});

test('S3: a crash between the upload and the deletions; live readers see each row once, recovery repairs', async () => {
  await fill(tweetsTable, 2, Array.from({ length: 400 }, (_, i) => ({ offset: i, row: tweet('MSFT', 2, i) })), 40);
  const before = await rowsOf('twitter-bronze', 'tweets_v2');
  class Crash extends Error {}
  const step = async (what: string, g: CompactionGroup) => {
    if (what !== 'committed') return;
    await lake.delete('twitter-bronze', g.inputs.slice(0, 3).map((f) => f.key));
    throw new Crash();
  };
  await assert.rejects(compactTable(lake, tweetsTable as LakeTable<unknown>, (_v, _t, p) => (p === 2 ? 1_000 : null), policy, { step }), Crash);
  assert.ok(supersededKeys(await lake.list('twitter-bronze', 'tweets_v2/')).size > 0, 'the crash left superseded inputs');
  assert.deepEqual(await rowsOf('twitter-bronze', 'tweets_v2', true), before, 'live files: each row once');
  await new RollingFiles(lake, tweetsTable, 2, { maxRows: 10, maxAgeMs: 1e9 }).recover(1_000);
  assert.equal(supersededKeys(await lake.list('twitter-bronze', 'tweets_v2/')).size, 0);
  assert.deepEqual(await rowsOf('twitter-bronze', 'tweets_v2'), before, 'after recovery a plain glob sees each row once');
});
