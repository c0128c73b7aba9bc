// Open the lake a stage's settings name: a local directory (embedded profile) or an S3 store
// (stack profile). Settings are plain data, so they travel inside actor options to any thread.
import type { Logger } from '../../runtime/actor.js';
import type { Clock } from '../../runtime/clock.js';
import { errorMessage } from '../../runtime/errors.js';
import { OutageLog } from '../../runtime/outage.js';
import type { Lake } from './lake.js';
import { LocalLake } from './local-lake.js';
import { PrefixedLake } from './prefixed-lake.js';
import { S3Lake, type S3LakeSettings, type S3RetryListener } from './s3-lake.js';

export type LakeSettings = (
  | { kind: 'local'; root: string }
  /** endpoint, accessKey, secretKey, region; optionally scratchDir, partSize, attempts, retryBudgetMs, backoff, requestTimeoutMs. */
  | ({ kind: 's3'; region: string } & S3LakeSettings)
) & { bucketPrefix?: string };

/** Hooks of the opening thread (they do not travel in settings). */
export interface LakeHooks {
  /** Retries of calls to the object store: log that it is unreachable while it lasts. */
  onRetry?: S3RetryListener;
}

/** Hooks that report an object-store outage to `outage()` (an actor creates it once it has its context). */
export const reportOutage = (outage: () => OutageLog | undefined): LakeHooks => ({
  onRetry: {
    retrying: (what, e, delayMs) => outage()?.failed(new Error(`${what}: ${errorMessage(e)}`), delayMs),
    recovered: () => outage()?.succeeded(),
  },
});

/** The outage log of a sink writing to the lake of `s` (S3: within its retry budget). */
export const lakeOutageLog = (s: LakeSettings, log: Logger, clock: Clock): OutageLog =>
  new OutageLog(log, clock, s.kind === 's3' ? (s.retryBudgetMs ?? 0) : 0, 'S3 lake');

export function openLake(s: LakeSettings, hooks: LakeHooks = {}): Lake {
  const lake = openBare(s, hooks);
  return s.bucketPrefix ? new PrefixedLake(lake, s.bucketPrefix) : lake;
}

function openBare(s: LakeSettings, hooks: LakeHooks): Lake {
  switch (s.kind) {
    case 'local':
      return new LocalLake(s.root);
    case 's3': {
      const { kind: _kind, bucketPrefix: _prefix, ...settings } = s;
      return new S3Lake(settings, hooks.onRetry);
    }
    default: {
      const never: never = s;
      throw new Error(`unknown lake ${JSON.stringify(never)}`);
    }
  }
}
