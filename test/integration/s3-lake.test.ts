// The S3 lake against the real S3 server of the local stack (S3Proxy; never a fake): bucket
// provisioning, bronze Parquet written by RollingFiles and read back by another client path,
// multipart uploads, server-side copies, create-if-absent (and a lease on it), recovery deletes, missing keys, credential and endpoint errors, and the
// checkpoint store over the lake. Each run works in its own buckets and removes them after.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ParquetReader } from '@dsnp/parquetjs';
import type { TweetRow } from '../../src/domain/records.js';
import { LakeCheckpointStore } from '../../src/io/checkpoints/lake-checkpoints.js';
import { LakeLease } from '../../src/io/lake/lease.js';
import { openLake } from '../../src/io/lake/open.js';
import { tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { RollingFiles } from '../../src/io/parquet/rolling-files.js';
import { connectS3, provisionBuckets, S3Lake, type S3LakeSettings } from '../../src/io/lake/s3-lake.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/runtime/codec.js';
import { systemClock } from '../../src/runtime/clock.js';
import { ActorError } from '../../src/runtime/errors.js';
import { rawS3 } from '../helpers/raw-s3.js';
import { stackEnv } from '../helpers/stack.js';

const env = stackEnv('S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY');
const run = `ct-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const bucket = (name: string) => `${run}-${name}`;
const BUCKETS = [bucket('twitter-bronze'), bucket('twitter-silver'), bucket('twitter-gold'), bucket('checkpoints')];
const [BRONZE, , , CHECKPOINTS] = BUCKETS;
const MiB = 1024 * 1024;
const scratchDir = mkdtempSync(join(tmpdir(), 'cashtag-s3-scratch-'));
const settings = { endpoint: env.S3_ENDPOINT, accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY, region: 'us-east-1', scratchDir, partSize: 5 * MiB, attempts: 3, backoff: { minMs: 50, maxMs: 500, jitter: 0.2 } } satisfies S3LakeSettings;
const lake = new S3Lake(settings);
// The other client path: a plain minio client, not the lake's code.
const { client: raw, keys: rawKeys, bytes: rawBytes, removeBuckets } = rawS3(env);


const tweet = (topic: string, partition: number, offset: number): TweetRow => ({
  kind: 'tweet-row', id: `id-${partition}-${offset}`, topic, partition, offset, createdAt: 1_700_000_000_000 + offset * 1000, ingestTs: 1_700_000_000_500 + offset * 1000, text: `tweet ${offset} about $${topic}`, userId: `u${offset % 7}`, sentimentScore: offset / 100, late: false,
});

before(async () => {
  assert.deepEqual(await provisionBuckets(lake.s3, BUCKETS), BUCKETS, 'a fresh run creates its buckets');
});

after(async () => {
  await removeBuckets(BUCKETS);
  rmSync(scratchDir, { recursive: true, force: true });
});

test('provisioning is idempotent, also when two instances start together', async () => {
  assert.deepEqual(await provisionBuckets(lake.s3, BUCKETS), [], 'the second run creates nothing');
  const twin = [bucket('twin-a'), bucket('twin-b')];
  BUCKETS.push(...twin); // cleaned up with the others
  const [a, b] = await Promise.all([provisionBuckets(lake.s3, twin), provisionBuckets(connectS3(settings), twin)]);
  assert.deepEqual([...a, ...b].sort(), twin.sort(), 'each bucket is created once, a lost race is not an error');
  for (const name of twin) assert.equal(await raw.bucketExists(name), true);
});

test('bronze Parquet from RollingFiles lands under the embedded keys and reads back with another client', async () => {
  const files = new RollingFiles<TweetRow>(lake, { ...tweetsTable, bucket: BRONZE }, 2, { maxRows: 3, maxAgeMs: 60_000 });
  const committed: string[] = [];
  for (let o = 10; o < 17; o++) {
    const topic = o % 2 ? 'AAPL' : 'TSLA';
    const c = await files.append(o, tweet(topic, 2, o), 0);
    if (c) committed.push(c.key);
  }
  committed.push(...(await files.rollAll()).map((c) => c.key));
  // Another source partition's file, later than any resume offset below: recovery must keep it.
  const other = new RollingFiles<TweetRow>(lake, { ...tweetsTable, bucket: BRONZE }, 3, { maxRows: 100, maxAgeMs: 60_000 });
  await other.append(99, tweet('AAPL', 3, 99), 0);
  await other.rollAll();
  await lake.put(BRONZE, 'stock_prices/symbol=AAPL/marker', new Uint8Array([1]));

  assert.deepEqual(committed.sort(), ['tweets_v2/topic=AAPL/part-p002-o000000011-000000015.snappy.parquet', 'tweets_v2/topic=TSLA/part-p002-o000000010-000000014.snappy.parquet', 'tweets_v2/topic=TSLA/part-p002-o000000016-000000016.snappy.parquet']);
  assert.deepEqual(readdirSync(scratchDir), [], 'scratch files are removed once uploaded');

  const aapl = await lake.list(BRONZE, 'tweets_v2/topic=AAPL/');
  assert.deepEqual(aapl.map((o) => o.key), ['tweets_v2/topic=AAPL/part-p002-o000000011-000000015.snappy.parquet', 'tweets_v2/topic=AAPL/part-p003-o000000099-000000099.snappy.parquet']);
  assert.deepEqual((await lake.list(BRONZE, 'tweets_v2/')).length, 4, 'a prefix lists only under it (stock_prices/ is not in it)');
  assert.deepEqual(await lake.list(BRONZE, 'tweets_v2/topic=NONE/'), []);

  const body = await rawBytes(BRONZE, aapl[0].key);
  assert.equal(body.length, aapl[0].size);
  const reader = await ParquetReader.openBuffer(body);
  const rows: Record<string, unknown>[] = [];
  const cursor = reader.getCursor();
  for (let r = await cursor.next(); r; r = await cursor.next()) rows.push(r as Record<string, unknown>);
  await reader.close();
  assert.deepEqual(rows.map((r) => [r.record_id, Number(r.source_offset), r.source_partition, r.text, (r.created_at as Date).getTime()]), [11, 13, 15].map((o) => [`id-2-${o}`, o, 2, `tweet ${o} about $AAPL`, 1_700_000_000_000 + o * 1000]));

  // A replay from offset 15 rewrites partition 2's files that start at or after 15: exactly one.
  assert.equal(await files.recover(15), 1);
  assert.deepEqual(await rawKeys(BRONZE, 'tweets_v2/'), ['tweets_v2/topic=AAPL/part-p002-o000000011-000000015.snappy.parquet', 'tweets_v2/topic=AAPL/part-p003-o000000099-000000099.snappy.parquet', 'tweets_v2/topic=TSLA/part-p002-o000000010-000000014.snappy.parquet']);
  assert.equal(await files.recover(0, 'TSLA'), 1, 'only the named Hive partition');
  assert.deepEqual(await rawKeys(BRONZE, 'tweets_v2/topic=TSLA/'), []);
});

test('a file above the part size is uploaded in parts and round-trips byte for byte', async () => {
  const bytes = randomBytes(6 * MiB);
  const scratch = await lake.scratchPath(BRONZE, 'big');
  writeFileSync(scratch, bytes);
  await lake.commit(scratch, BRONZE, 'big/part-0.bin');
  assert.deepEqual(readdirSync(scratchDir), []);
  // S3's multipart ETag: md5 of the parts' md5s, then -<number of parts> (5 MiB + 1 MiB here).
  const md5 = (b: Buffer) => createHash('md5').update(b).digest();
  const multipartTag = `${createHash('md5').update(Buffer.concat([md5(bytes.subarray(0, 5 * MiB)), md5(bytes.subarray(5 * MiB))])).digest('hex')}-2`;
  assert.equal((await raw.statObject(BRONZE, 'big/part-0.bin')).etag, multipartTag);
  assert.ok((await rawBytes(BRONZE, 'big/part-0.bin')).equals(bytes), 'read with another client');
  assert.ok((await lake.read(BRONZE, 'big/part-0.bin'))?.equals(bytes), 'read with the lake');
  const small = await lake.scratchPath(BRONZE, 'small');
  writeFileSync(small, 'x');
  await lake.commit(small, BRONZE, 'big/part-1.bin');
  assert.doesNotMatch((await raw.statObject(BRONZE, 'big/part-1.bin')).etag, /-\d+$/, 'a small file is one PUT');
  await assert.rejects(lake.commit(join(scratchDir, 'never-built'), BRONZE, 'big/part-2.bin'), /ENOENT/);
  assert.deepEqual(await rawKeys(BRONZE, 'big/part-2'), [], 'a failed commit publishes nothing');
});

test('read of a missing key is null; put replaces; delete goes in batches and ignores absent keys', async () => {
  assert.equal(await lake.read(BRONZE, 'no/such/key'), null);
  await lake.put(BRONZE, 'small/a.json', Buffer.from('{"v":1}'));
  await lake.put(BRONZE, 'small/a.json', new TextEncoder().encode('{"v":2}'));
  assert.equal((await lake.read(BRONZE, 'small/a.json'))?.toString(), '{"v":2}');
  const batched = new S3Lake({ ...settings, deleteBatch: 2 });
  const keys = ['small/b', 'small/c', 'small/d', 'small/e', 'small/f'];
  for (const k of keys) await batched.put(BRONZE, k, new Uint8Array([0]));
  await batched.delete(BRONZE, [...keys, 'small/never-written']);
  assert.deepEqual(await rawKeys(BRONZE, 'small/'), ['small/a.json']);
  await batched.delete(BRONZE, []);
});

test('copy replaces an object server-side with another, whole; a missing source is an error and changes nothing', async () => {
  const big = randomBytes(6 * MiB);
  const scratch = await lake.scratchPath(BRONZE, 'copy-src');
  writeFileSync(scratch, big);
  await lake.commit(scratch, BRONZE, 'copy/src.bin');
  await lake.put(BRONZE, 'copy/dst.bin', Buffer.from('old'));
  await lake.copy(BRONZE, 'copy/src.bin', 'copy/dst.bin');
  assert.ok((await rawBytes(BRONZE, 'copy/dst.bin')).equals(big), 'the copy, read with another client');
  assert.ok((await rawBytes(BRONZE, 'copy/src.bin')).equals(big), 'the source is left as it was');
  await assert.rejects(lake.copy(BRONZE, 'copy/never-written', 'copy/dst.bin'));
  assert.ok((await rawBytes(BRONZE, 'copy/dst.bin')).equals(big), 'a failed copy leaves the target');
  await lake.delete(BRONZE, ['copy/src.bin', 'copy/dst.bin']);
});

test('create makes a key only once: a second create is refused, of concurrent ones exactly one wins; a lease holds', async () => {
  assert.equal(await lake.create(CHECKPOINTS, 'create/one', Buffer.from('first')), true);
  assert.equal(await lake.create(CHECKPOINTS, 'create/one', Buffer.from('second')), false);
  assert.equal((await rawBytes(CHECKPOINTS, 'create/one')).toString(), 'first', 'the refused create changed nothing');
  const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => lake.create(CHECKPOINTS, 'create/race', Buffer.from(`w${i}`))));
  assert.equal(wins.filter(Boolean).length, 1, JSON.stringify(wins));
  assert.equal((await rawBytes(CHECKPOINTS, 'create/race')).toString(), `w${wins.indexOf(true)}`);
  // The compaction lease over S3: of contenders exactly one holds it; released, another takes it.
  const contenders = Array.from({ length: 4 }, (_, i) => new LakeLease(lake, CHECKPOINTS, 'test', { owner: `c${i}`, ttlMs: 60_000, clock: systemClock }));
  const got = await Promise.all(contenders.map((c) => c.acquire()));
  assert.equal(got.filter((g) => g.held).length, 1, JSON.stringify(got));
  const holder = got.findIndex((g) => g.held);
  const other = contenders[(holder + 1) % contenders.length];
  const refused = await other.acquire();
  assert.ok(!refused.held && refused.holder.owner === `c${holder}`);
  await contenders[holder].release();
  assert.deepEqual(await other.acquire(), { held: true });
  await other.release();
});

test('a missing bucket is an error naming provisioning, not an empty lake', async () => {
  await assert.rejects(lake.list(bucket('never-made'), 'x/'), /NoSuchBucket|does not exist/);
  await assert.rejects(lake.read(bucket('never-made'), 'x'), /provisionBuckets/);
});

test('wrong credentials: an error naming S3_ACCESS_KEY, without retrying', async () => {
  const wrong = new S3Lake({ ...settings, accessKey: 'not-the-key', attempts: 5 });
  const t0 = Date.now();
  await assert.rejects(wrong.read(BRONZE, 'x'), (e: unknown) => e instanceof ActorError && !e.retriable && /S3_ACCESS_KEY/.test(e.message) && e.message.includes(env.S3_ENDPOINT));
  await assert.rejects(provisionBuckets(new S3Lake({ ...settings, secretKey: 'wrong-secret' }).s3, [bucket('denied')]), /S3_ACCESS_KEY and S3_SECRET_KEY/);
  assert.ok(Date.now() - t0 < 2_000, 'refused credentials are not retried');
});

test('an unreachable endpoint fails quickly with an error naming S3_ENDPOINT', async () => {
  const gone = openLake({ kind: 's3', endpoint: 'http://127.0.0.1:1', accessKey: 'a', secretKey: 'b', region: 'us-east-1', scratchDir, attempts: 2, backoff: { minMs: 20, maxMs: 50, jitter: 0 } });
  const t0 = Date.now();
  await assert.rejects(gone.list(BRONZE, 'tweets_v2/'), (e: unknown) => e instanceof Error && /^S3 list .* at http:\/\/127\.0\.0\.1:1 \(S3_ENDPOINT\): failed after 2 attempt\(s\): .*ECONNREFUSED/.test(e.message));
  assert.ok(Date.now() - t0 < 2_000);
  assert.match(gone.describe(), /^http:\/\/127\.0\.0\.1:1 /);
});

test('an endpoint that accepts connections but never answers times out and names S3_ENDPOINT', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s)).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  try {
    const hung = new S3Lake({ ...settings, endpoint, requestTimeoutMs: 200, attempts: 2, backoff: { minMs: 10, maxMs: 20, jitter: 0 } });
    const t0 = Date.now();
    await assert.rejects(hung.read(BRONZE, 'x'), (e: unknown) => e instanceof ActorError && e.retriable && e.message.includes(`at ${endpoint} (S3_ENDPOINT): failed after 2 attempt(s): no response within 200 ms`));
    assert.ok(Date.now() - t0 < 2_000);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('checkpoints in the object store: round-trip, latest by number, the last 3 kept', async () => {
  const store = new LakeCheckpointStore(openLake({ kind: 's3', ...settings }), 3, CHECKPOINTS);
  assert.equal(await store.latest('speed'), null);
  for (const id of [1, 2, 8, 9, 10]) await store.save({ id, pipeline: 'speed', takenAt: 1000 + id, snapshots: { 'source/0': encodeSnapshot({ offset: id * 100 })! }, meta: { epoch: 42 } });
  await store.save({ id: 1, pipeline: 'other', takenAt: 1, snapshots: {} });
  const latest = await store.latest('speed');
  assert.deepEqual({ ...latest, snapshots: {} }, { id: 10, pipeline: 'speed', takenAt: 1010, snapshots: {}, meta: { epoch: 42 } });
  assert.deepEqual(decodeSnapshot(latest!.snapshots['source/0']), { offset: 1000 });
  assert.deepEqual(await rawKeys(CHECKPOINTS, 'checkpoints/speed/'), ['checkpoints/speed/chk-10.msgpack', 'checkpoints/speed/chk-8.msgpack', 'checkpoints/speed/chk-9.msgpack']);
  assert.equal((await store.latest('other'))?.id, 1, 'pipelines are kept apart');
});
