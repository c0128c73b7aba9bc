// One Parquet file written row by row: rows are buffered into columns (typed arrays for
// numbers, arrays for strings) and encoded a row group at a time by ParquetEncoder, so memory
// holds one row group, not the file. The lake sinks' writer (see rolling-files.ts).

import { open, type FileHandle } from 'node:fs/promises';
import { ParquetEncoder, type Column, type ColumnSpec } from './parquet-write.js';

/** A cell of a row, in its column's order: numbers (timestamps as epoch ms), strings, or null. */
export type Cell = number | string | null;

const isNumeric = (c: ColumnSpec) => c.type !== 'utf8' && c.type !== 'binary';

export class ParquetFileWriter {
  private readonly columns: Column[];
  private buffered = 0;
  private written = 0;

  private constructor(
    private readonly file: FileHandle,
    private readonly encoder: ParquetEncoder,
    schema: readonly ColumnSpec[],
    private readonly rowGroupSize: number,
  ) {
    this.columns = schema.map((c) => ({ ...c, values: isNumeric(c) ? new Float64Array(rowGroupSize) : new Array<string | null>(rowGroupSize).fill(null) }));
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
    const i = this.buffered++;
    for (let c = 0; c < this.columns.length; c++) {
      const col = this.columns[c];
      const v = row[c];
      if (col.values instanceof Float64Array) col.values[i] = v === null ? NaN : (v as number);
      else (col.values as (string | null)[])[i] = v as string | null;
    }
    if (this.buffered === this.rowGroupSize) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0) return;
    await this.file.write(await this.encoder.rowGroup(this.columns, 0, this.buffered));
    this.written += this.buffered;
    this.buffered = 0;
  }

  /** Write the last row group and the footer, and close the file. */
  async close(): Promise<void> {
    try {
      await this.flush();
      await this.file.write(this.encoder.footer());
      await this.file.sync();
    } finally {
      await this.file.close();
    }
  }

  /** Close without finishing the file (it is scratch to be deleted). */
  async abort(): Promise<void> {
    await this.file.close();
  }
}
