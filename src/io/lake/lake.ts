// The lake: buckets of objects addressed by key (`twitter-bronze/tweets_v2/topic=AAPL/part-...`).
// Writers build a file locally and commit it under its final key in one step, so a reader never
// sees a partial object. The embedded lake is a directory; the stack lake is an S3 store.

export interface LakeObject {
  key: string;
  size: number;
}

export interface Lake {
  /** A scratch path on local disk for building an object (not visible to readers). */
  scratchPath(bucket: string, key: string): Promise<string>;
  /**
   * Publish the scratch file under bucket/key atomically, replacing any previous object; durable
   * once this resolves (callers need not sync the scratch file).
   */
  commit(scratch: string, bucket: string, key: string): Promise<void>;
  /** Write a small object in one step (checkpoints, run state), atomically. */
  put(bucket: string, key: string, bytes: Uint8Array): Promise<void>;
  /**
   * Write a small object only if no object has that key; true when this call created it. Of
   * concurrent creates of one key exactly one wins, across processes and machines (a hard link
   * on the local lake, a PUT with `If-None-Match: *` on S3): what a lease is built on (lease.ts).
   */
  create(bucket: string, key: string, bytes: Uint8Array): Promise<boolean>;
  /**
   * Replace the object at `to` with a copy of the object at `from`, in the same bucket, atomically:
   * a reader of `to` sees the old object or the new one whole (a rename into place on the local
   * lake, a server-side CopyObject on S3). `from` is left as it is; a missing `from` throws.
   */
  copy(bucket: string, from: string, to: string): Promise<void>;
  /** The whole object, or null when it does not exist. */
  read(bucket: string, key: string): Promise<Buffer | null>;
  /** Objects whose key starts with `prefix` (walking only under it), sorted by key. */
  list(bucket: string, prefix: string): Promise<LakeObject[]>;
  delete(bucket: string, keys: string[]): Promise<void>;
  /** Remove scratch files left behind by a crash. */
  cleanScratch(): Promise<void>;
  /** Where a user finds the data (a directory or an endpoint). */
  describe(): string;
}
