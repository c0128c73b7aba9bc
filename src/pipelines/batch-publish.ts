// Layout, publication and run state of the batch layer's gold reports.
//
// The reports are laid out as the seed lays them out, so any Parquet reader reads them with a
// plain glob and no manifest:
//     twitter-gold/batch_topic_statistics/topic=SYM/part-00000.snappy.parquet
//     twitter-gold/batch_trend_analysis/topic=SYM/part-00000.snappy.parquet
//     twitter-gold/batch_sentiment_pivot/part-00000.snappy.parquet
// Exactly one object per topic, under a fixed name. Each file carries its version in its Parquet
// key-value metadata (`cashtag.batch.version`: the hash of the bronze snapshot the run read, so
// the same input gives byte-identical files) and the number of topic files of that version
// (`cashtag.batch.partitions`).
//
// How a run replaces a report (the guarantee, stated in docs/architecture.md "Gold reports"):
// 1. the tasks write every file of the run under the run's state, outside every table:
//        twitter-gold/_batch/runs/<runId>/files/<report>/topic=SYM/part-00000.snappy.parquet
//    (each file built in scratch and committed whole), so nothing a reader globs changes;
// 2. publish, one report after the other: each topic's file is copied over its published key
//    (several copies in flight)
//    (`lake.copy`: a rename into place locally, a server-side CopyObject on S3, atomic on both),
//    so a reader of one file sees the old file or the new one, whole, never a mixture;
// 3. only once every topic of the report is in, the table's other objects are deleted: topics
//    the new run has no data for, and what an older layout left (`_v/<runId>/`, `_current.json`).
// While step 2 runs, a reader that globs the table may get some topics' old files and others'
// new ones (the versions in their metadata differ); a reader that lists before step 3 and opens
// a vanished topic's file after it gets "not found". Nothing else is visible: no partial file,
// no file of an unpublished run.
//
// Resumability: `_batch/pending.json` names the unfinished run and the hash of its input
// snapshot; `runs/<runId>/tasks/<SYM>.json` records each completed partition task (and the
// hourly means the pivot needs). A rerun whose input snapshot has the same hash resumes that run:
// same runId, completed tasks skipped, and the whole publication repeated (copies are
// idempotent), so a crash during publication heals at the next run. Runs must not overlap (one
// batch writer at a time).

import type { Lake } from '../io/lake/lake.js';
import { readKeyValue } from '../io/parquet/gold-parquet-read.js';
import { GOLD_BUCKET, REPORTS, type ReportName } from '../io/parquet/gold-schemas.js';
import type { PartitionDone } from '../actors/batch-worker/protocol.js';

/** What a publication put in place for one report. */
export interface PublishedReport {
  /** The table name (batch_trend_analysis, ...). */
  report: string;
  /** The version every file of the report carries (`cashtag.batch.version`). */
  version: string;
  /** twitter-gold keys of the report's files, sorted. */
  files: string[];
}

export interface PendingRun {
  runId: string;
  inputHash: string;
}

/** Key-value metadata keys of every gold report file. */
export const VERSION_KEY = 'cashtag.batch.version';
export const PARTITIONS_KEY = 'cashtag.batch.partitions';
export const REPORT_KEY = 'cashtag.report';

/** The order reports are published in: a topic's statistics before its trend; the pivot last. */
export const PUBLISH_ORDER: readonly ReportName[] = ['statistics', 'trend', 'pivot'];

const STATE = '_batch';
const PENDING = `${STATE}/pending.json`;
const FILE_NAME = 'part-00000.snappy.parquet';
const COPIES_IN_FLIGHT = 8;
const json = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
const taskPrefix = (runId: string) => `${STATE}/runs/${runId}/tasks/`;
const stagePrefix = (runId: string) => `${STATE}/runs/${runId}/files/`;

/** The published key of a report's file for one topic (or of the whole report when unpartitioned). */
export function reportKey(report: ReportName, symbol?: string): string {
  return `${REPORTS[report]}/${symbol === undefined ? '' : `topic=${symbol}/`}${FILE_NAME}`;
}

/** Where a run writes that file before publishing it (outside every table). */
export function stagedKey(runId: string, report: ReportName, symbol?: string): string {
  return `${stagePrefix(runId)}${reportKey(report, symbol)}`;
}

/** The key-value metadata of a report file of a given version. */
export function reportMetadata(report: ReportName, version: string, partitions: number): [string, string][] {
  return [[REPORT_KEY, REPORTS[report]], [VERSION_KEY, version], [PARTITIONS_KEY, String(partitions)]];
}

