// A small local lake for compaction tests: tweets, dead letters (binary values) and joined rows
// (nulls, 2^53 - 1) of two partitions, written by the sinks' own RollingFiles, one file per
// simulated barrier; and its rows as DuckDB reads them with a plain glob.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeadLetter, JoinedRow, TweetRow } from '../../src/domain/records.js';
import type { Lake } from '../../src/io/lake/lake.js';
import { LocalLake } from '../../src/io/lake/local-lake.js';
import { deadLettersTable, tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { joinedTable } from '../../src/io/parquet/derived-schemas.js';
import type { LakeTable } from '../../src/io/parquet/lake-table.js';
import { RollingFiles } from '../../src/io/parquet/rolling-files.js';
import { duckdb } from './duckdb.js';

export const tweet = (topic: string, partition: number, offset: number): TweetRow => ({
  kind: 'tweet-row', id: `id-${partition}-${offset}`, topic, partition, offset, createdAt: 1_700_000_000_000 + offset * 1000, ingestTs: 1_700_000_000_500 + offset, text: `tweet ${offset} ünïcødé $${topic}`, userId: `u${offset % 7}`, sentimentScore: (offset % 11) / 10 - 0.5, late: false,
});
const joined = (topic: string, seq: number): JoinedRow => ({
  kind: 'joined', id: `j-${seq}`, topic, createdAt: 1_700_000_000_000 + seq, sentimentScore: seq / 1000, text: `joined ${seq}`,
  priceId: seq % 3 === 0 ? null : `p-${seq}`, tradeTs: seq % 3 === 0 ? null : 1_700_000_000_000 + seq - 5, openPrice: seq % 3 === 0 ? null : 100 + seq / 8, closePrice: seq % 3 === 0 ? null : 101 + seq / 8, volume: seq % 3 === 0 ? null : 2 ** 53 - 1 - seq, seq,
});
const dead = (partition: number, offset: number): DeadLetter => ({
  kind: 'dead-letter', topic: 'tweets', partition, offset, ingestTs: 1_700_000_000_000 + offset, reason: 'not_json', detail: `bad ${offset}`, raw: `{"x": ${offset}, "é": "\u0000\uFFFD"`,
});

/** Write rows through the sinks' own RollingFiles, one file per `perFile` offsets (a barrier each). */
export async function fill<R>(lake: Lake, table: LakeTable<R>, partition: number, rows: { offset: number; row: R }[], perFile: number, tag = ''): Promise<void> {
  const files = new RollingFiles<R>(lake, table, partition, { maxRows: 1_000_000, maxAgeMs: 1e12 }, tag);
  for (const [i, { offset, row }] of rows.entries()) {
    if (!files.tryAppend(offset, row)) await files.append(offset, row, 0);
    if ((i + 1) % perFile === 0) await files.rollAll();
  }
  await files.rollAll();
}

const SQL = {
  tweets: (root: string) => `SELECT * FROM read_parquet('${root}/twitter-bronze/tweets_v2/*/*.parquet', hive_partitioning = true)`,
  joined: (root: string) => `SELECT * FROM read_parquet('${root}/twitter-silver/tweet_prices/*/*.parquet', hive_partitioning = true)`,
  dead: (root: string) => `SELECT * FROM read_parquet('${root}/twitter-bronze/dead_letters/*/*.parquet', hive_partitioning = true)`,
};

/** Every row of the three tables, as DuckDB reads them with a plain glob, sorted. */
export async function rowsOf(root: string): Promise<Record<string, string[]>> {
  const db = await duckdb();
  try {
    const out: Record<string, string[]> = {};
    for (const [name, sql] of Object.entries(SQL)) out[name] = (await db.all(`SELECT to_json(t)::VARCHAR AS j FROM (${sql(root)}) t`)).map((r) => String(r.j)).sort();
    return out;
  } finally {
    db.close();
  }
}

export const parquetFiles = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet'));

export async function buildLake(): Promise<{ root: string; lake: LocalLake }> {
  const root = mkdtempSync(join(tmpdir(), 'cashtag-compact-'));
  const lake = new LocalLake(join(root, 'lake'));
  for (const p of [0, 1]) {
    const offsets = Array.from({ length: 400 }, (_, i) => i * 2 + p);
    await fill(lake, tweetsTable, p, offsets.map((o) => ({ offset: o, row: tweet(['AAPL', 'TSLA', 'NONE'][o % 3], p, o) })), 37);
    await fill(lake, deadLettersTable, p, offsets.filter((o) => o % 10 === p).map((o) => ({ offset: o, row: dead(p, o) })), 3);
  }
  const seqs = Array.from({ length: 300 }, (_, i) => i);
  await fill(lake, joinedTable, 0, seqs.map((s) => ({ offset: s, row: joined(['AAPL', 'TSLA'][s % 2], s) })), 11);
  return { root, lake };
}

