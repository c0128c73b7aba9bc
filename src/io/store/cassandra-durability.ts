// Does Cassandra acknowledge a write only once it is durable? The store sink relies on it: a
// checkpoint completes (and Kafka offsets are committed) once every sink has its rows
// acknowledged, so a row acknowledged and then lost is never written again.
//
// With `commitlog_sync: periodic` (Cassandra's default) a node acknowledges a write as soon as it
// is in the commit-log buffer; the buffer gets a sync marker about every 100 ms and is fsynced every
// `commitlog_sync_period` (10 s). After a kill -9 the commit-log replay stops at the last marker,
// after a power cut at the last fsync: the rows acknowledged since are gone. On a keyspace with
// one replica nothing else has them. This is how issue 13 lost a market_data row: Cassandra was
// killed during a Kafka-fed run; on the local stack we reproduced it with kill -9 (10 ticks and
// 15 tweet rows acknowledged about a second before the kill were missing; bronze had them).
// It is not the driver: statements are idempotent at LOCAL_QUORUM with no speculative execution,
// and every failure is retried or raised, never resolved.
//
// The fix is the server's: `commitlog_sync: group` (or `batch`) acknowledges a write only after
// the fsync that covers it (deploy/local/cassandra/cassandra.yaml does so), or a replication
// factor of 3 with LOCAL_QUORUM, so one node's crash loses nothing acknowledged. The store sink
// checks at start and warns when neither holds.

import type { Client } from 'cassandra-driver';
import { describeTarget, type CassandraSettings } from './cassandra-client.js';
import { keyspaceName } from './cassandra-schema.js';

/** The replication factor of a keyspace in the local data centre (null: unknown strategy). Pure. */
export function localReplicationFactor(replication: Readonly<Record<string, string>>, localDc: string): number | null {
  const cls = replication.class ?? '';
  const n = Number(cls.endsWith('SimpleStrategy') ? replication.replication_factor : replication[localDc]);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** Why acknowledged writes could be lost on a crash of one node, or null when they cannot. Pure. */
export function durabilityRisk(target: string, keyspace: string, commitlogSync: string | null, replicationFactor: number | null): string | null {
  if (commitlogSync !== 'periodic' || replicationFactor !== 1) return null;
  return (
    `${target} acknowledges writes before they are on disk (commitlog_sync: periodic) and keyspace ${keyspace} has one replica: ` +
    'a crash of that node (kill -9, power loss) loses the rows it acknowledged in the moments before, after cashtag has checkpointed them. ' +
    'Set commitlog_sync: group (or batch) in its cassandra.yaml, or replicate the keyspace (replication factor 3, writes at LOCAL_QUORUM)'
  );
}

/** Read the node's commit-log mode (system_views, Cassandra 4.0+) and the keyspace's replication; what cannot be read is null. */
export async function readDurabilityRisk(client: Client, s: Pick<CassandraSettings, 'contactPoints' | 'keyspace' | 'localDc'>): Promise<string | null> {
  const ks = keyspaceName(s.keyspace);
  const opts = { prepare: true, isIdempotent: true };
  const sync = await client
    .execute("SELECT value FROM system_views.settings WHERE name = 'commitlog_sync'", [], opts)
    .then((rs) => (rs.first()?.get('value') as string | undefined) ?? null, () => null);
  const replication = await client
    .execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [ks], opts)
    .then((rs) => (rs.first()?.get('replication') as Record<string, string> | undefined) ?? null, () => null);
  return durabilityRisk(describeTarget(s), ks, sync, replication ? localReplicationFactor(replication, s.localDc) : null);
}
