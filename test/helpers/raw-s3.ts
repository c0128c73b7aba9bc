// A plain minio client on the stack's S3 server: the other client path, not the lake's code, for
// integration tests that check what the lake wrote and clean up after themselves.
import type { Readable } from 'node:stream';
import { Client } from 'minio';
import { parseS3Endpoint } from '../../src/io/lake/s3-client.js';
import type { StackEnv } from './stack.js';

export function rawS3(env: Pick<StackEnv, 'S3_ENDPOINT' | 'S3_ACCESS_KEY' | 'S3_SECRET_KEY'>) {
  const client = new Client({ ...parseS3Endpoint(env.S3_ENDPOINT), accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY, region: 'us-east-1', pathStyle: true });
  /** Keys under a prefix, sorted. */
  const keys = async (bucket: string, prefix = ''): Promise<string[]> => {
    const out: string[] = [];
    for await (const o of client.listObjectsV2(bucket, prefix, true)) if (o.name) out.push(o.name);
    return out.sort();
  };
  const bytes = async (bucket: string, key: string): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const c of (await client.getObject(bucket, key)) as Readable) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  /** Empty and delete the buckets that exist. */
  const removeBuckets = async (buckets: readonly string[]): Promise<void> => {
    for (const b of buckets) {
      if (!(await client.bucketExists(b))) continue;
      const ks = await keys(b);
      if (ks.length) await client.removeObjects(b, ks);
      await client.removeBucket(b);
    }
  };
  return { client, keys, bytes, removeBuckets };
}
