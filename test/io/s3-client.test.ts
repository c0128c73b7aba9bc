// The pure parts of the S3 connection: S3_ENDPOINT parsing, client options, error
// classification and the messages an operator reads. No server: the S3 calls are stand-ins.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { S3Error } from 'minio';
import { connectS3, isAuthError, isRetriableS3Error, parseS3Endpoint, s3Call, s3ClientOptions } from '../../src/io/lake/s3-client.js';
import { ActorError } from '../../src/runtime/errors.js';

const s3Error = (code: string, message = code) => Object.assign(new S3Error(message), { code });
const netError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9000`), { code });

test('S3_ENDPOINT: host, port and TLS from the URL', () => {
  assert.deepEqual(parseS3Endpoint('http://127.0.0.1:9000'), { endPoint: '127.0.0.1', port: 9000, useSSL: false });
  assert.deepEqual(parseS3Endpoint('http://127.0.0.1:9000/'), { endPoint: '127.0.0.1', port: 9000, useSSL: false });
  assert.deepEqual(parseS3Endpoint('https://s3.example.com'), { endPoint: 's3.example.com', port: 443, useSSL: true });
  assert.deepEqual(parseS3Endpoint('http://minio'), { endPoint: 'minio', port: 80, useSSL: false });
  assert.deepEqual(parseS3Endpoint('https://[::1]:9443'), { endPoint: '::1', port: 9443, useSSL: true });
});

test('S3_ENDPOINT: a bad value names the setting and the expected form', () => {
  for (const [value, why] of [
    ['127.0.0.1:9000', /S3_ENDPOINT.*expected a URL like http:\/\/127\.0\.0\.1:9000/],
    ['not a url', /not a URL/],
    ['ftp://host:21', /scheme ftp: is not http or https/],
    ['http://key:secret@host:9000', /S3_ACCESS_KEY and S3_SECRET_KEY/],
    ['http://host:9000/twitter-bronze', /no path/],
    ['http://host:9000?x=1', /no path, query/],
  ] as const) {
    assert.throws(() => parseS3Endpoint(value), (e: Error) => e.message.startsWith(`S3_ENDPOINT = ${JSON.stringify(value)}`) && why.test(e.message), value);
  }
});

test('client options: path-style, default region, our part size, minio retries off', () => {
  const o = s3ClientOptions({ endpoint: 'http://127.0.0.1:9000', accessKey: 'a', secretKey: 'b' });
  assert.equal(o.pathStyle, true);
  assert.equal(o.region, 'us-east-1');
  assert.equal(o.partSize, 16 * 1024 * 1024);
  assert.deepEqual(o.retryOptions, { disableRetry: true });
  assert.equal(typeof o.transport?.request, 'function');
  assert.equal(s3ClientOptions({ endpoint: 'http://h:1', accessKey: 'a', secretKey: 'b', region: 'eu-west-1', partSize: 5 * 1024 * 1024 }).region, 'eu-west-1');
  assert.throws(() => s3ClientOptions({ endpoint: 'http://h:1', accessKey: 'a', secretKey: 'b', partSize: 1024 }), /part size 1024: .*5 MiB/);
});

test('classification: network and server-busy errors retry; credentials, missing objects and bugs do not', () => {
  for (const e of [netError('ECONNREFUSED'), netError('ECONNRESET'), netError('ETIMEDOUT'), s3Error('InternalError'), s3Error('SlowDown'), s3Error(''), new Error('socket hang up')]) assert.equal(isRetriableS3Error(e), true, e.message);
  for (const e of [s3Error('AccessDenied'), s3Error('InvalidAccessKeyId'), s3Error('SignatureDoesNotMatch'), s3Error('NoSuchKey'), s3Error('NoSuchBucket'), new TypeError('x'), 'a string']) assert.equal(isRetriableS3Error(e), false, String(e));
  assert.equal(isAuthError(s3Error('SignatureDoesNotMatch')), true);
  assert.equal(isAuthError(netError('ECONNREFUSED')), false);
});

const conn = (attempts: number) => connectS3({ endpoint: 'http://127.0.0.1:9000', accessKey: 'a', secretKey: 'b', attempts, backoff: { minMs: 1, maxMs: 2, jitter: 0 } });

test('s3Call: retries transient failures, then names the call, the endpoint and S3_ENDPOINT', async () => {
  let calls = 0;
  assert.equal(await s3Call(conn(3), 'read b/k', async () => (++calls < 3 ? Promise.reject(netError('ECONNRESET')) : 'ok')), 'ok');
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(
    s3Call(conn(2), 'read b/k', async () => {
      calls++;
      throw netError('ECONNREFUSED');
    }),
    (e: unknown) => e instanceof ActorError && e.domain === 'external' && e.retriable && /^S3 read b\/k at http:\/\/127\.0\.0\.1:9000 \(S3_ENDPOINT\): failed after 2 attempt\(s\): connect ECONNREFUSED/.test(e.message),
  );
  assert.equal(calls, 2);
});

test('s3Call: refused credentials fail at once and name S3_ACCESS_KEY; a missing bucket names provisioning', async () => {
  let calls = 0;
  await assert.rejects(
    s3Call(conn(5), 'list b/p*', async () => {
      calls++;
      throw s3Error('InvalidAccessKeyId', 'Forbidden');
    }),
    (e: unknown) => e instanceof ActorError && !e.retriable && /S3_ENDPOINT.*Forbidden; check S3_ACCESS_KEY and S3_SECRET_KEY$/.test(e.message),
  );
  assert.equal(calls, 1);
  await assert.rejects(s3Call(conn(5), 'read nope/k', () => Promise.reject(s3Error('NoSuchBucket'))), /provisionBuckets/);
});

test('an outage within the retry budget is ridden out and reported: retrying while it lasts, recovered once', async () => {
  const events: string[] = [];
  const s3 = connectS3({ endpoint: 'http://127.0.0.1:9000', accessKey: 'a', secretKey: 'b', attempts: 2, retryBudgetMs: 5_000, backoff: { minMs: 1, maxMs: 2, jitter: 0 } }, {
    retrying: (what, e, delayMs) => events.push(`retrying ${what} (${(e as Error).message}) in ${delayMs} ms`),
    recovered: (what) => events.push(`recovered ${what}`),
  });
  let calls = 0;
  const got = await s3Call(s3, 'list twitter-bronze/tweets_v2/*', async () => {
    if (++calls <= 5) throw netError('ECONNREFUSED');
    return 'listed';
  });
  assert.equal(got, 'listed', 'more attempts than `attempts`: the budget had not passed');
  assert.equal(events.length, 6);
  assert.match(events[0], /^retrying S3 list twitter-bronze\/tweets_v2\/\* at http:\/\/127\.0\.0\.1:9000 \(S3_ENDPOINT\) \(connect ECONNREFUSED/);
  assert.equal(events[5], 'recovered S3 list twitter-bronze/tweets_v2/* at http://127.0.0.1:9000 (S3_ENDPOINT)');
  events.length = 0;
  await s3Call(s3, 'read x', async () => 'ok');
  assert.deepEqual(events, [], 'a call that needed no retry reports nothing');
});
