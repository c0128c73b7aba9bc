// Dictionary encoding in cashtag's Parquet encoder: a column whose dictionary at least halves its
// PLAIN bytes is written as a PLAIN dictionary page and RLE_DICTIONARY indices, any other
// column as PLAIN; both read back identically by DuckDB, parquetjs and the batch layer's fast
// reader (readColumns), and the same rows give the same bytes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ParquetReader } from '@dsnp/parquetjs';
import { readColumns, type Utf8Column } from '../../src/io/parquet/gold-parquet-read.js';
import { column as c } from '../../src/io/parquet/lake-table.js';
import { ParquetFileWriter, type Cell } from '../../src/io/parquet/parquet-file-writer.js';
import { duckdb } from '../helpers/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'cashtag-dictionary-'));
const TEXTS = ['$AAPL to the moon 🚀', 'meh. $AAPL flat again', 'Why is $AAPL down?? 😡', 'é€'.repeat(50)];
const schema = [
  c('id', 'utf8'), c('text', 'utf8'), c('one', 'utf8'), c('at', 'timestamp_millis'), c('part', 'int32'),
  c('off', 'int64'), c('score', 'double'), c('maybe', 'utf8', true), c('vol', 'int64', true),
];
// 300 distinct scores and 3 texts: dictionaries of several bit widths (1, 2, 9 bits).
const row = (i: number): Cell[] => [
  `t${i % 4}-${i}`, TEXTS[(i * 7) % TEXTS.length], 'NONE', 1_766_068_200_000 + Math.floor(i / 3) * 1000, i % 4,
  i, Math.round(Math.sin(i) * 150) / 150, i % 5 === 0 ? null : TEXTS[i % 2], i % 7 === 0 ? null : (i % 3) * 2 ** 40,
];

async function write(file: string, n: number, rowGroup: number): Promise<void> {
  const w = await ParquetFileWriter.open(file, schema, rowGroup);
  for (let i = 0; i < n; i++) await w.append(row(i));
  await w.close();
}

test('repetitive columns are dictionary-encoded, distinct ones PLAIN, and all read back identically', async () => {
  const file = join(dir, 'dict.parquet');
  const n = 5_000;
  await write(file, n, 2_048);
  const db = await duckdb();
  try {
    const encodings = Object.fromEntries(
      (await db.all(`SELECT path_in_schema AS c, string_agg(DISTINCT encodings, ',') AS e FROM parquet_metadata('${file}') GROUP BY 1`)).map((r) => [r.c, r.e]),
    );
    for (const col of ['text', 'one', 'part', 'score', 'maybe', 'vol']) assert.match(String(encodings[col]), /RLE_DICTIONARY/, col);
    for (const col of ['id', 'off']) assert.doesNotMatch(String(encodings[col]), /DICTIONARY/, col);
    const rows = await db.all(`SELECT id, text, one, epoch_ms("at") AS "at", part, off, score, maybe, vol FROM read_parquet('${file}')`);
    assert.equal(rows.length, n);
    rows.forEach((r, i) => assert.deepEqual(Object.values(r), row(i), `row ${i}`));
  } finally {
    db.close();
  }

  const reader = await ParquetReader.openFile(file);
  const cursor = reader.getCursor();
  let i = 0;
  for (let r = (await cursor.next()) as Record<string, unknown> | null; r; r = (await cursor.next()) as Record<string, unknown> | null, i++) {
    const want = row(i);
    assert.deepEqual([r.id, r.text, r.one, (r.at as Date).getTime(), r.part, Number(r.off), r.score, r.maybe ?? null], [...want.slice(0, 8)], `row ${i}`);
  }
  await reader.close();
  assert.equal(i, n);

  // The batch layer's reader: required columns on its fast path, dictionary pages included.
  const { rows, columns } = await readColumns(readFileSync(file), ['id', 'text', 'one', 'at', 'part', 'off', 'score']);
  assert.equal(rows, n);
  const text = (u: Utf8Column, k: number) => Buffer.from(u.data.subarray(u.offsets[k], u.offsets[k + 1])).toString('utf8');
  for (let k = 0; k < n; k++) {
    const want = row(k);
    const got = [text(columns.id as Utf8Column, k), text(columns.text as Utf8Column, k), text(columns.one as Utf8Column, k), ...['at', 'part', 'off', 'score'].map((name) => (columns[name] as Float64Array)[k])];
    assert.deepEqual(got, [...want.slice(0, 7)], `row ${k}`);
  }
});

test('the same rows give the same bytes', async () => {
  await write(join(dir, 'a.parquet'), 3_000, 1_000);
  await write(join(dir, 'b.parquet'), 3_000, 1_000);
  assert.ok(readFileSync(join(dir, 'a.parquet')).equals(readFileSync(join(dir, 'b.parquet'))));
});

test('dictionary keys tell -0 from 0 and keep negative and large INT64 values exact', async () => {
  const file = join(dir, 'signs.parquet');
  const doubles = [0, -0, 1.5, -1.5, Number.MIN_VALUE, -Number.MIN_VALUE];
  const ints = [-(2 ** 40), 2 ** 40, -1, 0, 2 ** 60, -(2 ** 60), Number.MAX_SAFE_INTEGER];
  const n = 4_000;
  const w = await ParquetFileWriter.open(file, [c('d', 'double'), c('i', 'int64'), c('t', 'timestamp_millis'), c('k', 'int32')], 8_192);
  const cells = (k: number): Cell[] => [doubles[k % doubles.length], ints[k % ints.length], k % 3 === 0 ? -86_400_000 : 1_766_068_200_000, (k % 5) - 2 ** 31];
  for (let k = 0; k < n; k++) await w.append(cells(k));
  await w.close();
  const { columns } = await readColumns(readFileSync(file), ['d', 'i', 't', 'k']);
  for (let k = 0; k < n; k++) {
    const want = cells(k);
    ['d', 'i', 't', 'k'].forEach((name, j) => assert.ok(Object.is((columns[name] as Float64Array)[k], want[j]), `${name} row ${k}: ${(columns[name] as Float64Array)[k]} vs ${want[j]}`));
  }
  const db = await duckdb();
  try {
    const encodings = await db.all(`SELECT DISTINCT encodings AS e FROM parquet_metadata('${file}')`);
    assert.ok(encodings.every((r) => String(r.e).includes('RLE_DICTIONARY')), JSON.stringify(encodings));
    const rows = await db.all(`SELECT d, signbit(d) AS neg, i, epoch_ms(t) AS t, k FROM read_parquet('${file}') LIMIT 42`);
    rows.forEach((r, k) => {
      const want = cells(k);
      const d = want[0] as number;
      assert.deepEqual([r.d, r.neg, r.i, r.t, r.k], [d, d < 0 || Object.is(d, -0), ...want.slice(1)], `row ${k}`);
    });
  } finally {
    db.close();
  }
});
