// What a stack-profile run should have stored, derived record by record from the input topics,
// and what each store holds, read with clients other than the pipeline's: bronze from S3 (files
// copied down, read with DuckDB), Cassandra with the driver, the dead-letter topics with a
// consumer. A record is known everywhere by its input position (topic, partition, offset).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Client as Cql } from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import { extractCashtags, UNTAGGED_TOPIC } from '../../src/domain/cashtags.js';
import { validatePrice, validateTweet } from '../../src/domain/payloads.js';
import { recordUuid } from '../../src/domain/records.js';
import type { Config } from '../../src/config.js';
import { topicNames } from '../../src/io/kafka/client.js';
import { openLake } from '../../src/io/lake/open.js';
import { BRONZE_BUCKET } from '../../src/io/parquet/bronze-schemas.js';
import { lakeSettings } from '../../src/pipelines/speed.js';
import { readTopic, type KafkaRecord } from './kafka-read.js';

/** Keys of rows, one entry per row (a key found twice is a duplicate). */
export interface StoreKeys {
  bronze: string[];
  cassandra: string[];
  dlq: string[];
}

/** Expected rows of each store for the records in the input topics. */
export function expectedKeys(tweets: KafkaRecord[], prices: KafkaRecord[]): StoreKeys & { malformed: number } {
  const out: StoreKeys & { malformed: number } = { bronze: [], cassandra: [], dlq: [], malformed: 0 };
  const dead = (topic: string, r: KafkaRecord) => {
    out.malformed++;
    out.bronze.push(`dead_letters/${topic}/${r.partition}/${r.offset}`);
    out.dlq.push(`${topic}/${r.partition}/${r.offset}`);
  };
  for (const r of tweets) {
    const v = validateTweet(r.value);
    if (!v.ok) {
      dead('tweets', r);
      continue;
    }
    const symbols = extractCashtags(v.value.text);
    // One bronze row per symbol, or one under topic=NONE; Cassandra keeps only per-symbol rows.
    for (const s of symbols.length ? symbols : [UNTAGGED_TOPIC]) out.bronze.push(`tweets_v2/${s}/${r.partition}/${r.offset}`);
    for (const s of symbols) out.cassandra.push(`tweets/${s}/${recordUuid('tweets', r.partition, r.offset)}`);
  }
  for (const r of prices) {
    const v = validatePrice(r.value);
    if (!v.ok) {
      dead('stock-prices', r);
      continue;
    }
    out.bronze.push(`stock_prices/${v.value.symbol}/${r.partition}/${r.offset}`);
    out.cassandra.push(`market_data/${v.value.symbol}/${recordUuid('stock-prices', r.partition, r.offset)}`);
  }
  return out;
}

export interface Tally {
  expected: number;
  found: number;
  /** Expected rows not found. */
  lost: number;
  /** Rows found more than once, plus rows no input record explains. */
  dup: number;
}

export function tally(expected: string[], found: string[]): Tally {
  const want = new Set(expected);
  const seen = new Map<string, number>();
  for (const k of found) seen.set(k, (seen.get(k) ?? 0) + 1);
  let lost = 0;
  for (const k of want) if (!seen.has(k)) lost++;
  let dup = 0;
  for (const [k, n] of seen) dup += want.has(k) ? n - 1 : n;
  return { expected: expected.length, found: found.length, lost, dup };
}

/** Bronze rows in S3: the bucket's files copied to a scratch directory and read with DuckDB. */
export async function bronzeKeys(cfg: Config): Promise<string[]> {
  const lake = openLake(lakeSettings(cfg));
  const local = mkdtempSync(join(tmpdir(), 'cashtag-chaos-bronze-'));
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const keys: string[] = [];
    for (const [table, select] of [
      ['tweets_v2', `'tweets_v2/' || topic`],
      ['stock_prices', `'stock_prices/' || symbol`],
      ['dead_letters', `'dead_letters/' || topic`],
    ] as const) {
      const objects = (await lake.list(BRONZE_BUCKET, `${table}/`)).filter((o) => o.key.endsWith('.parquet'));
      if (objects.length === 0) continue;
      for (const o of objects) {
        const bytes = await lake.read(BRONZE_BUCKET, o.key);
        if (!bytes) continue; // deleted since the listing
        mkdirSync(dirname(join(local, o.key)), { recursive: true });
        writeFileSync(join(local, o.key), bytes);
      }
      const rows = (await db.runAndReadAll(`SELECT ${select} || '/' || source_partition || '/' || source_offset AS k FROM read_parquet('${join(local, table)}/*/*.parquet', hive_partitioning = true, hive_types_autocast = false)`)).getRowObjects();
      for (const r of rows) keys.push(String(r.k));
    }
    return keys;
  } finally {
    db.closeSync();
    instance.closeSync();
    rmSync(local, { recursive: true, force: true });
  }
}

export function cassandraClient(cfg: Config): Cql {
  return new Cql({ contactPoints: cfg.cassandraContactPoints, localDataCenter: cfg.cassandraLocalDc });
}

/** Every row key of the keyspace's tweets and market_data tables (a full scan, paged). */
export async function cassandraKeys(cql: Cql, keyspace: string): Promise<string[]> {
  const keys: string[] = [];
  for (const [table, column] of [['tweets', 'topic'], ['market_data', 'symbol']] as const) {
    for await (const row of cql.stream(`SELECT ${column}, id FROM ${keyspace}.${table}`, [], { prepare: true, fetchSize: 5_000 }) as unknown as AsyncIterable<Record<string, unknown>>) {
      keys.push(`${table}/${String(row[column])}/${String(row.id)}`);
    }
  }
  return keys;
}

/** Dead letters in the DLQ topics, by the source position their headers name. */
export async function dlqKeys(kafka: Kafka, prefix: string): Promise<string[]> {
  const names = topicNames(prefix);
  const keys: string[] = [];
  for (const topic of [names.tweetsDlq, names.pricesDlq]) {
    for (const r of await readTopic(kafka, topic)) keys.push(`${r.headers['source-topic']}/${r.headers['source-partition']}/${r.headers['source-offset']}`);
  }
  return keys;
}
