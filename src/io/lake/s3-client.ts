// The S3 connection of the stack profile: settings, the minio client built from them, the one
// retry wrapper every S3 call goes through, and bucket provisioning. Works against any
// S3-compatible server with path-style addressing (S3Proxy locally, MinIO or AWS elsewhere).
//
// minio's own retries are disabled: cashtag's jittered backoff (runtime/backoff.ts) is the only
// one, and a call that finally fails names the endpoint and the setting that points at it.

import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { Client, ClientOptions } from 'minio';
import { retry, type BackoffOptions } from '../../runtime/backoff.js';
import { ActorError, errorMessage } from '../../runtime/errors.js';

/** The buckets of the stack profile, created at start-up. */
export const STACK_BUCKETS = ['twitter-bronze', 'twitter-silver', 'twitter-gold', 'checkpoints'] as const;

/** Plain data (it crosses threads inside actor options). */
export interface S3Settings {
  /** `http://host:port` or `https://host[:port]` (S3_ENDPOINT). */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** Signing region; S3Proxy and MinIO accept `us-east-1`. */
  region?: string;
  /** Parts of a multipart upload; files above this size are uploaded in parts. Default 16 MiB, at least 5 MiB. */
  partSize?: number;
  /** Attempts per call (1 = no retry). Default 5. */
  attempts?: number;
  /**
   * Keep retrying a transient failure (the server down, a timeout) for this long before a call
   * fails; 0: `attempts` alone. The speed layer's sinks ride out an outage this way, holding
   * their sources back (SINK_RETRY_BUDGET), as the serving store does.
   */
  retryBudgetMs?: number;
  backoff?: BackoffOptions;
  /** A request with no network activity for this long is aborted (and retried). Default 30 s. */
  requestTimeoutMs?: number;
}

export const DEFAULT_REGION = 'us-east-1';
export const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE = 16 * 1024 * 1024;

/** Parse S3_ENDPOINT into minio's endPoint/port/useSSL. Throws a message naming the setting. */
export function parseS3Endpoint(endpoint: string): { endPoint: string; port: number; useSSL: boolean } {
  const bad = (why: string) => new Error(`S3_ENDPOINT = ${JSON.stringify(endpoint)}: ${why}; expected a URL like http://127.0.0.1:9000`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`scheme ${url.protocol} is not http or https`);
  if (url.username || url.password) throw bad('credentials belong in S3_ACCESS_KEY and S3_SECRET_KEY, not in the URL');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw bad('no path, query or fragment (buckets are addressed path-style)');
  if (!url.hostname) throw bad('no host');
  const useSSL = url.protocol === 'https:';
  return { endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : useSSL ? 443 : 80, useSSL };
}

/** minio options for these settings (pure apart from the transport it builds). */
export function s3ClientOptions(s: S3Settings): ClientOptions {
  const partSize = s.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) throw new Error(`S3 part size ${partSize}: must be a whole number of bytes >= ${MIN_PART_SIZE} (5 MiB, the S3 minimum)`);
  const { endPoint, port, useSSL } = parseS3Endpoint(s.endpoint);
  return {
    endPoint,
    port,
    useSSL,
    accessKey: s.accessKey,
    secretKey: s.secretKey,
    region: s.region ?? DEFAULT_REGION,
    pathStyle: true,
    partSize,
    retryOptions: { disableRetry: true },
    transport: timedTransport(useSSL, s.requestTimeoutMs ?? 30_000),
  };
}