/** The version a report file carries (null for a file written without one). */
export function fileVersion(file: Buffer): string | null {
  return readKeyValue(file).get(VERSION_KEY) ?? null;
}

/** Published keys of a report, from a listing of its table: only the layout's files, nothing under `_`-prefixed paths. */
export function publishedKeys(report: ReportName, keys: string[]): string[] {
  const table = REPORTS[report];
  const pattern = report === 'pivot' ? new RegExp(`^${table}/${FILE_NAME.replace(/\./g, '\\.')}$`) : new RegExp(`^${table}/topic=[^/]+/${FILE_NAME.replace(/\./g, '\\.')}$`);
  return keys.filter((k) => pattern.test(k));
}

/** The report's files as they are now (none before the first publication). Reads only the listing. */
export async function listReport(lake: Lake, report: ReportName, gold = GOLD_BUCKET): Promise<string[]> {
  return publishedKeys(report, (await lake.list(gold, `${REPORTS[report]}/`)).map((o) => o.key));
}

async function readJson<T>(lake: Lake, gold: string, key: string): Promise<T | null> {
  const b = await lake.read(gold, key);
  return b === null ? null : (JSON.parse(b.toString('utf8')) as T);
}

export const readPending = (lake: Lake, gold: string): Promise<PendingRun | null> => readJson<PendingRun>(lake, gold, PENDING);
export const writePending = (lake: Lake, gold: string, run: PendingRun): Promise<void> => lake.put(gold, PENDING, json(run));

/** Record a completed task of a run. */
export function recordTask(lake: Lake, gold: string, runId: string, done: PartitionDone): Promise<void> {
  return lake.put(gold, `${taskPrefix(runId)}${encodeURIComponent(done.symbol)}.json`, json(done));
}

/** The tasks of a run completed so far (by an earlier, interrupted attempt). */
export async function completedTasks(lake: Lake, gold: string, runId: string): Promise<PartitionDone[]> {
  const objects = await lake.list(gold, taskPrefix(runId));
  const out: PartitionDone[] = [];
  for (const o of objects) {
    const t = await readJson<PartitionDone>(lake, gold, o.key);
    if (t) out.push(t);
  }
  return out;
}

/**
 * Publish a run's staged files: for each report in PUBLISH_ORDER, every topic's file copied over
 * its published key, then every other object of the table deleted (vanished topics, an older
 * layout's `_current.json` and `_v/`); then the run state. `symbols` are the run's partitions
 * (each has a staged statistics and trend file); the pivot is staged unpartitioned.
 */
export async function publish(lake: Lake, gold: string, runId: string, version: string, symbols: string[]): Promise<Record<ReportName, PublishedReport>> {
  const published = {} as Record<ReportName, PublishedReport>;
  for (const report of PUBLISH_ORDER) {
    const topics = report === 'pivot' ? [undefined] : [...symbols].sort();
    const keys = topics.map((s) => reportKey(report, s));
    // Several copies in flight: on S3 each is a round trip, and the fewer the round trips in
    // sequence, the shorter the time a glob can find old and new topics side by side.
    // A failed copy stops the lanes taking more, and publish returns only when none is in
    // flight: no write of this call lands after it has failed.
    let next = 0;
    const failures: unknown[] = [];
    const lane = async (): Promise<void> => {
      while (failures.length === 0 && next < topics.length) {
        const s = topics[next++];
        try {
          await lake.copy(gold, stagedKey(runId, report, s), reportKey(report, s));
        } catch (e) {
          failures.push(e);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(COPIES_IN_FLIGHT, topics.length) }, lane));
    if (failures.length > 0) throw failures[0];
    const current = new Set(keys);
    const others = (await lake.list(gold, `${REPORTS[report]}/`)).map((o) => o.key).filter((k) => !current.has(k));
    // An older layout's manifest goes before the versions it names.
    const manifest = others.filter((k) => k.endsWith('/_current.json'));
    await lake.delete(gold, manifest);
    await lake.delete(gold, others.filter((k) => !manifest.includes(k)));
    published[report] = { report: REPORTS[report], version, files: [...keys].sort() };
  }
  // The run is published: it is no longer pending. That goes first: a crash while the state
  // below is deleted (its staged files gone, some task records not) must not leave a pending run
  // whose rerun would skip those tasks and find nothing to copy. What a crash leaves of the state
  // is deleted by the next publication, with that of abandoned runs (whose inputs changed before
  // they finished).
  await lake.delete(gold, [PENDING]);
  const state = await lake.list(gold, `${STATE}/runs/`);
  await lake.delete(gold, state.map((o) => o.key));
  return published;
}
