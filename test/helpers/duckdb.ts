// DuckDB as an independent reader of the lake: tests check what a user's tools see.
import { DuckDBInstance } from '@duckdb/node-api';

export async function duckdb(): Promise<{ all(sql: string): Promise<Record<string, unknown>[]>; close(): void }> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  return {
    async all(sql) {
      const r = await c.runAndReadAll(sql);
      return r.getRowObjects().map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
    },
    close() {
      c.closeSync();
      db.closeSync();
    },
  };
}

export { metricSum } from '../../src/runtime/metrics.js';
