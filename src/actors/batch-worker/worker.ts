// The batch actor: a Piscina task module. Each thread opens the lake once (from the plain-data
// settings in the task) and handles one partition per task: bronze Parquet in, Arrow table,
// gold reports out through the Lake (scratch file, then an atomic commit).
import { writeFile } from 'node:fs/promises';
import type { LakeSettings } from '../../io/lake/open.js';
import type { Lake } from '../../io/lake/lake.js';
import { LocalLake } from '../../io/lake/local-lake.js';
import { encodeParquet } from '../../io/parquet/parquet-write.js';
import { statisticsColumns, trendColumns } from '../../io/parquet/gold-schemas.js';
import { loadPartition } from './load.js';
import type { BatchResult, BatchTask, PartitionDone, PartitionTask } from './protocol.js';
import { eventOrder, topicStatistics, trend } from './reports.js';

const lakes = new Map<string, Lake>();
/** The S3 client library is loaded only by threads that need it: it costs ~0.3 s per thread. */
async function lakeFor(s: LakeSettings): Promise<Lake> {
  const k = JSON.stringify(s);
  let lake = lakes.get(k);
  if (!lake) lakes.set(k, (lake = s.kind === 'local' ? new LocalLake(s.root) : (await import('../../io/lake/open.js')).openLake(s)));
  return lake;
}

async function commitFile(lake: Lake, bucket: string, key: string, bytes: Buffer): Promise<void> {
  const scratch = await lake.scratchPath(bucket, key);
  await writeFile(scratch, bytes);
  await lake.commit(scratch, bucket, key);
}

async function partition(task: PartitionTask): Promise<PartitionDone> {
  const lake = await lakeFor(task.lake);
  const t0 = performance.now();
  const { tweets, prices } = await loadPartition(lake, task);
  const t1 = performance.now();
  const order = eventOrder(tweets.createdAt, tweets.recordId);
  const sorted = trend(tweets, order);
  const stats = topicStatistics(sorted, prices);
  const t2 = performance.now();
  await commitFile(lake, task.buckets.gold, task.out.statistics, await encodeParquet(statisticsColumns(stats), undefined, undefined, task.metadata.statistics));
  await commitFile(lake, task.buckets.gold, task.out.trend, await encodeParquet(trendColumns(sorted), undefined, undefined, task.metadata.trend));
  const t3 = performance.now();
  const hours: number[] = [];
  const means: number[] = [];
  stats.hour.forEach((h, i) => {
    if (stats.count[i] > 0) {
      hours.push(h);
      means.push(stats.mean[i]);
    }
  });
  return {
    kind: 'partition-done',
    symbol: task.symbol,
    tweetRows: tweets.createdAt.length,
    priceRows: prices.tradeTs.length,
    hours,
    means,
    files: [task.out.statistics, task.out.trend],
    timings: { readMs: t1 - t0, computeMs: t2 - t1, writeMs: t3 - t2 },
  };
}

export default async function handle(task: BatchTask): Promise<BatchResult> {
  switch (task.kind) {
    case 'partition':
      return partition(task);
    default: {
      const never: never = task.kind;
      throw new Error(`unknown batch task ${JSON.stringify(never)}`);
    }
  }
}
