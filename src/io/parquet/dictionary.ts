// Dictionary encoding of one column chunk (parquet-write.ts): a PLAIN dictionary page, then
// RLE_DICTIONARY indices, chosen only where it at least halves the chunk's PLAIN bytes, as Arrow
// and Spark decide it. First-seen order, so the same values always give the same bytes.

import type { ColumnType } from './parquet-write.js';

const WIDTH = { double: 8, int32: 4, int64: 8, timestamp_millis: 8, utf8: 0, binary: 0 } as const;

/** A dictionary holds at most this many bytes of PLAIN values (Arrow's default page limit). */
export const DICTIONARY_MAX_BYTES = 1024 * 1024;

/**
 * A map key equal for equal PLAIN values, and only for them: numbers for numeric types (an INT64
 * read back as lo + hi * 2^32 is exactly the double it was written from), -0 apart from 0.
 */
function keyAt(values: Buffer, start: number, end: number, type: ColumnType): string | number {
  switch (type) {
    case 'int32':
      return values.readInt32LE(start);
    case 'int64':
    case 'timestamp_millis':
      return values.readUInt32LE(start) + values.readInt32LE(start + 4) * 4_294_967_296;
    case 'double': {
      const v = values.readDoubleLE(start);
      return Object.is(v, -0) ? '-0' : v;
    }
    case 'utf8':
    case 'binary':
      return values.toString('latin1', start, end);
  }
}

/** Values looked at before a chunk whose values are nearly all distinct is given up as PLAIN. */
const PROBE = 1024;

/** Distinct values of a chunk (PLAIN, first-seen order) and each present value's index. */
export interface Dictionary {
  plain: Buffer;
  size: number;
  indices: Uint32Array;
  bitWidth: number;
}

/**
 * The dictionary of PLAIN-encoded `values` (`count` of them, of `type`), or null when it would
 * not at least halve their size. First-seen order, so the same values give the same bytes.
 */
export function dictionaryOf(values: Buffer, count: number, type: ColumnType): Dictionary | null {
  const width = WIDTH[type];
  if (count < 2) return null;
  const budget = Math.min(DICTIONARY_MAX_BYTES, values.length / 2);
  const ids = new Map<string | number, number>();
  const indices = new Uint32Array(count);
  const starts: number[] = [];
  const ends: number[] = [];
  let dictBytes = 0;
  for (let i = 0, o = 0; i < count; i++) {
    const start = o;
    o = width > 0 ? o + width : o + 4 + values.readUInt32LE(o);
    const key = keyAt(values, start, o, type);
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
      starts.push(start);
      ends.push(o);
      dictBytes += o - start;
      if (dictBytes > budget) return null;
    }
    // Nearly every value new so far (ids, offsets, user ids): give up without hashing the rest.
    if (i === PROBE - 1 && ids.size > PROBE * 0.9) return null;
    indices[i] = id;
  }
  const bitWidth = Math.max(1, 32 - Math.clz32(ids.size - 1));
  if (dictBytes + 1 + Math.ceil(count / 8) * bitWidth > values.length / 2) return null;
  const plain = Buffer.allocUnsafe(dictBytes);
  for (let k = 0, o = 0; k < starts.length; k++) o += values.copy(plain, o, starts[k], ends[k]);
  return { plain, size: ids.size, indices, bitWidth };
}

/** RLE_DICTIONARY data: the bit width, then all indices as one bit-packed run (LSB first). */
export function dictionaryIndices(d: Dictionary): Buffer {
  const n = d.indices.length;
  const groups = Math.ceil(n / 8);
  const header: number[] = [];
  for (let h = groups * 2 + 1; ; h = Math.floor(h / 128)) {
    if (h < 0x80) {
      header.push(h);
      break;
    }
    header.push((h % 128) | 0x80);
  }
  const out = Buffer.alloc(1 + header.length + groups * d.bitWidth);
  out[0] = d.bitWidth;
  header.forEach((b, i) => (out[1 + i] = b));
  let o = 1 + header.length;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    acc |= d.indices[i] << bits; // bits < 8 and width <= 20 (the byte budget): fits 32 bits
    bits += d.bitWidth;
    while (bits >= 8) {
      out[o++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out[o] = acc & 0xff; // the rest of the last group is zero padding
  return out;
}
