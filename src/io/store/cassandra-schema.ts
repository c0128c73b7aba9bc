// The serving tables in Cassandra, as data: the DDL is generated from it and an existing table is
// checked against it, so a keyspace left by an older schema (the seed clustered tweets by
// ingest_timestamp) fails at start-up with a message instead of at the first insert.
//
// Keys are (symbol, event time DESC, record id ASC): a replay re-ingests at a new time, so
// clustering by ingest time would duplicate rows; event time plus record id keeps upserts
// idempotent and keeps two tweets of the same second apart.

import type { Client } from 'cassandra-driver';
import { backoffDelay, type BackoffOptions } from '../../runtime/backoff.js';
import { cassandraCall, connectCassandra, describeTarget, type CassandraSettings } from './cassandra-client.js';

export interface TableSpec {
  name: string;
  partitionKey: string;
  clustering: readonly (readonly [column: string, order: 'DESC' | 'ASC'])[];
  /** Every column with its CQL type, key columns included, in DDL order. */
  columns: Readonly<Record<string, string>>;
}

export const TWEETS_TABLE: TableSpec = {
  name: 'tweets',
  partitionKey: 'topic',
  clustering: [['created_at', 'DESC'], ['id', 'ASC']],
  columns: { topic: 'text', created_at: 'timestamp', id: 'uuid', ingest_timestamp: 'timestamp', text: 'text', user_id: 'text', sentiment_score: 'float' },
};

export const MARKET_DATA_TABLE: TableSpec = {
  name: 'market_data',
  partitionKey: 'symbol',
  clustering: [['trade_timestamp', 'DESC'], ['id', 'ASC']],
  columns: { symbol: 'text', trade_timestamp: 'timestamp', id: 'uuid', ingest_timestamp: 'timestamp', open_price: 'double', close_price: 'double', volume: 'bigint' },
};

/** 5-minute windows per symbol, newest first (the dashboard reads a time range of one symbol). */
export const WINDOWS_TABLE: TableSpec = {
  name: 'sentiment_windows',
  partitionKey: 'symbol',
  clustering: [['window_end', 'DESC']],
  columns: {
    symbol: 'text', window_end: 'timestamp', window_start: 'timestamp', tweet_count: 'bigint', mean_sentiment: 'double', min_sentiment: 'double', max_sentiment: 'double',
    positive_count: 'bigint', negative_count: 'bigint', tick_count: 'bigint', open_price: 'double', close_price: 'double', high_price: 'double', low_price: 'double', volume: 'bigint', vwap: 'double',
  },
};

/** Alerts, partitioned by UTC day of the window end so "alerts since t" reads a few partitions. */
export const ALERTS_TABLE: TableSpec = {
  name: 'alerts',
  partitionKey: 'day',
  clustering: [['window_end', 'DESC'], ['symbol', 'ASC']],
  columns: { day: 'text', window_end: 'timestamp', symbol: 'text', window_start: 'timestamp', mean_sentiment: 'double', tweet_count: 'bigint', open_price: 'double', close_price: 'double', price_change: 'double' },
};

/** Symbols seen, in one small partition (`bucket` = 'all'). */
export const SYMBOLS_TABLE: TableSpec = {
  name: 'symbols',
  partitionKey: 'bucket',
  clustering: [['symbol', 'ASC']],
  columns: { bucket: 'text', symbol: 'text' },
};

export const SERVING_TABLES = [TWEETS_TABLE, MARKET_DATA_TABLE, WINDOWS_TABLE, ALERTS_TABLE, SYMBOLS_TABLE] as const;

/**
 * The keyspace name as CQL stores it. Unquoted identifiers are case-insensitive (folded to lower
 * case); anything else is rejected rather than quoted, so every tool can name it plainly.
 */
export function keyspaceName(keyspace: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,47}$/.test(keyspace)) {
    throw new Error(`Cassandra keyspace ${JSON.stringify(keyspace)}: expected a letter then up to 47 letters, digits or underscores (e.g. twitter)`);
  }
  return keyspace.toLowerCase();
}

export function createKeyspaceCql(keyspace: string, replicationFactor = 1): string {
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) throw new Error(`Cassandra replication factor ${replicationFactor}: expected a whole number >= 1`);
  return `CREATE KEYSPACE IF NOT EXISTS ${keyspaceName(keyspace)} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}}`;
}

