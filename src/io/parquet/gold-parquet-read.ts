// Columnar reading of bronze Parquet for the batch layer: the named columns of a whole file as
// typed arrays (numbers, timestamps as epoch ms) or strings, without materialising rows.
//
// Fast path: required flat columns in PLAIN or dictionary-encoded (PLAIN dictionary page,
// RLE_DICTIONARY data) v1 or v2 data pages (what cashtag's bronze sink writes), decoded straight
// from the page bytes. Anything else (optional columns, other encodings) falls back to
// @dsnp/parquetjs's own column-chunk decoder, so any valid file of the bronze schema is read,
// only more slowly.

import type { ParquetReader } from '@dsnp/parquetjs';
import { inflate } from '@dsnp/parquetjs/dist/lib/compression.js';
import { decodeFooter, decodePageHeader, type ColumnMeta, type FooterMeta } from './gold-thrift.js';

/** Parquet's enums (parquet.thrift), the values this reader needs. */
const TYPE = { INT32: 1, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const PAGE = { DATA_PAGE: 0, INDEX_PAGE: 1, DICTIONARY_PAGE: 2, DATA_PAGE_V2: 3 } as const;
const PLAIN = 0;
const PLAIN_DICTIONARY = 2;
const RLE_DICTIONARY = 8;
const WIDTH: Record<number, number> = { [TYPE.INT32]: 4, [TYPE.INT64]: 8, [TYPE.DOUBLE]: 8, [TYPE.BYTE_ARRAY]: 0 };
const REQUIRED = 0;
const CODECS: Record<number, string> = { 0: 'UNCOMPRESSED', 1: 'SNAPPY', 2: 'GZIP', 4: 'BROTLI' };

/** UTF-8 strings as Arrow lays them out: value i is data[offsets[i] .. offsets[i + 1]). */
export interface Utf8Column {
  offsets: Int32Array;
  data: Uint8Array;
  /** When set, row i of the column is value order[i] (a permutation, not a copy). */
  order?: Uint32Array;
}

export type ColumnValues = Float64Array | Utf8Column;

export const isUtf8 = (c: ColumnValues): c is Utf8Column => !(c instanceof Float64Array);

/** Concatenate columns of one kind (e.g. the same column of several files). */
export function concatColumns(parts: ColumnValues[]): ColumnValues {
  if (parts.length === 1) return parts[0];
  if (parts.length === 0 || !isUtf8(parts[0])) {
    const out = new Float64Array(parts.reduce((n, p) => n + (p as Float64Array).length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p as Float64Array, o);
      o += (p as Float64Array).length;
    }
    return out;
  }
  const us = parts as Utf8Column[];
  const rows = us.reduce((n, p) => n + p.offsets.length - 1, 0);
  const offsets = new Int32Array(rows + 1);
  const data = new Uint8Array(us.reduce((n, p) => n + p.offsets[p.offsets.length - 1], 0));
  let r = 0;
  let base = 0;
  for (const p of us) {
    const n = p.offsets.length - 1;
    for (let i = 1; i <= n; i++) offsets[r + i] = base + p.offsets[i];
    data.set(p.data.subarray(0, p.offsets[n]), base);
    r += n;
    base += p.offsets[n];
  }
  return { offsets, data };
}

export interface ColumnBatch {
  rows: number;
  columns: Record<string, ColumnValues>;
  /** For each optional column read: 1 where the row's value is null (NaN or '' in `columns`). */
  nulls: Record<string, Uint8Array>;
}

type Sink = { put(page: Buffer, count: number): void };

function numberSink(type: number, out: Float64Array, at: { i: number }): Sink {
  return {
    put(page, count) {
      const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
      if (type === TYPE.DOUBLE) for (let k = 0; k < count; k++) out[at.i++] = dv.getFloat64(k * 8, true);
      else if (type === TYPE.INT64) for (let k = 0; k < count; k++) out[at.i++] = dv.getUint32(k * 8, true) + dv.getInt32(k * 8 + 4, true) * 4_294_967_296;
      else if (type === TYPE.INT32) for (let k = 0; k < count; k++) out[at.i++] = dv.getInt32(k * 4, true);
      else throw new Error(`unsupported physical type ${type}`);
    },
  };
}

/** Collects PLAIN byte arrays (4-byte length + bytes each) without decoding them to strings. */
class Utf8Sink implements Sink {
  private readonly offsets: Int32Array;
  private readonly chunks: Uint8Array[] = [];
  private bytes = 0;

  constructor(rows: number, private readonly at: { i: number }) {
    this.offsets = new Int32Array(rows + 1);
  }

  put(page: Buffer, count: number): void {
    const data = Buffer.allocUnsafe(Math.max(0, page.length - 4 * count));
    let o = 0;
    let d = 0;
    for (let k = 0; k < count; k++) {
      const n = page[o] | (page[o + 1] << 8) | (page[o + 2] << 16) | (page[o + 3] << 24);
      // Ids are short: a byte loop beats a native copy call per value.
      for (let j = o + 4, end = o + 4 + n; j < end; j++) data[d++] = page[j];
      o += 4 + n;
      this.offsets[++this.at.i] = this.bytes + d;
    }
    this.chunks.push(data.subarray(0, d));
    this.bytes += d;
  }

  putString(s: string): void {
    const b = Buffer.from(s, 'utf8');
    const page = Buffer.alloc(4 + b.length);
    page.writeUInt32LE(b.length, 0);
    b.copy(page, 4);
    this.put(page, 1);
  }

  finish(): Utf8Column {
    const data = new Uint8Array(this.bytes);
    let o = 0;
    for (const c of this.chunks) {
      data.set(c, o);
      o += c.length;
    }
    return { offsets: this.offsets, data };
  }
}

/** A PLAIN dictionary page's values as [start, end) slices of its bytes. */
function dictionarySlices(page: Buffer, count: number, width: number): Uint32Array {
  const bounds = new Uint32Array(count + 1);
  let o = 0;
  for (let k = 0; k < count; k++) {
    bounds[k] = o;
    o = width > 0 ? o + width : o + 4 + page.readUInt32LE(o);
  }
  bounds[count] = o;
  return bounds;
}

/** `count` values of the RLE/bit-packed hybrid encoding at `from` (runs of either kind). */
function hybridIndices(buf: Buffer, from: number, bitWidth: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  const byteWidth = (bitWidth + 7) >> 3;
  let o = from;
  let n = 0;
  while (n < count) {
    let header = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = buf[o++];
      if (b === undefined) throw new Error('truncated dictionary indices');
      header += (b & 0x7f) * shift;
      if (b < 0x80) break;
    }
    if (header % 2 === 0) {
      let v = 0;
      for (let k = 0; k < byteWidth; k++) v += buf[o++] * 2 ** (8 * k);
      for (let k = header / 2; k > 0 && n < count; k--) out[n++] = v;
    } else {
      const values = ((header - 1) / 2) * 8;
      let acc = 0;
      let bits = 0;
      for (let k = 0; k < values; k++) {
        while (bits < bitWidth) {
          acc += buf[o++] * 2 ** bits;
          bits += 8;
        }
        if (n < count) out[n++] = acc % 2 ** bitWidth;
        acc = Math.floor(acc / 2 ** bitWidth);
        bits -= bitWidth;
      }
    }
  }
  return out;
}

