// Compaction of a lake table: committed small files of one writer (Hive partition value, tag,
// source partition) whose offsets a checkpoint covers are merged, in offset order, into one
// file named like the sink's own files, by the union of their ranges:
//
//   part-p003-o000000120-000000872 + part-p003-o000000873-000001500 -> part-p003-o000000120-000001500
//
// A sink's files of one writer have disjoint offset ranges (they roll at every barrier), so a
// file whose range lies inside another's has been merged into it: it is *superseded*. That is the
// whole protocol, and it needs no manifest:
// - the output is built in scratch and committed atomically (rename on the local lake; an S3
//   object appears only when its upload completes), and only then are the inputs deleted. A
//   crash leaves the inputs alone (no output: scratch is cleaned at start), or the output with
//   some inputs still there: those are superseded, skipped by `liveFiles` and deleted by the next
//   pass or by the sink's recovery. Never neither; rows are never lost.
// - readers that list the table through `liveFiles` (join read-back, batch layer) never see a
//   row twice. A plain glob sees both only between the output's commit and the inputs' deletion
//   (or after a crash there, until the next start): the same window a Hive table has.
// - only files wholly below the bound (exclusive) the caller takes from the latest checkpoint are
//   merged: a restore resumes at or past it, so recovery (which deletes files whose first offset
//   is at or past the resume offset) never deletes or splits a merged file, and rows of files
//   past the checkpoint, which the replay rewrites, are never copied.
// - rows are copied value for value (nulls kept), in file order: the table's multiset of rows,
//   and each writer's offset order, are unchanged.
// - one pass at a time per lake (the caller holds the lake's compaction lease: pipelines/
//   compaction.ts): a listing taken while another pass commits and deletes can miss a merge's
//   output and its inputs alike, and a merge planned on it would span rows it never copied.

import { rm, stat } from 'node:fs/promises';
import type { Lake, LakeObject } from '../lake/lake.js';
import { isUtf8, readColumns, type ColumnValues } from './gold-parquet-read.js';
import type { LakeTable } from './lake-table.js';
import { ParquetFileWriter, type Cell } from './parquet-file-writer.js';
import { fileName, liveFiles, parseFileName, supersededKeys } from './file-names.js';

export { liveFiles, supersededKeys } from './file-names.js';

/** A committed file of a lake sink, with what its key says. */
export interface LakeFile extends LakeObject {
  /** The directory under the bucket (`tweets_v2/topic=AAPL`). */
  dir: string;
  tag: string;
  partition: number;
  first: number;
  last: number;
}

export function lakeFile(o: LakeObject): LakeFile | null {
  const slash = o.key.lastIndexOf('/');
  const f = parseFileName(o.key.slice(slash + 1));
  return f ? { ...o, dir: o.key.slice(0, Math.max(0, slash)), ...f } : null;
}

const writerOf = (f: LakeFile) => `${f.dir}\u0000${f.tag}\u0000${f.partition}`;

export interface CompactionPolicy {
  /** Merged files grow up to this many bytes (inputs' sizes); a file this large is left alone. */
  targetBytes: number;
  /**
   * Files merged at a time (2 or more). Tiered (the default): this many consecutive files of
   * one or two adjacent size tiers (tier t + 1: below minFiles^t x TIER_BASE_BYTES) are merged
   * into one of a higher tier, so a row is rewritten about once per tier (log_minFiles(target /
   * small file) times), not at every pass.
   */
  minFiles: number;
  /**
   * Major compaction (`cashtag compact --major`, Delta's OPTIMIZE): every run of two or more
   * small files is bin-packed into files up to the target, whatever their tiers.
   */
  major?: boolean;
}

/** Files below this size are tier 0. */
export const TIER_BASE_BYTES = 64 * 1024;

export const sizeTier = (bytes: number, factor: number): number => (bytes < TIER_BASE_BYTES ? 0 : Math.floor(Math.log(bytes / TIER_BASE_BYTES) / Math.log(factor)) + 1);

export interface CompactionGroup {
  inputs: LakeFile[];
  /** The merged file's key. */
  output: string;
}