/** minio has no request timeout: abort a request whose socket is idle (connecting included) for `ms`. */
function timedTransport(useSSL: boolean, ms: number): NonNullable<ClientOptions['transport']> {
  const request = (options: http.RequestOptions, callback?: (res: http.IncomingMessage) => void): http.ClientRequest => {
    const req = (useSSL ? https : http).request({ ...options, timeout: ms }, callback);
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no response within ${ms} ms`), { code: 'ETIMEDOUT' })));
    return req;
  };
  return { request: request as typeof http.request };
}

/** Told of each retry of an S3 call, and of its success after retries (to log an outage while it lasts). */
export interface S3RetryListener {
  retrying(what: string, error: unknown, delayMs: number): void;
  recovered(what: string): void;
}

export interface S3Connection {
  client: Client;
  endpoint: string;
  region: string;
  attempts: number;
  retryBudgetMs: number;
  backoff: BackoffOptions | undefined;
  onRetry?: S3RetryListener;
}

/**
 * minio, loaded on first use: ~150 ms of module loading that the embedded profile's threads (a
 * local lake) would otherwise pay at every start. Errors are told apart by name, not class.
 */
let minio: typeof import('minio') | undefined;
const loadMinio = (): typeof import('minio') => (minio ??= createRequire(import.meta.url)('minio') as typeof import('minio'));

export function connectS3(s: S3Settings, onRetry?: S3RetryListener): S3Connection {
  return { client: new (loadMinio().Client)(s3ClientOptions(s)), endpoint: s.endpoint, region: s.region ?? DEFAULT_REGION, attempts: s.attempts ?? 5, retryBudgetMs: s.retryBudgetMs ?? 0, backoff: s.backoff, onRetry };
}

const AUTH_CODES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken']);
// '' is an HTTP error without a body (e.g. a 502 from a proxy in front of the store).
const TRANSIENT_CODES = new Set(['', 'InternalError', 'SlowDown', 'ServiceUnavailable', 'RequestTimeout', 'OperationAborted']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

const codeOf = (e: unknown): string | undefined => {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
};
const isS3Error = (e: unknown): boolean => e instanceof Error && e.name === 'S3Error';

export const isAuthError = (e: unknown): boolean => isS3Error(e) && AUTH_CODES.has(codeOf(e) ?? '');
export const isMissingKey = (e: unknown): boolean => isS3Error(e) && codeOf(e) === 'NoSuchKey';
/** A conditional request's condition did not hold (a create of a key that exists). */
export const isPreconditionFailed = (e: unknown): boolean => isS3Error(e) && codeOf(e) === 'PreconditionFailed';

/** Worth retrying: the network, a timeout, or the server saying it is busy or broken. */
export function isRetriableS3Error(e: unknown): boolean {
  const code = codeOf(e);
  if (isS3Error(e)) return TRANSIENT_CODES.has(code ?? '');
  if (code !== undefined) return NETWORK_CODES.has(code);
  return e instanceof Error && /socket hang up|premature close/i.test(e.message);
}

/** What the operator reads: the call and endpoint (from `s3Call`), then the setting to check. */
export function s3Failure(e: unknown): ActorError {
  const cause = e instanceof Error && e.cause !== undefined ? e.cause : e;
  let hint = '';
  if (isAuthError(cause)) hint = '; check S3_ACCESS_KEY and S3_SECRET_KEY';
  else if (isS3Error(cause) && codeOf(cause) === 'NoSuchBucket') hint = '; buckets are created at start-up (provisionBuckets)';
  else if (isRetriableS3Error(cause)) hint = '; is the S3 server running there?';
  return new ActorError(`${errorMessage(e)}${hint}`, 'external', isRetriableS3Error(cause), { cause });
}

/** Backoff of S3 calls: up to 5 s between attempts, so an outage is noticed soon after it ends. */
const OUTAGE_BACKOFF: BackoffOptions = { minMs: 100, maxMs: 5_000, jitter: 0.2 };

/** Run one S3 call with retries; a final failure names the call, the endpoint and the setting. */
export async function s3Call<T>(s3: S3Connection, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    const where = `S3 ${what} at ${s3.endpoint} (S3_ENDPOINT)`;
    let retried = false;
    const onRetry = (e: unknown, _attempt: number, delayMs: number) => {
      retried = true;
      s3.onRetry?.retrying(where, e, delayMs);
    };
    const out = await retry(where, fn, { attempts: s3.attempts, budgetMs: s3.retryBudgetMs, backoff: s3.backoff ?? OUTAGE_BACKOFF, isRetriable: isRetriableS3Error, onRetry });
    if (retried) s3.onRetry?.recovered(where);
    return out;
  } catch (e) {
    throw s3Failure(e);
  }
}

/**
 * Create the buckets that do not exist yet; idempotent, and safe when several instances start
 * together (a bucket another one just created counts as created). Returns the buckets it made.
 */
export async function provisionBuckets(s3: S3Connection, buckets: readonly string[]): Promise<string[]> {
  const made: string[] = [];
  for (const bucket of buckets) {
    if (await s3Call(s3, `bucketExists ${bucket}`, () => s3.client.bucketExists(bucket))) continue;
    await s3Call(s3, `makeBucket ${bucket}`, async () => {
      try {
        await s3.client.makeBucket(bucket, s3.region);
        made.push(bucket);
      } catch (e) {
        if (!(isS3Error(e) && codeOf(e) === 'BucketAlreadyOwnedByYou')) throw e;
      }
    });
  }
  return made;
}
