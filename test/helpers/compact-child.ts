// A process that compacts a local lake (the three tables of compaction-lake.ts) in passes of a
// growing target size, so that there is always a merge in progress when a test SIGKILLs it.
// argv: lake root. Prints "done" after the last pass.
import { LocalLake } from '../../src/io/lake/local-lake.js';
import { deadLettersTable, tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { compactTable } from '../../src/io/parquet/compaction.js';
import { joinedTable } from '../../src/io/parquet/derived-schemas.js';
import type { LakeTable } from '../../src/io/parquet/lake-table.js';

const lake = new LocalLake(process.argv[2]);
for (let target = 2048; target <= 1024 * 1024; target *= 2) {
  for (const t of [tweetsTable, deadLettersTable, joinedTable] as LakeTable<unknown>[]) await compactTable(lake, t, () => Number.MAX_SAFE_INTEGER, { targetBytes: target, minFiles: 2, major: true });
}
process.stdout.write('done\n');
