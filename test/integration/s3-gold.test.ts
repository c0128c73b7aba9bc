// The batch layer's gold reports on the real S3 server of the local stack (S3Proxy): the seed's
// layout (`batch_trend_analysis/topic=SYM/part-00000.snappy.parquet`), so that what a plain glob
// over the bucket lists and reads (here: the keys matching `batch_trend_analysis/*/*.parquet`,
// downloaded by another client and read by DuckDB) is exactly the current report after two runs
// on different inputs; and a reader polling during the second run only ever gets whole files,
// each the first run's or the second's for its key; an older layout's `_v/` and `_current.json`
// are removed by the first publication. Own buckets, removed after.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { ParquetWriter } from '@dsnp/parquetjs';
import { pricesTable, tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { provisionBuckets, S3Lake, type S3LakeSettings } from '../../src/io/lake/s3-lake.js';
import { REPORTS } from '../../src/io/parquet/gold-schemas.js';
import { fileVersion, runBatch, type BatchOptions } from '../../src/pipelines/batch.js';
import { duckdb } from '../helpers/duckdb.js';
import { parquetjsSchema } from '../helpers/parquetjs-schema.js';
import { rawS3 } from '../helpers/raw-s3.js';
import { quietLogger } from '../helpers/runtime.js';
import { stackEnv } from '../helpers/stack.js';

const env = stackEnv('S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY');
const run = `ct-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const BRONZE = `${run}-twitter-bronze`;
const GOLD = `${run}-twitter-gold`;
const scratchDir = mkdtempSync(join(tmpdir(), 'cashtag-s3-gold-'));
const settings = { endpoint: env.S3_ENDPOINT, accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY, region: 'us-east-1', scratchDir: join(scratchDir, 'scratch'), attempts: 3, backoff: { minMs: 50, maxMs: 500, jitter: 0.2 } } satisfies S3LakeSettings;
const lake = new S3Lake(settings);
const { keys: rawKeys, bytes: rawBytes, removeBuckets } = rawS3(env);
const H = Date.parse('2025-12-18T14:00:00Z');

before(async () => {
  await provisionBuckets(lake.s3, [BRONZE, GOLD]);
});
after(async () => {
  await removeBuckets([BRONZE, GOLD]);
  rmSync(scratchDir, { recursive: true, force: true });
});

async function writeBronze(key: string, schema: ReturnType<typeof parquetjsSchema>, rows: Record<string, unknown>[]): Promise<void> {
  const scratch = await lake.scratchPath(BRONZE, key);
  const w = await ParquetWriter.openFile(schema, scratch);
  for (const r of rows) await w.appendRow(r);
  await w.close();
  await lake.commit(scratch, BRONZE, key);
}

async function bronzeSymbol(symbol: string, n: number, from = 0): Promise<void> {
  const range = `o${String(from).padStart(9, '0')}-${String(from + n - 1).padStart(9, '0')}`;
  await writeBronze(`tweets_v2/topic=${symbol}/part-p000-${range}.snappy.parquet`, parquetjsSchema(tweetsTable.columns), Array.from({ length: n }, (_, i) => ({
    record_id: `${symbol}-${from + i}`, created_at: new Date(H + (from + i) * 97_000), ingest_timestamp: new Date(H), text: 'x', user_id: 'u',
    sentiment_score: Math.cos(from + i + symbol.charCodeAt(2)), source_partition: 0, source_offset: from + i,
  })));
  if (from === 0) {
    await writeBronze(`stock_prices/symbol=${symbol}/part-p000-o000000000-000000001.snappy.parquet`, parquetjsSchema(pricesTable.columns), [0, 1].map((i) => ({
      record_id: `${symbol}p-${i}`, trade_timestamp: new Date(H + i * 60_000), ingest_timestamp: new Date(H), open_price: 10, close_price: 10 + i, volume: 5, source_partition: 0, source_offset: i,
    })));
  }
}

/** What a plain glob `<table>/*\/*.parquet` over the bucket reads: matching keys, downloaded by another client. */
async function globbed(table: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const k of await rawKeys(GOLD, `${table}/`)) if (new RegExp(`^${table}/[^/]+/[^/]+\\.parquet$`).test(k)) out.set(k, await rawBytes(GOLD, k));
  return out;
}

