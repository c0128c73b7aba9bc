// cashtag's Parquet encoder, for every file it writes: the batch layer's gold reports (whole
// columns in typed arrays) and the speed layer's lake sinks (rows buffered into columns, one row
// group at a time; see ParquetFileWriter). @dsnp/parquetjs's ParquetWriter shreds row by row
// into per-value objects and collects statistics, which cost the speed layer a fifth of its
// actor threads' CPU (profiled). This writes the same format straight from columns: one v1 data
// page per column chunk, RLE/bit-packed definition levels for optional columns, snappy
// (parquetjs's codec), thrift metadata in the compact protocol (gold-thrift.ts). Values are
// dictionary-encoded (a PLAIN dictionary page, then RLE_DICTIONARY indices) where that at least
// halves the chunk's PLAIN bytes (tweet texts, sentiment scores: 8.9 -> ~3.4 bytes a bronze row
// for texts), PLAIN otherwise (user ids, offsets, where snappy does as well), as Arrow and Spark
// decide it. Timestamps are INT64 TIMESTAMP_MILLIS (UTC). No statistics: readers (DuckDB, Spark,
// Arrow, parquetjs) do not need them. `make bench-parquet` compares this writer with the
// maintained ones (bytes, speed, read-back).
//
// Guarantee: the output depends only on the columns (no clocks, no random ids), so the same
// data written twice is byte-identical.

import { deflate } from '@dsnp/parquetjs/dist/lib/compression.js';
import type { Utf8Column } from './gold-parquet-read.js';
import { dictionaryIndices, dictionaryOf } from './dictionary.js';
import { bin, encodeStruct, i32, i64, list, struct, type TField } from './gold-thrift.js';

/** Parquet's enums (parquet.thrift), the values this writer uses. */
const T = {
  Type: { INT32: 1, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 },
  ConvertedType: { UTF8: 0, TIMESTAMP_MILLIS: 9 },
  Repetition: { REQUIRED: 0, OPTIONAL: 1 },
  Encoding: { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 },
  PageType: { DATA_PAGE: 0, DICTIONARY_PAGE: 2 },
  Codec: { SNAPPY: 1 },
} as const;

/** `binary` is a BYTE_ARRAY without the UTF8 annotation; its values are given as strings (UTF-8 bytes). */
export type ColumnType = 'double' | 'int32' | 'int64' | 'timestamp_millis' | 'utf8' | 'binary';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Optional columns may hold nulls: NaN in number columns, null in string columns. */
  optional?: boolean;
}

/**
 * A string column already PLAIN-encoded as it was filled (ParquetFileWriter): `plain` holds the
 * present values, each a 4-byte little-endian length and its UTF-8 bytes; `present[i]` is 1 for
 * a row with a value, 0 for a null. It is written whole (a row group of `rows` rows).
 */
export interface PlainStrings {
  plain: Uint8Array;
  present: Uint8Array;
  rows: number;
}

export interface Column extends ColumnSpec {
  values: Float64Array | (string | null)[] | Utf8Column | PlainStrings;
}

const isPlainStrings = (v: Column['values']): v is PlainStrings => (v as PlainStrings).plain !== undefined;
const isUtf8Column = (v: Column['values']): v is Utf8Column => (v as Utf8Column).offsets !== undefined;
const rowCount = (c: Column): number => (isUtf8Column(c.values) ? c.values.offsets.length - 1 : isPlainStrings(c.values) ? c.values.rows : c.values.length);
/** Row i's value for null checks (a Utf8Column holds no nulls). */
const valueAt = (c: Column, i: number): number | string | null => {
  const v = c.values;
  if (isPlainStrings(v)) return v.present[i] === 1 ? '' : null;
  return isUtf8Column(v) ? '' : v[i];
};

const PHYSICAL = { double: T.Type.DOUBLE, int32: T.Type.INT32, int64: T.Type.INT64, timestamp_millis: T.Type.INT64, utf8: T.Type.BYTE_ARRAY, binary: T.Type.BYTE_ARRAY } as const;
const CONVERTED = { double: undefined, int32: undefined, int64: undefined, timestamp_millis: T.ConvertedType.TIMESTAMP_MILLIS, utf8: T.ConvertedType.UTF8, binary: undefined } as const;
const isStringType = (t: ColumnType) => t === 'utf8' || t === 'binary';

