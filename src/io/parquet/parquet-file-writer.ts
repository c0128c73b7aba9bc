// One Parquet file written row by row: rows are buffered into columns (typed arrays for
// numbers; strings go straight into their PLAIN encoding, UTF-8 bytes in a reused buffer) and
// encoded a row group at a time by ParquetEncoder, so memory holds one row group, not the file.
// The lake sinks' writer (see rolling-files.ts). Strings are not kept as JS strings until the
// row group is written: a sink holds up to a row group per open file, and strings held that
// long would survive young-generation collections and be copied by every one of them.

import { open, type FileHandle } from 'node:fs/promises';
import { ParquetEncoder, type Column, type ColumnSpec, type PlainStrings } from './parquet-write.js';

/** A cell of a row, in its column's order: numbers (timestamps as epoch ms), strings, or null. */
export type Cell = number | string | null;

const isNumeric = (c: ColumnSpec) => c.type !== 'utf8' && c.type !== 'binary';

/** A string column of one row group, PLAIN-encoded as rows arrive. */
class PlainStringBuffer {
  private bytes = Buffer.allocUnsafe(16 * 1024);
  private size = 0;
  private readonly present: Uint8Array;

  constructor(rows: number) {
    this.present = new Uint8Array(rows);
  }

  set(row: number, s: string | null): void {
    if (s === null) {
      this.present[row] = 0;
      return;
    }
    // At most 3 UTF-8 bytes per UTF-16 unit.
    const need = this.size + 4 + s.length * 3;
    if (need > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.size);
      this.bytes = grown;
    }
    const n = this.bytes.write(s, this.size + 4, 'utf8');
    this.bytes.writeUInt32LE(n, this.size);
    this.size += 4 + n;
    this.present[row] = 1;
  }

  /** UTF-8 bytes buffered (with their length prefixes). */
  get used(): number {
    return this.size;
  }

  /** The first `rows` rows; valid until the next `clear`. */
  view(rows: number): PlainStrings {
    return { plain: this.bytes.subarray(0, this.size), present: this.present.subarray(0, rows), rows };
  }

  clear(): void {
    this.size = 0;
  }
}

/**
 * A row group is also written once its strings reach this many bytes, whatever its row count:
 * 8,192 rows of 10,000-character texts or 1 MB dead-letter values would otherwise buffer 0.25
 * to 8 GB per open file (past Node's largest Buffer and the page header's 32-bit sizes).
 */
export const ROW_GROUP_MAX_BYTES = 64 * 1024 * 1024;

export class ParquetFileWriter {
  private readonly numbers: (Float64Array | null)[];
  private readonly strings: (PlainStringBuffer | null)[];
  private buffered = 0;
  private written = 0;

  private constructor(
    private readonly file: FileHandle,
    private readonly encoder: ParquetEncoder,
    private readonly schema: readonly ColumnSpec[],
    private readonly rowGroupSize: number,
  ) {
    this.numbers = schema.map((c) => (isNumeric(c) ? new Float64Array(rowGroupSize) : null));
    this.strings = schema.map((c) => (isNumeric(c) ? null : new PlainStringBuffer(rowGroupSize)));
  }

  static async open(path: string, schema: readonly ColumnSpec[], rowGroupSize = 8192): Promise<ParquetFileWriter> {
    const file = await open(path, 'w');
    const w = new ParquetFileWriter(file, new ParquetEncoder(schema), schema, rowGroupSize);
    await file.write(w.encoder.start());
    return w;
  }

  get rows(): number {
    return this.written + this.buffered;
  }

  async append(row: readonly Cell[]): Promise<void> {
    this.add(row);
    if (this.buffered === this.rowGroupSize || this.stringBytes() >= ROW_GROUP_MAX_BYTES) await this.flush();
  }

  /** Buffer `row` if that does not complete a row group (which must be written); false otherwise. */
  tryAppend(row: readonly Cell[]): boolean {
    if (this.buffered + 1 >= this.rowGroupSize || this.stringBytes() >= ROW_GROUP_MAX_BYTES) return false;
    this.add(row);
    // A large string can take the group past its byte budget: then the next row writes it.
    return true;
  }

  private stringBytes(): number {
    let n = 0;
    for (const s of this.strings) if (s) n += s.used;
    return n;
  }

  private add(row: readonly Cell[]): void {
    const i = this.buffered++;
    for (let c = 0; c < this.schema.length; c++) {
      const v = row[c];
      const xs = this.numbers[c];
      if (xs) xs[i] = v === null ? NaN : (v as number);
      else this.strings[c]!.set(i, v as string | null);
    }
  }

  private async flush(): Promise<void> {
    const rows = this.buffered;
    if (rows === 0) return;
    const columns: Column[] = this.schema.map((c, i) => ({ ...c, values: this.numbers[i] ?? this.strings[i]!.view(rows) }));
    await this.file.write(await this.encoder.rowGroup(columns, 0, rows));
    for (const s of this.strings) s?.clear();
    this.written += rows;
    this.buffered = 0;
  }

  /**
   * Write the last row group and the footer, and close the file. Not fsynced: the file is scratch
   * for `Lake.commit`, and the lake decides what durable means (the local lake fsyncs it there;
   * S3 uploads it).
   */
  async close(): Promise<void> {
    try {
      await this.flush();
      await this.file.write(this.encoder.footer());
    } finally {
      await this.file.close();
    }
  }

  /** Close without finishing the file (it is scratch to be deleted). */
  async abort(): Promise<void> {
    await this.file.close();
  }
}
