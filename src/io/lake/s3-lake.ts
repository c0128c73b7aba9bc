// The stack lake: buckets and keys in an S3-compatible store, the same keys as the embedded lake
// (twitter-bronze / tweets_v2/topic=AAPL/part-....snappy.parquet).
//
// Guarantees: a file is built on local disk (scratch) and uploaded by `commit`, in parts above
// the part size; S3 makes an object visible only once its upload completes, so a reader never
// sees a partial file, and a crash mid-upload leaves no object (only local scratch, removed by
// `cleanScratch`). Every call retries transient failures with cashtag's backoff; a final failure
// names the endpoint and S3_ENDPOINT (and S3_ACCESS_KEY when the server refuses the credentials).

import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Lake, LakeObject } from './lake.js';
import { connectS3, isMissingKey, isPreconditionFailed, s3Call, STACK_BUCKETS, type S3Connection, type S3RetryListener, type S3Settings } from './s3-client.js';

export { provisionBuckets, STACK_BUCKETS, connectS3, type S3Settings, type S3Connection, type S3RetryListener } from './s3-client.js';

export interface S3LakeSettings extends S3Settings {
  /** Local directory for files being built; shared by a run's lakes and emptied by `cleanScratch`. Default os.tmpdir()/cashtag-scratch. */
  scratchDir?: string;
  /** Keys per DeleteObjects request (S3 allows at most 1000). */
  deleteBatch?: number;
}

export const defaultScratchDir = (): string => join(tmpdir(), 'cashtag-scratch');

export class S3Lake implements Lake {
  readonly s3: S3Connection;
  private readonly scratchDir: string;
  private readonly deleteBatch: number;

  constructor(settings: S3LakeSettings, onRetry?: S3RetryListener) {
    this.s3 = connectS3(settings, onRetry);
    this.scratchDir = settings.scratchDir ?? defaultScratchDir();
    this.deleteBatch = Math.min(1000, Math.max(1, settings.deleteBatch ?? 1000));
  }

  async scratchPath(bucket: string, key: string): Promise<string> {
    await mkdir(this.scratchDir, { recursive: true });
    const safe = `${bucket}/${key}`.replace(/[^A-Za-z0-9._=-]+/g, '_');
    return join(this.scratchDir, `${randomUUID()}-${safe}`);
  }

  async commit(scratch: string, bucket: string, key: string): Promise<void> {
    // fPutObject reopens the file on each attempt; above partSize it uploads in parts and the
    // object appears at CompleteMultipartUpload.
    try {
      await s3Call(this.s3, `upload ${bucket}/${key}`, () => this.s3.client.fPutObject(bucket, key, scratch));
    } catch (e) {
      // Leave no orphaned parts of a failed multipart upload (best effort: the server may be gone).
      await this.s3.client.removeIncompleteUpload(bucket, key).catch(() => undefined);
      throw e;
    }
    await rm(scratch, { force: true });
  }

  async put(bucket: string, key: string, bytes: Uint8Array): Promise<void> {
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await s3Call(this.s3, `put ${bucket}/${key}`, () => this.s3.client.putObject(bucket, key, body, body.length));
  }

  async create(bucket: string, key: string, bytes: Uint8Array): Promise<boolean> {
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // A conditional PUT: the server refuses it (412) when the key exists. A retried attempt whose
    // first one did succeed is refused too: the caller tells by reading the object back (lease.ts).
    return s3Call(this.s3, `create ${bucket}/${key}`, async () => {
      try {
        await this.s3.client.putObject(bucket, key, body, body.length, { 'If-None-Match': '*' });
        return true;
      } catch (e) {
        if (isPreconditionFailed(e)) return false;
        throw e;
      }
    });
  }

  async copy(bucket: string, from: string, to: string): Promise<void> {
    // CopyObject: the server writes the new object and makes it visible when complete, as a PUT
    // does. One request copies objects up to 5 GiB (a gold report file is far below that).
    await s3Call(this.s3, `copy ${bucket}/${from} to ${to}`, () => this.s3.client.copyObject(bucket, to, `/${bucket}/${from}`));
  }

  async read(bucket: string, key: string): Promise<Buffer | null> {
    return s3Call(this.s3, `read ${bucket}/${key}`, async () => {
      try {
        return await collect(await this.s3.client.getObject(bucket, key));
      } catch (e) {
        if (isMissingKey(e)) return null;
        throw e;
      }
    });
  }

  async list(bucket: string, prefix: string): Promise<LakeObject[]> {
    // ListObjectsV2 with the prefix: the server walks only keys under it.
    const out = await s3Call(this.s3, `list ${bucket}/${prefix}*`, async () => {
      const found: LakeObject[] = [];
      for await (const item of this.s3.client.listObjectsV2(bucket, prefix, true)) {
        if (item.name !== undefined) found.push({ key: item.name, size: item.size });
      }
      return found;
    });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(bucket: string, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += this.deleteBatch) {
      const batch = keys.slice(i, i + this.deleteBatch);
      const what = `delete ${batch.length} object(s) from ${bucket}`;
      await s3Call(this.s3, what, async () => {
        // Quiet mode: the server lists only the keys it failed to delete (absent keys are not failures).
        const failed = (await this.s3.client.removeObjects(bucket, batch)).map(deleteError).filter((x) => x !== null);
        if (failed.length > 0) throw new Error(`${failed.length} not deleted, first ${failed[0]}`);
      });
    }
  }

  async cleanScratch(): Promise<void> {
    await rm(this.scratchDir, { recursive: true, force: true });
  }

  describe(): string {
    return `${this.s3.endpoint} (S3, path-style; buckets ${STACK_BUCKETS.join(', ')})`;
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** minio's parser returns the <Error> elements themselves, while its type says `{ Error }`. */
function deleteError(r: unknown): string | null {
  if (r === null || typeof r !== 'object') return null;
  const e = ('Error' in r ? (r as { Error: unknown }).Error : r) as { Key?: string; Code?: string; Message?: string } | undefined;
  return e && (e.Code || e.Key) ? `${e.Key ?? '?'}: ${e.Code ?? ''} ${e.Message ?? ''}`.trim() : null;
}