/**
 * The exclusive offset bound the latest checkpoint sets for a writer of the table (its files
 * with last offset below it are covered), or null: leave that writer's files alone.
 */
export type CompactionBound = (value: string, tag: string, partition: number) => number | null;

/** Consecutive files to merge, packed up to the target size; `enough` says whether a chunk that did not fill up is merged. */
function pack(files: readonly LakeFile[], targetBytes: number, enough: (chunk: readonly LakeFile[]) => boolean, maxFiles = Infinity): LakeFile[][] {
  const out: LakeFile[][] = [];
  let chunk: LakeFile[] = [];
  let bytes = 0;
  const close = (full: boolean) => {
    if (chunk.length >= 2 && (full || enough(chunk))) out.push(chunk);
    chunk = [];
    bytes = 0;
  };
  for (const f of files) {
    if (chunk.length > 0 && bytes + f.size > targetBytes) close(true);
    chunk.push(f);
    bytes += f.size;
    if (bytes >= targetBytes || chunk.length >= maxFiles) close(true);
  }
  close(false);
  return out;
}

/** Which live files to merge into which outputs. Pure. */
export function planCompaction(objects: readonly LakeObject[], spec: Pick<LakeTable<unknown>, 'table' | 'column'>, bound: CompactionBound, policy: CompactionPolicy): CompactionGroup[] {
  const byWriter = new Map<string, LakeFile[]>();
  for (const o of liveFiles(objects)) {
    const f = lakeFile(o);
    if (!f) continue;
    const list = byWriter.get(writerOf(f));
    if (list) list.push(f);
    else byWriter.set(writerOf(f), [f]);
  }
  const groups: CompactionGroup[] = [];
  const valuePrefix = spec.column ? `${spec.table}/${spec.column}=` : null;
  const F = Math.max(2, policy.minFiles);
  for (const files of [...byWriter.values()].sort((a, b) => (writerOf(a[0]) < writerOf(b[0]) ? -1 : 1))) {
    const { dir, tag, partition } = files[0];
    if (valuePrefix ? !dir.startsWith(valuePrefix) : dir !== spec.table) continue;
    const upTo = bound(valuePrefix ? dir.slice(valuePrefix.length) : '', tag, partition);
    if (upTo === null) continue;
    files.sort((a, b) => a.first - b.first);
    // Runs of consecutive files that may be merged: a file past the checkpoint, or already
    // large, ends a run (merged files stay contiguous). Tiered: a run spans at most two adjacent
    // tiers (sink files of one writer straddle a tier boundary when checkpoints come unevenly;
    // one tier per run would leave them unmerged).
    const runs: LakeFile[][] = [];
    let run: LakeFile[] = [];
    let lo = Infinity;
    let hi = -Infinity;
    for (const f of files) {
      const eligible = f.last < upTo && f.size < policy.targetBytes;
      const t = sizeTier(f.size, F);
      if (!eligible || (!policy.major && Math.max(hi, t) - Math.min(lo, t) > 1)) {
        if (run.length > 0) runs.push(run);
        run = [];
        lo = Infinity;
        hi = -Infinity;
      }
      if (eligible) {
        run.push(f);
        lo = Math.min(lo, t);
        hi = Math.max(hi, t);
      }
    }
    if (run.length > 0) runs.push(run);
    for (const r of runs) {
      const chunks = policy.major ? pack(r, policy.targetBytes, () => true) : pack(r, policy.targetBytes, (c) => c.length >= F, F);
      for (const c of chunks) groups.push({ inputs: c, output: `${dir}/${fileName(partition, c[0].first, c[c.length - 1].last, tag)}` });
    }
  }
  return groups;
}

export interface CompactionResult {
  filesMerged: number;
  filesWritten: number;
  bytesRead: number;
  bytesWritten: number;
  rows: number;
  /** Superseded files of an interrupted compaction, deleted. */
  filesRepaired: number;
}

export const emptyResult = (): CompactionResult => ({ filesMerged: 0, filesWritten: 0, bytesRead: 0, bytesWritten: 0, rows: 0, filesRepaired: 0 });

