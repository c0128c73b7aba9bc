// Batches between threads: msgpackr with record structures (object shapes are written once per
// batch, not per record), encoded into a fresh ArrayBuffer that is transferred, not copied.
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: true, moreTypes: false, bundleStrings: false });

export interface EncodedBatch {
  bytes: Uint8Array;
  count: number;
}

export function encodeBatch(records: readonly unknown[]): EncodedBatch {
  const packed = packr.pack(records);
  // `pack` returns a view into msgpackr's reusable buffer: copy into an owned, transferable buffer.
  const bytes = new Uint8Array(packed.length);
  bytes.set(packed);
  return { bytes, count: records.length };
}

export function decodeBatch<T>(bytes: Uint8Array): T[] {
  return packr.unpack(bytes) as T[];
}