/** Rows of a dictionary-encoded page as the PLAIN bytes they stand for. */
function fromDictionary(dict: Buffer, bounds: Uint32Array, indices: Uint32Array): Buffer {
  let bytes = 0;
  for (const i of indices) {
    if (i + 1 >= bounds.length) throw new Error(`dictionary index ${i} past its ${bounds.length - 1} values`);
    bytes += bounds[i + 1] - bounds[i];
  }
  const out = Buffer.allocUnsafe(bytes);
  let o = 0;
  for (const i of indices) for (let j = bounds[i], end = bounds[i + 1]; j < end; j++) out[o++] = dict[j];
  return out;
}

/** Decode a column chunk's pages on the fast path; false when it needs the general decoder. */
async function fastChunk(file: Buffer, meta: ColumnMeta, type: number, sink: Sink): Promise<boolean> {
  const codec = CODECS[meta.codec];
  if (codec === undefined) return false;
  const hasDictionary = meta.dictionaryPageOffset !== undefined && meta.dictionaryPageOffset > 0;
  let off = hasDictionary ? Math.min(meta.dictionaryPageOffset!, meta.dataPageOffset) : meta.dataPageOffset;
  const end = off + meta.totalCompressedSize;
  const pages: { bytes: Buffer; count: number }[] = [];
  let dict: { bytes: Buffer; bounds: Uint32Array } | null = null;
  while (off < end) {
    const h = decodePageHeader(file, off);
    off += h.headerBytes;
    const body = file.subarray(off, off + h.compressedSize);
    off += h.compressedSize;
    if (h.type === PAGE.DICTIONARY_PAGE) {
      if (h.encoding !== PLAIN && h.encoding !== PLAIN_DICTIONARY) return false;
      const bytes = codec === 'UNCOMPRESSED' ? body : await inflate(codec, body);
      dict = { bytes, bounds: dictionarySlices(bytes, h.numValues, WIDTH[type]) };
    } else if (h.type === PAGE.DATA_PAGE || h.type === PAGE.DATA_PAGE_V2) {
      // A required flat column has no definition or repetition levels.
      if (h.numNulls !== 0) return false;
      const values = body.subarray(h.defLevelsBytes + h.repLevelsBytes);
      const compressed = h.isCompressed && codec !== 'UNCOMPRESSED';
      const bytes = compressed ? await inflate(codec, values) : values;
      if (h.encoding === PLAIN) pages.push({ bytes, count: h.numValues });
      else if ((h.encoding === RLE_DICTIONARY || h.encoding === PLAIN_DICTIONARY) && dict) pages.push({ bytes: fromDictionary(dict.bytes, dict.bounds, hybridIndices(bytes, 1, bytes[0], h.numValues)), count: h.numValues });
      else return false;
    } else if (h.type !== PAGE.INDEX_PAGE) {
      return false;
    }
  }
  for (const p of pages) sink.put(p.bytes, p.count);
  return true;
}