export interface CompactionHooks {
  /** Called between the steps of a group (tests stop a compaction there, as a crash would). */
  step?(what: 'written' | 'committed' | 'deleted', group: CompactionGroup): Promise<void> | void;
  /** Stop after the current group when it returns true. */
  stopping?(): boolean;
  /**
   * Asked right before a merged file is committed: false abandons the group (its output stays in
   * scratch, its inputs untouched). The lake's compaction lease answers it (pipelines/compaction.ts).
   */
  mayCommit?(): boolean;
}

const utf8 = new TextDecoder();

/** One input file's rows as cells in the table's column order. */
function* cellsOf(columns: ColumnValues[], nulls: (Uint8Array | undefined)[], rows: number): Generator<Cell[]> {
  for (let i = 0; i < rows; i++) {
    const row: Cell[] = new Array<Cell>(columns.length);
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c];
      if (nulls[c]?.[i]) row[c] = null;
      else if (isUtf8(col)) row[c] = utf8.decode(col.data.subarray(col.offsets[i], col.offsets[i + 1]));
      else row[c] = col[i];
    }
    yield row;
  }
}

/** Merge one group: write the output in scratch, commit it, then delete the inputs. */
export async function compactGroup(lake: Lake, spec: Pick<LakeTable<unknown>, 'bucket' | 'columns'>, g: CompactionGroup, hooks: CompactionHooks = {}): Promise<CompactionResult> {
  const names = spec.columns.map((c) => c.name);
  const scratch = await lake.scratchPath(spec.bucket, g.output);
  const writer = await ParquetFileWriter.open(scratch, spec.columns);
  const result = emptyResult();
  try {
    for (const input of g.inputs) {
      const bytes = await lake.read(spec.bucket, input.key);
      if (bytes === null) throw new Error(`compaction: ${spec.bucket}/${input.key} vanished (another compaction or a recovery removed it)`);
      result.bytesRead += bytes.length;
      const batch = await readColumns(bytes, names);
      const columns = names.map((n) => batch.columns[n]);
      const nulls = names.map((n) => batch.nulls[n]);
      for (const row of cellsOf(columns, nulls, batch.rows)) if (!writer.tryAppend(row)) await writer.append(row);
      result.rows += batch.rows;
    }
    await writer.close();
  } catch (e) {
    await writer.abort().catch(() => undefined);
    throw e;
  }
  result.bytesWritten = (await stat(scratch)).size;
  await hooks.step?.('written', g);
  if (hooks.mayCommit && !hooks.mayCommit()) {
    await rm(scratch, { force: true });
    throw new Error(`compaction: lost the lake's compaction lease before committing ${spec.bucket}/${g.output}; nothing was changed`);
  }
  await lake.commit(scratch, spec.bucket, g.output);
  await hooks.step?.('committed', g);
  await lake.delete(spec.bucket, g.inputs.map((f) => f.key));
  await hooks.step?.('deleted', g);
  result.filesMerged = g.inputs.length;
  result.filesWritten = 1;
  return result;
}

export function addResults(a: CompactionResult, b: CompactionResult): CompactionResult {
  return {
    filesMerged: a.filesMerged + b.filesMerged,
    filesWritten: a.filesWritten + b.filesWritten,
    bytesRead: a.bytesRead + b.bytesRead,
    bytesWritten: a.bytesWritten + b.bytesWritten,
    rows: a.rows + b.rows,
    filesRepaired: a.filesRepaired + b.filesRepaired,
  };
}

/**
 * One pass over a table: delete files superseded by an interrupted pass, then merge what
 * `planCompaction` chooses, one group at a time.
 */
export async function compactTable(lake: Lake, spec: LakeTable<unknown>, bound: CompactionBound, policy: CompactionPolicy, hooks: CompactionHooks = {}): Promise<CompactionResult> {
  const objects = await lake.list(spec.bucket, `${spec.table}/`);
  const gone = [...supersededKeys(objects)];
  await lake.delete(spec.bucket, gone);
  let total = { ...emptyResult(), filesRepaired: gone.length };
  for (const g of planCompaction(objects, spec, bound, policy)) {
    if (hooks.stopping?.()) break;
    total = addResults(total, await compactGroup(lake, spec, g, hooks));
  }
  return total;
}
