// batch-worker: the batch layer's actors are Piscina tasks on worker threads, one per lake
// partition (topic=SYM). Every message crossing the thread boundary is declared here.
//
// A task reads the partition's whole bronze history (the file keys the run snapshotted, never
// a fresh listing, so a run is consistent with its input snapshot) and writes the partition's
// statistics and trend files under the run's state (batch-publish.ts publishes them). Its outputs depend only on those
// input files, so a task that is run again (a resumed run) writes byte-identical files.
import type { LakeSettings } from '../../io/lake/open.js';

export interface PartitionTask {
  kind: 'partition';
  lake: LakeSettings;
  buckets: { bronze: string; gold: string };
  /** The Hive partition value: the symbol. */
  symbol: string;
  /** Bronze keys of the symbol's tweets_v2 and stock_prices files. */
  tweetKeys: string[];
  priceKeys: string[];
  /** Gold keys the task writes (staged: the run publishes them). */
  out: { statistics: string; trend: string };
  /** Key-value metadata of each file (report name, version, partitions of the version). */
  metadata: { statistics: [string, string][]; trend: [string, string][] };
}

export type BatchTask = PartitionTask;

export interface PartitionDone {
  kind: 'partition-done';
  symbol: string;
  tweetRows: number;
  priceRows: number;
  /** Hours (epoch ms) with tweets, and the mean sentiment of each: the pivot's inputs. */
  hours: number[];
  means: number[];
  files: string[];
  /** Milliseconds spent reading, computing and writing. */
  timings: { readMs: number; computeMs: number; writeMs: number };
}

export type BatchResult = PartitionDone;

/** Errors a task rejects with carry the partition and a domain, as the runtime's errors do. */
export class BatchTaskError extends Error {
  constructor(
    readonly symbol: string,
    readonly domain: 'external' | 'internal',
    message: string,
  ) {
    super(`batch task ${symbol}: ${message}`);
    this.name = 'BatchTaskError';
  }
}
