// Open the serving store a stage's settings name: LMDB on local disk (embedded profile) or
// Cassandra (stack profile; connects with bounded retries and provisions its keyspace).
import type { CassandraSettings } from './cassandra-client.js';
import { LmdbServingStore } from './lmdb-store.js';
import type { ServingStore } from './serving-store.js';

export type StoreSettings = { kind: 'lmdb'; path: string; maxRowsPerSymbol?: number } | ({ kind: 'cassandra' } & CassandraSettings);

export async function openStore(s: StoreSettings): Promise<ServingStore> {
  switch (s.kind) {
    case 'lmdb':
      return new LmdbServingStore(s.path, { maxRowsPerSymbol: s.maxRowsPerSymbol });
    case 'cassandra':
      // Loaded here: the embedded profile's threads never pay for the driver's modules.
      return (await import('./cassandra-store.js')).CassandraServingStore.open(s);
    default: {
      const never: never = s;
      throw new Error(`unknown store ${JSON.stringify(never)}`);
    }
  }
}