/** An integer-valued double in INT64's range [-2^63, 2^63). */
export const isInt64 = (v: number): boolean => Number.isInteger(v) && v >= -9_223_372_036_854_775_808 && v < 9_223_372_036_854_775_808;

const isNull = (v: number | string | null): boolean => v === null || (typeof v === 'number' && Number.isNaN(v));

const SAMPLE = 32_768;
/** Snappy saves less than this on a sample: store the page as snappy literal runs instead. */
const INCOMPRESSIBLE = 0.9;

/**
 * A snappy block of `raw`. A page whose first 32 KiB snappy barely shrinks (random record ids,
 * moving averages) is stored as literal runs: still a valid snappy block, the same thing the
 * format does with incompressible input, but without spending the CPU of compressing the whole
 * page to save less than ~10 % of its size.
 */
async function snappy(raw: Buffer): Promise<Buffer> {
  if (raw.length <= SAMPLE) return deflate('SNAPPY', raw);
  const sample = await deflate('SNAPPY', raw.subarray(0, SAMPLE));
  if (sample.length < SAMPLE * INCOMPRESSIBLE) return deflate('SNAPPY', raw);
  const header: number[] = [];
  for (let n = raw.length; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      header.push(n);
      break;
    }
    header.push((n % 128) | 0x80);
  }
  const runs = Math.ceil(raw.length / 65_536);
  const out = Buffer.allocUnsafe(header.length + runs * 3 + raw.length);
  header.forEach((b, i) => (out[i] = b));
  let o = header.length;
  for (let from = 0; from < raw.length; from += 65_536) {
    const n = Math.min(65_536, raw.length - from);
    out[o] = 61 << 2; // literal, length − 1 in the next 2 bytes
    out.writeUInt16LE(n - 1, o + 1);
    raw.copy(out, o + 3, from, from + n);
    o += 3 + n;
  }
  return out;
}

/** PLAIN-encode rows [from, to) of a column, skipping nulls. */
function plainValues(c: Column, from: number, to: number): Buffer {
  if (isPlainStrings(c.values)) {
    const { plain, rows } = c.values;
    if (from !== 0 || to !== rows) throw new Error(`column ${c.name}: PLAIN-encoded strings are written whole (rows 0..${rows}), not ${from}..${to}`);
    return Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength);
  }
  if (isUtf8Column(c.values)) {
    const { offsets, data, order } = c.values;
    let bytes = 4 * (to - from);
    for (let i = from; i < to; i++) {
      const r = order ? order[i] : i;
      bytes += offsets[r + 1] - offsets[r];
    }
    const out = Buffer.allocUnsafe(bytes);
    let o = 0;
    for (let i = from; i < to; i++) {
      const r = order ? order[i] : i;
      const n = offsets[r + 1] - offsets[r];
      out[o] = n & 0xff;
      out[o + 1] = (n >>> 8) & 0xff;
      out[o + 2] = (n >>> 16) & 0xff;
      out[o + 3] = n >>> 24;
      o += 4;
      for (let j = offsets[r], end = offsets[r + 1]; j < end; j++) out[o++] = data[j];
    }
    return out;
  }
  if (isStringType(c.type)) {
    const xs = c.values as (string | null)[];
    let bytes = 0;
    for (let i = from; i < to; i++) if (xs[i] !== null) bytes += 4 + Buffer.byteLength(xs[i] as string);
    const out = Buffer.allocUnsafe(bytes);
    let o = 0;
    for (let i = from; i < to; i++) {
      const s = xs[i];
      if (s === null) continue;
      const n = out.write(s, o + 4, 'utf8');
      out.writeUInt32LE(n, o);
      o += 4 + n;
    }
    return out;
  }
  const xs = c.values as Float64Array;
  let n = 0;
  for (let i = from; i < to; i++) if (!Number.isNaN(xs[i])) n++;
  if (c.type === 'double' && n === to - from) return Buffer.from(xs.slice(from, to).buffer);
  if (c.type === 'int32') {
    const out = Buffer.alloc(n * 4);
    let o = 0;
    for (let i = from; i < to; i++) {
      const v = xs[i];
      if (Number.isNaN(v)) continue;
      if (!Number.isInteger(v) || v < -2_147_483_648 || v > 2_147_483_647) throw new RangeError(`column ${c.name}: ${v} is not a 32-bit integer`);
      out.writeInt32LE(v, (o++) * 4);
    }
    return out;
  }
  const out = Buffer.alloc(n * 8);
  if (c.type === 'double') {
    let o = 0;
    for (let i = from; i < to; i++) if (!Number.isNaN(xs[i])) out.writeDoubleLE(xs[i], (o++) * 8);
  } else {
    // Two's complement halves of an integer, without BigInt. Any integer-valued double below
    // 2^63 in magnitude is written exactly (both halves are exact: v / 2^32 is, and the low half
    // is representable): past 2^53 that is the double's value, e.g. a window's summed volume.
    const words = new Int32Array(out.buffer, out.byteOffset, n * 2);
    let o = 0;
    for (let i = from; i < to; i++) {
      const v = xs[i];
      if (Number.isNaN(v)) continue;
      if (!isInt64(v)) throw new RangeError(`column ${c.name}: ${v} is not a 64-bit integer`);
      const hi = Math.floor(v / 4_294_967_296);
      words[o++] = v - hi * 4_294_967_296;
      words[o++] = hi;
    }
  }
  return out;
}