/** The file's footer, decoded without parquetjs's reader (whose import alone costs ~0.1 s a thread). */
function footer(file: Buffer): FooterMeta {
  if (file.length < 12 || file.toString('latin1', file.length - 4) !== 'PAR1') throw new Error('not a Parquet file');
  const len = file.readUInt32LE(file.length - 8);
  return decodeFooter(file.subarray(file.length - 8 - len, file.length - 8));
}

/** The key-value metadata of a whole Parquet file (footer only; throws when it is not Parquet). */
export function readKeyValue(file: Buffer): Map<string, string> {
  return footer(file).keyValue;
}

/** The named columns of a whole Parquet file. Throws when a column is missing. */
export async function readColumns(file: Buffer, names: readonly string[]): Promise<ColumnBatch> {
  const md = footer(file);
  const rows = md.rows;
  const nested = md.schema.some((e, i) => i > 0 && e.children > 0);
  const columns: Record<string, ColumnValues> = {};
  const nulls: Record<string, Uint8Array> = {};
  let general: ParquetReader | null = null;
  try {
    for (const name of names) {
      const element = md.schema.find((e, i) => i > 0 && e.name === name);
      if (!element || element.type === undefined) throw new Error(`column ${name} is missing from the file`);
      const flat = !nested && element.repetition === REQUIRED;
      const at = { i: 0 };
      const numbers = element.type === TYPE.BYTE_ARRAY ? null : new Float64Array(rows);
      const sink = numbers ? numberSink(element.type, numbers, at) : new Utf8Sink(rows, at);
      const nullAt = element.repetition === REQUIRED ? undefined : (nulls[name] = new Uint8Array(rows));
      for (const [g, rg] of md.rowGroups.entries()) {
        const chunk = rg.columns.find((c) => c.path.length === 1 && c.path[0] === name);
        if (!chunk) throw new Error(`column ${name} is missing from a row group`);
        if (flat && WIDTH[element.type] !== undefined && (await fastChunk(file, chunk, element.type, sink))) continue;
        general ??= await (await import('@dsnp/parquetjs')).ParquetReader.openBuffer(file);
        await generalChunk(general, general.metadata!.row_groups[g], name, sink, numbers, at, nullAt);
      }
      if (at.i !== rows) throw new Error(`column ${name}: decoded ${at.i} values for ${rows} rows`);
      columns[name] = numbers ?? (sink as Utf8Sink).finish();
    }
  } finally {
    await general?.close();
  }
  return { rows, columns, nulls };
}

/** parquetjs's decoder for one column of one row group; nulls become NaN or '' (and are marked in `nullAt`). */
async function generalChunk(reader: ParquetReader, rg: unknown, name: string, sink: Sink, numbers: Float64Array | null, at: { i: number }, nullAt?: Uint8Array): Promise<void> {
  const envelope = reader.envelopeReader!;
  const data = (await envelope.readRowGroup(reader.schema, rg as never, [[name]])) as unknown as { columnData: Record<string, { dlevels: number[]; values: unknown[] }> };
  const col = data.columnData[name];
  const field = reader.schema.fields[name];
  let v = 0;
  for (const d of col.dlevels) {
    const present = d === field.dLevelMax;
    const x = present ? col.values[v++] : null;
    if (nullAt && !present) nullAt[at.i] = 1;
    if (numbers) numbers[at.i++] = x === null ? NaN : Number(x);
    else (sink as Utf8Sink).putString(x === null ? '' : Buffer.isBuffer(x) ? x.toString('utf8') : String(x));
  }
}
