// Rolling Parquet files for one table of one source partition, one open file per Hive partition
// value (topic=AAPL, ...). A file is rolled when it reaches maxRows or maxAgeMs, and always at a
// checkpoint barrier; it is built in scratch space and committed under a name that carries the
// source partition and its offset range: part-p003-o000120-000872.snappy.parquet.
//
// Guarantee (with checkpoints): after a restore, `recover` deletes every committed file whose
// first offset is at or past the resume offset; the replay then rewrites those rows. Rows are
// never duplicated across files, and never lost.

import type { Lake } from '../lake/lake.js';
import type { LakeTable } from './lake-table.js';
import { ParquetFileWriter, type Cell } from './parquet-file-writer.js';
import { rowRefusal } from './row-refusal.js';
import { fileName, parseFileName, PATH_SEGMENT, supersededKeys } from './file-names.js';

export { fileName, parseFileName, liveFiles } from './file-names.js';

export interface RollPolicy {
  maxRows: number;
  maxAgeMs: number;
}

interface OpenFile {
  writer: ParquetFileWriter;
  scratch: string;
  firstOffset: number;
  lastOffset: number;
  rows: number;
  openedAt: number;
}

export interface Committed {
  key: string;
  rows: number;
}

function added(f: OpenFile, offset: number): void {
  if (offset < f.firstOffset) f.firstOffset = offset;
  if (offset > f.lastOffset) f.lastOffset = offset;
  f.rows++;
}

export class RollingFiles<Row> {
  private readonly open = new Map<string, OpenFile>();
  private checkedRow: Row | null = null;
  private checkedCells: Cell[] | null = null;

  private readonly bucket: string;
  private readonly table: string;

  constructor(
    private readonly lake: Lake,
    /** Files go to `<bucket>/<table>/<column>=<value>/` (or `<table>/` with no column). */
    private readonly spec: LakeTable<Row>,
    private readonly sourcePartition: number,
    private readonly policy: RollPolicy,
    private readonly tag = '',
  ) {
    this.bucket = spec.bucket;
    this.table = spec.table;
  }

  private dir(value: string): string {
    return this.spec.column ? `${this.table}/${this.spec.column}=${value}` : this.table;
  }

  /**
   * Why these files cannot take `row` at `offset`, or null: a cell the encoder would refuse, an
   * offset that cannot name a file, or a partition value that is not a plain path segment. A
   * sink asks before appending: a refused row appended would fail the whole row group later.
   */
  refusal(offset: number, row: Row): string | null {
    if (!Number.isSafeInteger(offset) || offset < 0) return `${this.table}: offset ${offset} cannot name a file (expected 0 .. 2^53 - 1)`;
    if (this.spec.column && !PATH_SEGMENT.test(this.spec.partitionValue(row))) return `${this.table}: ${this.spec.column}=${JSON.stringify(this.spec.partitionValue(row).slice(0, 40))} is not a plain path segment`;
    const cells = this.spec.row(row);
    const why = rowRefusal(this.spec.columns, cells);
    if (why !== null) return `${this.table}: ${why}`;
    // The append that follows uses these cells instead of mapping the row again.
    this.checkedRow = row;
    this.checkedCells = cells;
    return null;
  }

  private cellsOf(row: Row): Cell[] {
    return row === this.checkedRow ? this.checkedCells! : this.spec.row(row);
  }

  /** Append `row` (at source `offset`) to the file of its partition value. */
  async append(offset: number, row: Row, now: number): Promise<Committed | null> {
    const value = this.spec.partitionValue(row);
    let f = this.open.get(value);
    if (!f) {
      const scratch = await this.lake.scratchPath(this.bucket, `${this.table}/${value}`);
      const writer = await ParquetFileWriter.open(scratch, this.spec.columns);
      f = { writer, scratch, firstOffset: offset, lastOffset: offset, rows: 0, openedAt: now };
      this.open.set(value, f);
    }
    await f.writer.append(this.cellsOf(row));
    added(f, offset);
    return f.rows >= this.policy.maxRows ? this.roll(value) : null;
  }

  /**
   * Append `row` when that needs no I/O: its file is open and the row completes neither a row
   * group nor the file. Otherwise returns false, having done nothing: then `append` it. (Sinks
   * call this first: most rows need no I/O, and awaiting `append` costs a promise and a turn of
   * the microtask queue for each of them.)
   */
  tryAppend(offset: number, row: Row): boolean {
    const f = this.open.get(this.spec.partitionValue(row));
    if (!f || f.rows + 1 >= this.policy.maxRows || !f.writer.tryAppend(this.cellsOf(row))) return false;
    added(f, offset);
    return true;
  }

  /** Roll files older than the age limit. */
  async rollAged(now: number): Promise<Committed[]> {
    const out: Committed[] = [];
    for (const [value, f] of [...this.open]) if (now - f.openedAt >= this.policy.maxAgeMs) out.push(await this.roll(value));
    return out;
  }

  async rollAll(): Promise<Committed[]> {
    const out: Committed[] = [];
    for (const value of [...this.open.keys()]) out.push(await this.roll(value));
    return out;
  }

  private async roll(value: string): Promise<Committed> {
    const f = this.open.get(value)!;
    this.open.delete(value);
    await f.writer.close();
    const key = `${this.dir(value)}/${fileName(this.sourcePartition, f.firstOffset, f.lastOffset, this.tag)}`;
    await this.lake.commit(f.scratch, this.bucket, key);
    return { key, rows: f.rows };
  }

  /**
   * Delete this partition's committed files that a replay from `resumeOffset` will rewrite, and
   * those an interrupted compaction left behind, superseded by its output (compaction.ts).
   */
  async recover(resumeOffset: number, onlyValue?: string): Promise<number> {
    const objects = await this.lake.list(this.bucket, onlyValue === undefined ? `${this.table}/` : `${this.dir(onlyValue)}/`);
    const superseded = supersededKeys(objects);
    const doomed = objects
      .map((o) => o.key)
      .filter((k) => {
        const f = parseFileName(k.slice(k.lastIndexOf('/') + 1));
        return f !== null && f.tag === this.tag && f.partition === this.sourcePartition && (f.first >= resumeOffset || superseded.has(k));
      });
    await this.lake.delete(this.bucket, doomed);
    return doomed.length;
  }

  get openFiles(): number {
    return this.open.size;
  }
}
