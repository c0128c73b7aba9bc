// Batches between threads: msgpackr with record structures (object shapes are written once per
// batch, not per record), encoded into a fresh ArrayBuffer that is transferred, not copied.
// Actor snapshots and checkpoint files use the same encoding: an instance encodes its snapshot
// on its own thread, so the supervisor's thread only moves and writes bytes.
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: true, moreTypes: false, bundleStrings: false });

export interface EncodedBatch {
  bytes: Uint8Array;
  count: number;
}

export function encodeBatch(records: readonly unknown[]): EncodedBatch {
  return { bytes: encodeOwned(records), count: records.length };
}

export function decodeBatch<T>(bytes: Uint8Array): T[] {
  return decodeOwned<T[]>(bytes);
}

/** An actor's snapshot as bytes (taken on the actor's thread); `undefined` stays undefined. */
export function encodeSnapshot(state: unknown): Uint8Array | undefined {
  return state === undefined ? undefined : encodeOwned(state);
}

export function decodeSnapshot(bytes: Uint8Array): unknown {
  return decodeOwned(bytes);
}

/** A whole value (e.g. a checkpoint with its snapshots' bytes inside) as one owned buffer. */
export function encodeOwned(value: unknown): Uint8Array {
  // `pack` returns a view into msgpackr's reusable buffer: copy into an owned, transferable buffer.
  const packed = packr.pack(value);
  const bytes = new Uint8Array(packed.length);
  bytes.set(packed);
  return bytes;
}

export function decodeOwned<T>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}