test('gold reports on S3: the seed layout; a plain glob reads exactly the current report; readers during a publication get whole files only', { timeout: 120_000 }, async () => {
  const symbols = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
  for (const [i, s] of symbols.entries()) await bronzeSymbol(s, 3 + i);
  // What the older layout left: a version prefix behind a manifest (removed by the first publication).
  await lake.put(GOLD, `${REPORTS.trend}/_v/20250101T000000000Z-aaaaaaaaaaaa/topic=OLD/part-00000.snappy.parquet`, Buffer.from('PAR1'));
  await lake.put(GOLD, `${REPORTS.trend}/_current.json`, Buffer.from('{}'));
  const options: BatchOptions = { lake: { kind: 's3', ...settings }, buckets: { bronze: BRONZE, gold: GOLD }, threads: 2, log: quietLogger(), progress: () => undefined };
  const first = await runBatch(options);
  assert.ok(first.published);
  const before = await globbed(REPORTS.trend);
  assert.deepEqual([...before.keys()], symbols.map((s) => `${REPORTS.trend}/topic=${s}/part-00000.snappy.parquet`));
  assert.deepEqual(await rawKeys(GOLD, `${REPORTS.trend}/`), [...before.keys()], 'the older layout is gone');

  // A new input: more tweets for AAA, a new symbol GGG, FFF's bronze gone.
  await bronzeSymbol('AAA', 4, 100);
  await bronzeSymbol('GGG', 2);
  await lake.delete(BRONZE, (await rawKeys(BRONZE)).filter((k) => k.includes('=FFF/')));

  const seen: [string, Buffer][] = [];
  let polling = true;
  const reader = (async () => {
    while (polling) {
      for (const k of await rawKeys(GOLD, `${REPORTS.trend}/`)) {
        const b = await rawBytes(GOLD, k).catch((e: { code?: string }) => (e.code === 'NoSuchKey' ? null : Promise.reject(e)));
        if (b) seen.push([k, b]);
      }
    }
  })();
  reader.catch(() => undefined);
  const second = await runBatch(options);
  polling = false;
  await reader;
  assert.ok(second.published);
  const now = await globbed(REPORTS.trend);
  assert.deepEqual([...now.keys()], ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'GGG'].map((s) => `${REPORTS.trend}/topic=${s}/part-00000.snappy.parquet`), 'the vanished topic is gone, the new one is in');
  assert.ok(seen.length > 0, 'the reader read during the run');
  for (const [k, b] of seen) assert.ok(before.get(k)?.equals(b) || now.get(k)?.equals(b), `${k}: the first run's file or the second's, whole`);
  assert.deepEqual(await rawKeys(GOLD, '_batch/'), [], 'no run state left');

  // Downloaded as listed and read by DuckDB with the plain glob: exactly the current input's tweets.
  const dir = join(scratchDir, 'gold');
  for (const [k, b] of now) {
    mkdirSync(dirname(join(dir, k)), { recursive: true });
    writeFileSync(join(dir, k), b);
  }
  const bronzeDir = join(scratchDir, 'bronze');
  for (const k of await rawKeys(BRONZE, 'tweets_v2/')) {
    mkdirSync(dirname(join(bronzeDir, k)), { recursive: true });
    writeFileSync(join(bronzeDir, k), await rawBytes(BRONZE, k));
  }
  const db = await duckdb();
  try {
    const expected = await db.all(`SELECT topic, record_id, sentiment_score FROM read_parquet('${bronzeDir}/tweets_v2/*/*.parquet', hive_partitioning = true) ORDER BY ALL`);
    const got = await db.all(`SELECT topic, record_id, sentiment_score FROM read_parquet('${dir}/${REPORTS.trend}/*/*.parquet', hive_partitioning = true) ORDER BY ALL`);
    assert.deepEqual(got, expected);
  } finally {
    db.close();
  }
  const versions = new Set([...now.values()].map(fileVersion));
  assert.equal(versions.size, 1, 'one version');
  assert.ok(!versions.has(fileVersion([...before.values()][0])), 'the new input is a new version');
});
