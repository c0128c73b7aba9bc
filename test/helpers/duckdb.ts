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

/** Sum of a metric's samples (optionally those whose labels contain `filter`) in a text page. */
export function metricSum(text: string, name: string, ...filters: string[]): number {
  let s = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (filters.every((f) => line.includes(f))) s += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return s;
}
