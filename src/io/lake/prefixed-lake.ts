// A lake whose bucket names carry a prefix (LAKE_BUCKET_PREFIX), so several pipelines or test
// runs can share one object store without touching each other's files. Keys are unchanged.
import type { Lake, LakeObject } from './lake.js';

export class PrefixedLake implements Lake {
  constructor(
    private readonly inner: Lake,
    private readonly prefix: string,
  ) {}

  private b(bucket: string): string {
    return this.prefix + bucket;
  }

  scratchPath(bucket: string, key: string): Promise<string> {
    return this.inner.scratchPath(this.b(bucket), key);
  }
  commit(scratch: string, bucket: string, key: string): Promise<void> {
    return this.inner.commit(scratch, this.b(bucket), key);
  }
  put(bucket: string, key: string, bytes: Uint8Array): Promise<void> {
    return this.inner.put(this.b(bucket), key, bytes);
  }
  create(bucket: string, key: string, bytes: Uint8Array): Promise<boolean> {
    return this.inner.create(this.b(bucket), key, bytes);
  }
  copy(bucket: string, from: string, to: string): Promise<void> {
    return this.inner.copy(this.b(bucket), from, to);
  }
  read(bucket: string, key: string): Promise<Buffer | null> {
    return this.inner.read(this.b(bucket), key);
  }
  list(bucket: string, prefix: string): Promise<LakeObject[]> {
    return this.inner.list(this.b(bucket), prefix);
  }
  delete(bucket: string, keys: string[]): Promise<void> {
    return this.inner.delete(this.b(bucket), keys);
  }
  cleanScratch(): Promise<void> {
    return this.inner.cleanScratch();
  }
  describe(): string {
    return `${this.inner.describe()} (buckets prefixed "${this.prefix}")`;
  }
}