export function createTableCql(keyspace: string, t: TableSpec): string {
  const columns = Object.entries(t.columns).map(([c, type]) => `${c} ${type}`);
  const key = `PRIMARY KEY ((${t.partitionKey}), ${t.clustering.map(([c]) => c).join(', ')})`;
  const order = t.clustering.map(([c, o]) => `${c} ${o}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${keyspaceName(keyspace)}.${t.name} (${columns.join(', ')}, ${key}) WITH CLUSTERING ORDER BY (${order})`;
}

/** A row of `system_schema.columns`. */
export interface SchemaColumn {
  column_name: string;
  kind: string;
  position: number;
  clustering_order: string;
}

/** Differences between a table as `system_schema.columns` describes it and the spec ([] = same). */
export function tableMismatches(t: TableSpec, columns: readonly SchemaColumn[]): string[] {
  const out: string[] = [];
  if (columns.length === 0) return ['table missing'];
  const key = (kind: string) => columns.filter((c) => c.kind === kind).sort((a, b) => a.position - b.position);
  const partition = key('partition_key').map((c) => c.column_name).join(',');
  if (partition !== t.partitionKey) out.push(`partition key (${partition}) is not (${t.partitionKey})`);
  const clustering = key('clustering').map((c) => `${c.column_name} ${c.clustering_order.toUpperCase()}`).join(', ');
  const wanted = t.clustering.map(([c, o]) => `${c} ${o}`).join(', ');
  if (clustering !== wanted) out.push(`clustering (${clustering}) is not (${wanted})`);
  const have = new Set(columns.map((c) => c.column_name));
  const missing = Object.keys(t.columns).filter((c) => !have.has(c));
  if (missing.length) out.push(`columns missing: ${missing.join(', ')}`);
  return out;
}

type ProvisionOptions = Pick<CassandraSettings, 'contactPoints' | 'keyspace' | 'replicationFactor' | 'attempts' | 'backoff'>;

/**
 * Create the keyspace and the serving tables on a connected client if they do not exist, wait for
 * every node to agree on the schema, and check that existing tables have the expected keys.
 * Idempotent; safe to run from every store that opens.
 */
export async function provisionWith(client: Client, s: ProvisionOptions): Promise<void> {
  const ks = keyspaceName(s.keyspace);
  const ddl = [createKeyspaceCql(ks, s.replicationFactor), ...SERVING_TABLES.map((t) => createTableCql(ks, t))];
  for (const cql of ddl) await cassandraCall(s, `provisioning keyspace ${ks}`, () => client.execute(cql));
  await waitForSchemaAgreement(client, s);
  for (const t of SERVING_TABLES) {
    // Read from system_schema, not the driver's metadata cache: when another instance created the
    // table a moment ago, this client may not have seen the schema event yet.
    const rs = await cassandraCall(s, `reading the schema of ${ks}.${t.name}`, () =>
      client.execute('SELECT column_name, kind, position, clustering_order FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?', [ks, t.name], { prepare: true, isIdempotent: true }),
    );
    const diff = tableMismatches(t, rs.rows as unknown as SchemaColumn[]);
    if (diff.length) {
      throw new Error(`${describeTarget(s)}: table ${ks}.${t.name} exists with another layout (${diff.join('; ')}); it predates this schema: drop it, or choose another keyspace`);
    }
  }
}

/** Connect, provision, disconnect: for a start-up step that runs once before the stores open. */
export async function provisionCassandra(s: CassandraSettings): Promise<void> {
  const client = await connectCassandra(s);
  try {
    await provisionWith(client, s);
  } finally {
    await client.shutdown();
  }
}

/** The driver waits for agreement after each DDL but only logs when it gives up; here it is an error. */
async function waitForSchemaAgreement(client: Client, s: ProvisionOptions, attempts = 10): Promise<void> {
  // checkSchemaAgreement is public API (driver docs) but missing from its typings.
  const metadata = client.metadata as unknown as { checkSchemaAgreement(): Promise<boolean> };
  const backoff: BackoffOptions = s.backoff ?? { minMs: 200, maxMs: 2_000, jitter: 0.2 };
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await metadata.checkSchemaAgreement()) return;
    await new Promise((r) => setTimeout(r, backoffDelay(attempt, backoff)));
  }
  throw new Error(`${describeTarget(s)}: the nodes do not agree on the schema of keyspace ${keyspaceName(s.keyspace)} after ${attempts} checks (nodetool describecluster shows the versions)`);
}
