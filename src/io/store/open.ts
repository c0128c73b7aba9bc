// Open the serving store a stage's settings name. Cassandra joins here with the stack profile.
import { LmdbServingStore } from './lmdb-store.js';
import type { ServingStore } from './serving-store.js';

export type StoreSettings = { kind: 'lmdb'; path: string } | { kind: 'cassandra'; contactPoints: string[]; localDc: string; keyspace: string };

export async function openStore(s: StoreSettings): Promise<ServingStore> {
  switch (s.kind) {
    case 'lmdb':
      return new LmdbServingStore(s.path);
    case 'cassandra':
      throw new Error('the Cassandra store arrives with the stack profile (issue 4); unset CASSANDRA_CONTACT_POINTS');
    default: {
      const never: never = s;
      throw new Error(`unknown store ${JSON.stringify(never)}`);
    }
  }
}
