// The batch layer's columnar Parquet codec: what it writes, DuckDB and parquetjs read back as
// written (nulls, TIMESTAMP_MILLIS, UTF-8, pages stored as snappy literals and compressed ones),
// and what it reads equals what parquetjs's own writer wrote (v2 pages, as bronze has them).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ParquetReader, ParquetWriter } from '@dsnp/parquetjs';
import { tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { parquetjsSchema } from '../helpers/parquetjs-schema.js';
import { concatColumns, readColumns, type Utf8Column } from '../../src/io/parquet/gold-parquet-read.js';
import { encodeParquet } from '../../src/io/parquet/parquet-write.js';
import { duckdb } from '../helpers/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'cashtag-gold-parquet-'));

function utf8(strings: string[]): Utf8Column {
  const bytes = strings.map((s) => Buffer.from(s, 'utf8'));
  const offsets = new Int32Array(strings.length + 1);
  bytes.forEach((b, i) => (offsets[i + 1] = offsets[i] + b.length));
  return { offsets, data: new Uint8Array(Buffer.concat(bytes)) };
}

test('written columns read back identically in DuckDB and parquetjs, across row groups', async () => {
  const n = 50_000;
  // Pseudo-random hex ids are incompressible (literal pages); timestamps compress well.
  let seed = 7;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const ids = Array.from({ length: n }, (_, i) => `${Math.floor(rand() * 2 ** 48).toString(16).padStart(12, '0')}-${i}-é`);
  const ts = Float64Array.from({ length: n }, (_, i) => Date.parse('2025-12-18T14:30:00Z') + i * 1000);
  const xs = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? NaN : rand() * 2 - 1));
  const file = join(dir, 'cols.parquet');
  writeFileSync(file, await encodeParquet([
    { name: 'id', type: 'utf8', values: utf8(ids) },
    { name: 'name', type: 'utf8', optional: true, values: ids.map((s, i) => (i % 5 === 0 ? null : s)) },
    { name: 'stamp', type: 'timestamp_millis', values: ts },
    { name: 'n', type: 'int64', values: Float64Array.from({ length: n }, (_, i) => i - 3) },
    { name: 'x', type: 'double', optional: true, values: xs },
  ], 20_000));

  const db = await duckdb();
  try {
    const types = await db.all(`SELECT column_name AS c, column_type AS t FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`);
    assert.deepEqual(Object.fromEntries(types.map((r) => [r.c, r.t])), { id: 'VARCHAR', name: 'VARCHAR', stamp: 'TIMESTAMP', n: 'BIGINT', x: 'DOUBLE' });
    const rows = await db.all(`SELECT id, name, epoch_ms(stamp) AS stamp, n, x FROM read_parquet('${file}')`);
    assert.equal(rows.length, n);
    rows.forEach((r, i) => assert.deepEqual(r, { id: ids[i], name: i % 5 === 0 ? null : ids[i], stamp: ts[i], n: i - 3, x: Number.isNaN(xs[i]) ? null : xs[i] }, `row ${i}`));
  } finally {
    db.close();
  }

  const reader = await ParquetReader.openFile(file);
  const cursor = reader.getCursor();
  for (let i = 0, r = (await cursor.next()) as Record<string, unknown>; r; i++, r = (await cursor.next()) as Record<string, unknown>) {
    assert.equal(r.id, ids[i]);
    assert.equal((r.stamp as Date).getTime(), ts[i]);
    assert.equal(r.x ?? null, Number.isNaN(xs[i]) ? null : xs[i]);
  }
  await reader.close();

  // Optional columns take parquetjs's general decoder: nulls become NaN and empty strings.
  const back = await readColumns(readFileSync(file), ['x', 'name', 'n']);
  assert.deepEqual([...(back.columns.x as Float64Array)], [...xs]);
  assert.deepEqual([...(back.columns.n as Float64Array)], Array.from({ length: n }, (_, i) => i - 3));
  const names = back.columns.name as Utf8Column;
  for (const i of [0, 1, 5, 49_999]) assert.equal(Buffer.from(names.data.subarray(names.offsets[i], names.offsets[i + 1])).toString('utf8'), i % 5 === 0 ? '' : ids[i]);
});

test('bronze written by parquetjs (v2 pages) reads back column by column', async () => {
  const file = join(dir, 'bronze.parquet');
  const w = await ParquetWriter.openFile(parquetjsSchema(tweetsTable.columns), file, { rowGroupSize: 300 });
  const rows = Array.from({ length: 1000 }, (_, i) => ({
    record_id: `id-${i}`, created_at: new Date(1_700_000_000_000 + i), ingest_timestamp: new Date(1_700_000_000_000), text: 't', user_id: 'u',
    sentiment_score: i / 1000 - 0.5, source_partition: 2, source_offset: i,
  }));
  for (const r of rows) await w.appendRow(r);
  await w.close();
  const { readFile } = await import('node:fs/promises');
  const batch = await readColumns(await readFile(file), ['record_id', 'created_at', 'sentiment_score', 'source_partition', 'source_offset']);
  assert.equal(batch.rows, 1000);
  const ids = batch.columns.record_id as Utf8Column;
  const decoded = Array.from({ length: 1000 }, (_, i) => Buffer.from(ids.data.subarray(ids.offsets[i], ids.offsets[i + 1])).toString('utf8'));
  assert.deepEqual(decoded, rows.map((r) => r.record_id));
  assert.deepEqual([...(batch.columns.created_at as Float64Array)], rows.map((r) => r.created_at.getTime()));
  assert.deepEqual([...(batch.columns.sentiment_score as Float64Array)], rows.map((r) => r.sentiment_score));
  assert.deepEqual([...(batch.columns.source_offset as Float64Array)], rows.map((r) => r.source_offset));
  assert.ok((batch.columns.source_partition as Float64Array).every((p) => p === 2));
  const both = concatColumns([ids, ids]) as Utf8Column;
  assert.equal(both.offsets.length, 2001);
  assert.equal(Buffer.from(both.data.subarray(both.offsets[1000], both.offsets[1001])).toString(), 'id-0');
  await assert.rejects(readColumns(await readFile(file), ['nope']), /column nope is missing/);
});
