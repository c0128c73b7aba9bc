// Lake tables of several runs compared with DuckDB, an independent reader: two runs agree on a
// table when its row multisets are identical over every column except `ingest_timestamp`
// (processing time: when the source read the record, the one column allowed to differ), with
// the Hive partition column read from the path. Also: a file-level snapshot of a lake, to prove
// that a restart rewrote nothing.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { deadLettersTable, pricesTable, tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { DERIVED_TABLES } from '../../src/io/parquet/derived-schemas.js';
import type { ColumnSpec } from '../../src/io/parquet/parquet-write.js';

export const EXCLUDED_COLUMN = 'ingest_timestamp';

export interface LakeTableRef {
  layer: 'bronze' | 'silver' | 'gold';
  /** `bucket/table`, the directory under the lake root. */
  path: string;
  /** Hive partition column in the path, '' for a flat table. */
  partitionColumn: string;
  hasExcluded: boolean;
}

const ref = (layer: LakeTableRef['layer'], t: { bucket: string; table: string; column: string; columns: readonly ColumnSpec[] }): LakeTableRef => ({
  layer,
  path: `${t.bucket}/${t.table}`,
  partitionColumn: t.column,
  hasExcluded: t.columns.some((c) => c.name === EXCLUDED_COLUMN),
});

/** Every table the speed layer writes to the lake, from the schemas the sinks write with. */
export const LAKE_TABLES: readonly LakeTableRef[] = [
  ref('bronze', tweetsTable),
  ref('bronze', pricesTable),
  ref('bronze', deadLettersTable),
  ref('silver', DERIVED_TABLES.joined),
  ref('silver', DERIVED_TABLES.late),
  ref('gold', DERIVED_TABLES.windows),
  ref('gold', DERIVED_TABLES.alerts),
];

export interface TableComparison {
  table: LakeTableRef;
  /** Rows in each run, in the order the roots were given. */
  rows: number[];
  /** For each run after the first: rows only in the first run, rows only in that run (multisets). */
  diffs: { onlyFirst: number; onlyOther: number; samples: string[] }[];
}

function hasParquet(dir: string, partitioned: boolean): boolean {
  if (!existsSync(dir)) return false;
  const files = (d: string) => readdirSync(d).some((f) => f.endsWith('.parquet'));
  if (!partitioned) return files(dir);
  return readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory() && e.name.includes('=') && files(join(dir, e.name)));
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Compare every lake table of `roots[1..]` with `roots[0]` (each a `DATA_DIR/lake` directory). */
export async function compareLakes(roots: string[], samples = 1): Promise<TableComparison[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const one = async (sql: string) => Number((await db.runAndReadAll(sql)).getRowObjects()[0].n);
  const out: TableComparison[] = [];
  try {
    for (const t of LAKE_TABLES) {
      const present = roots.map((root) => hasParquet(join(root, t.path), t.partitionColumn !== ''));
      const first = present.indexOf(true);
      for (let i = 0; i < roots.length; i++) {
        if (!present[i]) continue;
        const glob = join(roots[i], t.path, t.partitionColumn ? '*/*.parquet' : '*.parquet');
        const columns = t.hasExcluded ? `* EXCLUDE (${EXCLUDED_COLUMN})` : '*';
        await db.run(`CREATE OR REPLACE TEMP TABLE r${i} AS SELECT ${columns} FROM read_parquet(${sqlString(glob)}, hive_partitioning = ${t.partitionColumn !== ''}, hive_types_autocast = false)`);
      }
      // A run without files holds an empty table of the same columns.
      for (let i = 0; i < roots.length; i++) {
        if (!present[i]) await db.run(`CREATE OR REPLACE TEMP TABLE r${i} AS ${first >= 0 ? `SELECT * FROM r${first}` : 'SELECT 1 AS none'} LIMIT 0`);
      }
      const rows: number[] = [];
      for (let i = 0; i < roots.length; i++) rows.push(await one(`SELECT count(*) AS n FROM r${i}`));
      const diffs: TableComparison['diffs'] = [];
      for (let i = 1; i < roots.length; i++) {
        const onlyFirst = await one(`SELECT count(*) AS n FROM (SELECT * FROM r0 EXCEPT ALL SELECT * FROM r${i})`);
        const onlyOther = await one(`SELECT count(*) AS n FROM (SELECT * FROM r${i} EXCEPT ALL SELECT * FROM r0)`);
        const sample: string[] = [];
        if (samples > 0 && onlyFirst + onlyOther > 0) {
          const show = async (label: string, sql: string) => {
            for (const r of (await db.runAndReadAll(`${sql} LIMIT ${samples}`)).getRowObjectsJson()) sample.push(`${label}: ${JSON.stringify(r).slice(0, 400)}`);
          };
          await show('only in first', `SELECT * FROM r0 EXCEPT ALL SELECT * FROM r${i}`);
          await show('only in other', `SELECT * FROM r${i} EXCEPT ALL SELECT * FROM r0`);
        }
        diffs.push({ onlyFirst, onlyOther, samples: sample });
      }
      out.push({ table: t, rows, diffs });
    }
  } finally {
    db.closeSync();
    instance.closeSync();
  }
  return out;
}

export interface FileStamp {
  size: number;
  sha256: string;
  /** Inode and modification time: a file replaced by identical bytes was still rewritten. */
  ino: number;
  mtimeMs: number;
}

/** Every file of a lake (scratch space excluded), by path relative to the root. */
export function snapshotLake(root: string): Map<string, FileStamp> {
  const out = new Map<string, FileStamp>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.scratch') walk(p);
      } else if (e.isFile()) {
        const st = statSync(p);
        out.set(relative(root, p), { size: st.size, sha256: createHash('sha256').update(readFileSync(p)).digest('hex'), ino: st.ino, mtimeMs: st.mtimeMs });
      }
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

export interface SnapshotDiff {
  added: string[];
  removed: string[];
  /** Same path, other bytes. */
  changed: string[];
  /** Same path and bytes, but written again (another inode or modification time). */
  rewritten: string[];
}

export function diffSnapshots(before: Map<string, FileStamp>, after: Map<string, FileStamp>): SnapshotDiff {
  const d: SnapshotDiff = { added: [], removed: [], changed: [], rewritten: [] };
  for (const [p, a] of after) {
    const b = before.get(p);
    if (!b) d.added.push(p);
    else if (b.sha256 !== a.sha256) d.changed.push(p);
    else if (b.ino !== a.ino || b.mtimeMs !== a.mtimeMs) d.rewritten.push(p);
  }
  for (const p of before.keys()) if (!after.has(p)) d.removed.push(p);
  return d;
}

export const snapshotDiffCount = (d: SnapshotDiff) => d.added.length + d.removed.length + d.changed.length + d.rewritten.length;
