// A cashtag table's columns as a @dsnp/parquetjs schema: tests write files with parquetjs's
// own writer (a different writer, with statistics and its own page layout) to check that
// readers accept any valid file of the schema, not only cashtag's.
import { ParquetSchema } from '@dsnp/parquetjs';
import type { ColumnSpec } from '../../src/io/parquet/parquet-write.js';

const TYPES = { utf8: 'UTF8', binary: 'BYTE_ARRAY', int32: 'INT32', int64: 'INT64', double: 'DOUBLE', timestamp_millis: 'TIMESTAMP_MILLIS' } as const;

export const parquetjsSchema = (columns: readonly ColumnSpec[]): ParquetSchema =>
  new ParquetSchema(Object.fromEntries(columns.map((c) => [c.name, { type: TYPES[c.type], compression: 'SNAPPY', optional: c.optional ?? false }])));
