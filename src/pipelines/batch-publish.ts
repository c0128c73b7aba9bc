// Versions, manifests and run state of the batch layer's gold reports.
//
// Atomic replacement without renames (S3 has none): each run writes its files under a version
// prefix nobody reads yet,
//     twitter-gold/<report>/_v/<runId>/topic=SYM/part-00000.snappy.parquet
// and then publishes the report by replacing one small object, the manifest
//     twitter-gold/<report>/_current.json   {"report","version","inputHash","files":[...]}
// with `lake.put` (a rename on the local lake, a single PUT on S3: atomic on both). A reader
// resolves the manifest and reads exactly the files it lists, so it sees the old version or the
// new one, never a mixture. After publishing, versions other than the current and the one it
// replaced are deleted; the previous one is kept so a reader that resolved the old manifest a
// moment ago can still finish. Runs must not overlap (one batch writer at a time).
//
// Resumability: the run's state lives under twitter-gold/_batch/. `pending.json` names the
// unfinished run and the hash of its input snapshot; `runs/<runId>/tasks/<SYM>.json` records each
// completed partition task (and the hourly means the pivot needs). A rerun whose input snapshot
// has the same hash resumes that run: same runId, completed tasks skipped. Task outputs depend
// only on their inputs, so the published reports equal those of an uninterrupted run.

import type { Lake } from '../io/lake/lake.js';
import { GOLD_BUCKET, REPORTS, type ReportName } from '../io/parquet/gold-schemas.js';
import type { PartitionDone } from '../actors/batch-worker/protocol.js';

export interface ReportManifest {
  report: string;
  version: string;
  inputHash: string;
  /** twitter-gold keys of every file of this version. */
  files: string[];
}

export interface PendingRun {
  runId: string;
  inputHash: string;
}

const STATE = '_batch';
const PENDING = `${STATE}/pending.json`;
const json = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
const manifestKey = (report: ReportName) => `${REPORTS[report]}/_current.json`;
const versionPrefix = (report: ReportName, runId: string) => `${REPORTS[report]}/_v/${runId}/`;
const taskPrefix = (runId: string) => `${STATE}/runs/${runId}/tasks/`;

/** Where a run writes a report's file for one partition (or the whole report when unpartitioned). */
export function reportFileKey(report: ReportName, runId: string, symbol?: string): string {
  return `${versionPrefix(report, runId)}${symbol === undefined ? '' : `topic=${symbol}/`}part-00000.snappy.parquet`;
}

async function readJson<T>(lake: Lake, gold: string, key: string): Promise<T | null> {
  const b = await lake.read(gold, key);
  return b === null ? null : (JSON.parse(b.toString('utf8')) as T);
}

/** The published version of a report, or null before the first run. Readers start here. */
export function resolveReport(lake: Lake, report: ReportName, gold = GOLD_BUCKET): Promise<ReportManifest | null> {
  return readJson<ReportManifest>(lake, gold, manifestKey(report));
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
 * Publish a run's version of every report (each manifest replaced atomically), then delete
 * versions older than the one each manifest replaced, and the run state.
 */
export async function publish(lake: Lake, gold: string, runId: string, inputHash: string, files: Record<ReportName, string[]>): Promise<Record<ReportName, ReportManifest>> {
  const published = {} as Record<ReportName, ReportManifest>;
  const keep = new Map<ReportName, Set<string>>();
  for (const report of Object.keys(REPORTS) as ReportName[]) {
    const previous = await resolveReport(lake, report, gold);
    const manifest: ReportManifest = { report: REPORTS[report], version: runId, inputHash, files: [...files[report]].sort() };
    await lake.put(gold, manifestKey(report), json(manifest));
    published[report] = manifest;
    keep.set(report, new Set([runId, ...(previous ? [previous.version] : [])]));
  }
  for (const report of Object.keys(REPORTS) as ReportName[]) {
    const root = `${REPORTS[report]}/_v/`;
    const stale = (await lake.list(gold, root)).map((o) => o.key).filter((k) => !keep.get(report)!.has(k.slice(root.length).split('/')[0]));
    await lake.delete(gold, stale);
  }
  // This run's state and that of abandoned runs (whose inputs changed before they finished).
  const state = await lake.list(gold, `${STATE}/runs/`);
  await lake.delete(gold, state.map((o) => o.key));
  await lake.delete(gold, [PENDING]);
  return published;
}
