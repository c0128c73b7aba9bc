// What a lake sink needs to know of a table: where its files go, how rows are partitioned
// (Hive style, in the path) and how a row becomes a Parquet row.
import type { Cell } from './parquet-file-writer.js';
import type { ColumnSpec, ColumnType } from './parquet-write.js';

export interface LakeTable<R> {
  bucket: string;
  /** Directory under the bucket, e.g. `tweets_v2`. */
  table: string;
  /** Hive partition column in the path (`topic` for `topic=AAPL/`), '' for none. */
  column: string;
  partitionValue(row: R): string;
  columns: readonly ColumnSpec[];
  /** The row's cells in `columns` order; null only in optional columns. */
  row(r: R): Cell[];
}

export const column = (name: string, type: ColumnType, optional = false): ColumnSpec => ({ name, type, optional });
