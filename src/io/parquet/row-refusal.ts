// Why the Parquet encoder (parquet-write.ts) would refuse a row, asked before the row is buffered.
// The encoder checks values only when it writes a row group, thousands of rows later, and then
// throws for the whole group: a sink that appended a bad row would fail at every replay of it.
// Asking first lets a sink turn the one row into a dead letter and go on.
//
// Guarantee: a row for which `rowRefusal` returns null is encoded by ParquetEncoder without an
// error (the checks below are the encoder's, column type by column type).

import type { Cell } from './parquet-file-writer.js';
import { isInt64, type ColumnSpec } from './parquet-write.js';

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** Why `spec` cannot hold `v`, or null. */
export function cellRefusal(spec: ColumnSpec, v: Cell): string | null {
  const strings = spec.type === 'utf8' || spec.type === 'binary';
  // NaN is a number column's null (the writer buffers numbers in a Float64Array); in a string column it is a number.
  const isNull = v === null || (!strings && typeof v === 'number' && Number.isNaN(v));
  if (isNull) return spec.optional ? null : `required column ${spec.name} is null`;
  switch (spec.type) {
    case 'utf8':
    case 'binary':
      return typeof v === 'string' ? null : `column ${spec.name} expects a string, found ${typeof v}`;
    case 'double':
      return typeof v === 'number' ? null : `column ${spec.name} expects a number, found ${typeof v}`;
    case 'int32':
      return typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX ? null : `column ${spec.name}: ${String(v)} is not a 32-bit integer`;
    case 'int64':
    case 'timestamp_millis':
      return typeof v === 'number' && isInt64(v) ? null : `column ${spec.name}: ${String(v)} is not a 64-bit integer`;
    default: {
      const never: never = spec.type;
      return `column ${spec.name} has an unknown type ${String(never)}`;
    }
  }
}

/** Why a table with `columns` cannot hold `row` (the first bad cell), or null. */
export function rowRefusal(columns: readonly ColumnSpec[], row: readonly Cell[]): string | null {
  if (row.length !== columns.length) return `row has ${row.length} cells, the table ${columns.length} columns`;
  for (let i = 0; i < columns.length; i++) {
    const why = cellRefusal(columns[i], row[i]);
    if (why !== null) return why;
  }
  return null;
}