/** Definition levels (1 = present) as one bit-packed run, with the v1 page's length prefix. */
function definitionLevels(c: Column, from: number, to: number): Buffer {
  const n = to - from;
  const groups = Math.ceil(n / 8);
  const header: number[] = [];
  for (let h = (groups << 1) | 1; ; h >>>= 7) {
    if (h < 0x80) {
      header.push(h);
      break;
    }
    header.push((h & 0x7f) | 0x80);
  }
  const out = Buffer.alloc(4 + header.length + groups);
  out.writeUInt32LE(header.length + groups, 0);
  header.forEach((b, i) => (out[4 + i] = b));
  const base = 4 + header.length;
  for (let i = 0; i < n; i++) if (!isNull(valueAt(c, from + i))) out[base + (i >> 3)] |= 1 << (i & 7);
  return out;
}

async function columnChunk(c: Column, from: number, to: number, offset: number): Promise<{ bytes: Buffer; meta: TField[] }> {
  const values = plainValues(c, from, to);
  let present = to - from;
  if (c.optional) for (let i = from; i < to; i++) if (isNull(valueAt(c, i))) present--;
  const dict = dictionaryOf(values, present, c.type);
  const pages: Buffer[] = [];
  let uncompressed = 0;
  if (dict) {
    const body = await snappy(dict.plain);
    const head = encodeStruct([
      [1, i32(T.PageType.DICTIONARY_PAGE)],
      [2, i32(dict.plain.length)],
      [3, i32(body.length)],
      [7, struct([[1, i32(dict.size)], [2, i32(T.Encoding.PLAIN)]])],
    ]);
    pages.push(head, body);
    uncompressed += head.length + dict.plain.length;
  }
  const data = dict ? dictionaryIndices(dict) : values;
  const raw = c.optional ? Buffer.concat([definitionLevels(c, from, to), data]) : data;
  const body = await snappy(raw);
  const head = encodeStruct([
    [1, i32(T.PageType.DATA_PAGE)],
    [2, i32(raw.length)],
    [3, i32(body.length)],
    [5, struct([[1, i32(to - from)], [2, i32(dict ? T.Encoding.RLE_DICTIONARY : T.Encoding.PLAIN)], [3, i32(T.Encoding.RLE)], [4, i32(T.Encoding.RLE)]])],
  ]);
  const dataPageOffset = offset + (dict ? pages[0].length + pages[1].length : 0);
  pages.push(head, body);
  uncompressed += head.length + raw.length;
  const bytes = Buffer.concat(pages);
  const meta: TField[] = [
    [1, i32(PHYSICAL[c.type])],
    [2, list('i32', dict ? [T.Encoding.PLAIN, T.Encoding.RLE, T.Encoding.RLE_DICTIONARY] : [T.Encoding.RLE, T.Encoding.PLAIN])],
    [3, list('bin', [c.name])],
    [4, i32(T.Codec.SNAPPY)],
    [5, i64(to - from)],
    [6, i64(uncompressed)],
    [7, i64(bytes.length)],
    [9, i64(dataPageOffset)],
    [11, dict ? i64(offset) : undefined],
  ];
  // ColumnChunk: file_offset (where its metadata would follow), meta_data.
  return { bytes, meta: [[2, i64(offset + bytes.length)], [3, struct(meta)]] };
}

