// The lake sinks' row writer: every column type, nulls in optional columns, several row groups
// and a last partial one, read back by two independent readers (DuckDB and parquetjs); and a
// null in a required column is refused rather than written as garbage.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ParquetReader } from '@dsnp/parquetjs';
import { ParquetFileWriter, type Cell } from '../../src/io/parquet/parquet-file-writer.js';
import { column as c } from '../../src/io/parquet/lake-table.js';
import { duckdb } from '../helpers/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'cashtag-row-writer-'));
const schema = [
  c('id', 'utf8'), c('at', 'timestamp_millis'), c('part', 'int32'), c('off', 'int64'), c('score', 'double'),
  c('note', 'utf8', true), c('price', 'double', true), c('vol', 'int64', true), c('raw', 'binary'),
];
/** Larger than the writer's first string buffer, in 2- and 3-byte UTF-8 characters. */
const BIG = `{"text":"${'é€'.repeat(40_000)}"}`;
const row = (i: number): Cell[] => [
  `id-${i}-ü`, 1_766_068_200_000 + i * 37, i % 6 - 3, 2 ** 40 + i, Math.sin(i),
  i % 3 === 0 ? null : `n${i}`, i % 4 === 0 ? null : i / 8, i % 5 === 0 ? null : i * 1000, i === 7 ? '{"bad json' : i === 11 ? BIG : `{"i":${i}}`,
];

test('rows of every column type read back identically across row groups', async () => {
  const file = join(dir, 'rows.parquet');
  const n = 2_345;
  const w = await ParquetFileWriter.open(file, schema, 1_000);
  let refused = 0;
  for (let i = 0; i < n; i++) {
    if (w.tryAppend(row(i))) continue;
    refused++; // the row completes a row group, which is written
    await w.append(row(i));
  }
  assert.equal(refused, 2);
  assert.equal(w.rows, n);
  await w.close();

  const db = await duckdb();
  try {
    const types = await db.all(`SELECT column_name AS c, column_type AS t FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`);
    assert.deepEqual(Object.fromEntries(types.map((r) => [r.c, r.t])), {
      id: 'VARCHAR', at: 'TIMESTAMP', part: 'INTEGER', off: 'BIGINT', score: 'DOUBLE', note: 'VARCHAR', price: 'DOUBLE', vol: 'BIGINT', raw: 'BLOB',
    });
    const rows = await db.all(`SELECT id, epoch_ms("at") AS "at", part, off, score, note, price, vol, decode(raw) AS raw FROM read_parquet('${file}')`);
    assert.equal(rows.length, n);
    rows.forEach((r, i) => assert.deepEqual(Object.values(r), row(i), `row ${i}`));
  } finally {
    db.close();
  }

  const reader = await ParquetReader.openFile(file);
  assert.equal(Number(reader.getRowCount()), n);
  const cursor = reader.getCursor();
  let i = 0;
  for (let r = (await cursor.next()) as Record<string, unknown> | null; r; r = (await cursor.next()) as Record<string, unknown> | null, i++) {
    const want = row(i);
    assert.equal(r.id, want[0]);
    assert.equal((r.at as Date).getTime(), want[1]);
    assert.equal(r.part, want[2]);
    assert.equal(Number(r.off), want[3]);
    assert.equal(r.note ?? null, want[5]);
    assert.equal(r.price ?? null, want[6]);
    assert.equal(String(r.raw), want[8]);
  }
  await reader.close();
  assert.equal(i, n);
});

test('an empty file is valid; a null in a required column is an error naming the column', async () => {
  const empty = join(dir, 'empty.parquet');
  await (await ParquetFileWriter.open(empty, schema)).close();
  const db = await duckdb();
  try {
    assert.deepEqual(await db.all(`SELECT count(*) AS n FROM read_parquet('${empty}')`), [{ n: 0 }]);
  } finally {
    db.close();
  }
  // A number column and a string column, each null in one row of a row group.
  for (const [column, at, name] of [[4, 3, 'score'], [0, 6, 'id']] as const) {
    const w = await ParquetFileWriter.open(join(dir, `bad-${name}.parquet`), schema, 10);
    const bad = row(1);
    bad[column] = null;
    await assert.rejects(async () => {
      for (let i = 0; i < 10; i++) await w.append(i === at ? bad : row(i));
    }, new RegExp(`required column ${name} is null at row ${at}`));
    await w.abort();
  }
});
