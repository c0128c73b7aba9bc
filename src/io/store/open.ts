// Open the serving store a stage's settings name: LMDB on local disk (embedded profile) or
// Cassandra (stack profile; connects with bounded retries and provisions its keyspace).
import type { CassandraSettings } from './cassandra-client.js';
import { CassandraServingStore } from './cassandra-store.js';
import { LmdbServingStore } from './lmdb-store.js';
import type { ServingStore } from './serving-store.js';

export type StoreSettings = { kind: 'lmdb'; path: string } | ({ kind: 'cassandra' } & CassandraSettings);

export async function openStore(s: StoreSettings): Promise<ServingStore> {
  switch (s.kind) {
    case 'lmdb':
      return new LmdbServingStore(s.path);
    case 'cassandra':
      return CassandraServingStore.open(s);
    default: {
      const never: never = s;
      throw new Error(`unknown store ${JSON.stringify(never)}`);
    }
  }
}