/**
 * A Parquet file written one row group at a time: `start()`, then `rowGroup()` for each group
 * (bytes to append in order), then `footer()`. The schema is fixed at construction.
 */
export class ParquetEncoder {
  private offset = 0;
  private rows = 0;
  private readonly rowGroups: TField[][] = [];

  constructor(
    private readonly schema: readonly ColumnSpec[],
    private readonly createdBy = 'cashtag',
    /** The file's key-value metadata (FileMetaData.key_value_metadata), in the order given. */
    private readonly keyValue: readonly (readonly [string, string])[] = [],
  ) {}

  start(): Buffer {
    this.offset = 4;
    return Buffer.from('PAR1');
  }

  /** Rows [from, to) of `columns` (in schema order) as one row group. */
  async rowGroup(columns: readonly Column[], from: number, to: number): Promise<Buffer> {
    if (columns.length !== this.schema.length) throw new Error(`row group has ${columns.length} columns, the schema ${this.schema.length}`);
    const parts: Buffer[] = [];
    const chunks: TField[][] = [];
    let size = 0;
    for (const c of columns) {
      if (!c.optional) for (let i = from; i < to; i++) if (isNull(valueAt(c, i))) throw new Error(`required column ${c.name} is null at row ${i}`);
      const { bytes, meta } = await columnChunk(c, from, to, this.offset);
      parts.push(bytes);
      this.offset += bytes.length;
      size += bytes.length;
      chunks.push(meta);
    }
    this.rowGroups.push([[1, list('struct', chunks)], [2, i64(size)], [3, i64(to - from)]]);
    this.rows += to - from;
    return Buffer.concat(parts);
  }

  footer(): Buffer {
    const schema: TField[][] = [
      [[4, bin('root')], [5, i32(this.schema.length)]],
      ...this.schema.map((c): TField[] => [
        [1, i32(PHYSICAL[c.type])],
        [3, i32(c.optional ? T.Repetition.OPTIONAL : T.Repetition.REQUIRED)],
        [4, bin(c.name)],
        [6, CONVERTED[c.type] === undefined ? undefined : i32(CONVERTED[c.type]!)],
      ]),
    ];
    const keyValue = this.keyValue.length === 0 ? undefined : list('struct', this.keyValue.map(([k, v]): TField[] => [[1, bin(k)], [2, bin(v)]]));
    const meta = encodeStruct([[1, i32(1)], [2, list('struct', schema)], [3, i64(this.rows)], [4, list('struct', this.rowGroups)], [5, keyValue], [6, bin(this.createdBy)]]);
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(meta.length, 0);
    tail.write('PAR1', 4, 'latin1');
    return Buffer.concat([meta, tail]);
  }
}

/** The whole file for `columns` (all of one length), as one buffer; `keyValue` becomes the file's key-value metadata. */
export async function encodeParquet(columns: Column[], rowGroupSize = 131_072, createdBy = 'cashtag batch', keyValue: readonly (readonly [string, string])[] = []): Promise<Buffer> {
  const rows = columns.length > 0 ? rowCount(columns[0]) : 0;
  for (const c of columns) if (rowCount(c) !== rows) throw new Error(`column ${c.name} has ${rowCount(c)} rows, expected ${rows}`);
  const encoder = new ParquetEncoder(columns, createdBy, keyValue);
  const parts: Buffer[] = [encoder.start()];
  for (let from = 0; from < rows; from += rowGroupSize) parts.push(await encoder.rowGroup(columns, from, Math.min(rows, from + rowGroupSize)));
  parts.push(encoder.footer());
  return Buffer.concat(parts);
}
