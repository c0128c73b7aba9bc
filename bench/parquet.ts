// `make bench-parquet`: the bronze tweets_v2 rows of a 300,000-tweet embedded run, written again
// file by file (the same files and row order as the speed layer's sink) by each candidate
// Parquet writer: cashtag's own encoder (ParquetFileWriter, what the lake sinks use), parquet-wasm
// (Rust's parquet crate, given apache-arrow tables), hyparquet-writer, and @dsnp/parquetjs's
// ParquetWriter; all with snappy and row groups of 8,192 as the sink writes them. Per writer:
// bytes per row, rows/s and CPU seconds (medians of BENCH_ROUNDS alternating rounds), and
// whether DuckDB and pyarrow read every row back with the same values and typed columns.
//
// The source lake is generated once (`cashtag run --events 300000 --rate 0 --analytics off`)
// into BENCH_LAKE_DIR (default data/bench-parquet-lake, git-ignored) and read with DuckDB, so
// the rows do not depend on which writer wrote it. pyarrow is looked for in BENCH_PYTHON
// (default python3); without it that column says so.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ParquetSchema, ParquetWriter } from '@dsnp/parquetjs';
import { Field, Float64, Int32, Int64, Schema, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import * as wasm from 'parquet-wasm/node';
import { tweetsTable } from '../src/io/parquet/bronze-schemas.js';
import { ParquetFileWriter, type Cell } from '../src/io/parquet/parquet-file-writer.js';
import { benchFlags } from './flags.js';
import { generateLakeOnce, projectRoot } from './lake.js';
import { median } from './stats.js';

benchFlags('make bench-parquet: bronze tweets_v2 rows written by cashtag\'s encoder, parquet-wasm, hyparquet-writer and @dsnp/parquetjs: bytes per row, rows/s, CPU, and read-back by DuckDB and pyarrow.', {}, {
  BENCH_LAKE_DIR: 'where the source lake is generated once and reused (default data/bench-parquet-lake)',
  BENCH_EVENTS: 'tweets in that lake (default 300000)',
  BENCH_ROUNDS: 'alternating rounds (default 5)',
  BENCH_PYTHON: 'a python with pyarrow, for the read-back check (default python3)',
});

const dataDir = path.resolve(projectRoot, process.env.BENCH_LAKE_DIR ?? 'data/bench-parquet-lake');
const source = path.join(dataDir, 'lake', 'twitter-bronze', 'tweets_v2');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PYTHON = process.env.BENCH_PYTHON ?? 'python3';
const ROW_GROUP = 8192;
const COLUMNS = tweetsTable.columns;

type Rows = Cell[][];
/** One source file: its path under tweets_v2 and its rows in file order (tweetsTable's column order). */
interface SourceFile {
  rel: string;
  rows: Rows;
}

function parquetFiles(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    return e.isDirectory() ? parquetFiles(dir, r) : e.name.endsWith('.parquet') ? [r] : [];
  }).sort();
}

const NAMES = COLUMNS.map((c) => c.name).join(', ');
const AS_CELLS = COLUMNS.map((c) => (c.type === 'timestamp_millis' ? `epoch_ms(${c.name})::DOUBLE` : c.type === 'utf8' ? c.name : `${c.name}::DOUBLE`)).join(', ');

async function readSource(db: DuckDBConnection): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  for (const rel of parquetFiles(source)) {
    const reader = await db.runAndReadAll(`SELECT ${AS_CELLS} FROM read_parquet('${path.join(source, rel)}')`);
    out.push({ rel, rows: reader.getRows().map((r) => r.map((v) => (typeof v === 'number' || typeof v === 'string' || v === null ? v : Number(v)))) });
  }
  return out;
}

type Writer = (rows: Rows, file: string) => Promise<void>;

const cashtag: Writer = async (rows, file) => {
  const w = await ParquetFileWriter.open(file, COLUMNS, ROW_GROUP);
  for (const r of rows) await w.append(r);
  await w.close();
};

const column = <T>(rows: Rows, i: number, f: (v: Cell) => T): T[] => rows.map((r) => f(r[i]));

const parquetWasm: Writer = async (rows, file) => {
  const fields = COLUMNS.map((c) => new Field(c.name, c.type === 'utf8' ? new Utf8() : c.type === 'timestamp_millis' ? new TimestampMillisecond() : c.type === 'int32' ? new Int32() : c.type === 'int64' ? new Int64() : new Float64(), false));
  const vectors = Object.fromEntries(COLUMNS.map((c, i) => {
    const type = fields[i].type;
    const values = c.type === 'int64' ? column(rows, i, (v) => BigInt(v as number)) : column(rows, i, (v) => v);
    return [c.name, vectorFromArray(values, type)];
  }));
  const table = new Table(new Schema(fields), vectors);
  const props = new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.SNAPPY).setMaxRowGroupSize(ROW_GROUP).setCreatedBy('cashtag bench').build();
  const t = wasm.Table.fromIPCStream(tableToIPC(table, 'stream'));
  writeFileSync(file, wasm.writeParquet(t, props));
};

const hyparquet: Writer = async (rows, file) => {
  const columnData = COLUMNS.map((c, i) => {
    const base = { name: c.name, nullable: false };
    if (c.type === 'utf8') return { ...base, type: 'STRING' as const, data: column(rows, i, (v) => v as string) };
    if (c.type === 'timestamp_millis') return { ...base, type: 'TIMESTAMP' as const, data: column(rows, i, (v) => new Date(v as number)) };
    if (c.type === 'int32') return { ...base, type: 'INT32' as const, data: Int32Array.from(column(rows, i, (v) => v as number)) };
    if (c.type === 'int64') return { ...base, type: 'INT64' as const, data: BigInt64Array.from(column(rows, i, (v) => BigInt(v as number))) };
    return { ...base, type: 'DOUBLE' as const, data: Float64Array.from(column(rows, i, (v) => v as number)) };
  });
  writeFileSync(file, new Uint8Array(parquetWriteBuffer({ columnData, codec: 'SNAPPY', rowGroupSize: ROW_GROUP, createdBy: 'cashtag bench' })));
};

const PARQUETJS_TYPE = { utf8: 'UTF8', timestamp_millis: 'TIMESTAMP_MILLIS', int32: 'INT32', int64: 'INT64', double: 'DOUBLE', binary: 'BYTE_ARRAY' } as const;
const parquetjsSchema = new ParquetSchema(Object.fromEntries(COLUMNS.map((c) => [c.name, { type: PARQUETJS_TYPE[c.type], compression: 'SNAPPY' as const }])));
const parquetjs: Writer = async (rows, file) => {
  const w = await ParquetWriter.openFile(parquetjsSchema, file, { rowGroupSize: ROW_GROUP });
  for (const r of rows) await w.appendRow(Object.fromEntries(COLUMNS.map((c, i) => [c.name, c.type === 'timestamp_millis' ? new Date(r[i] as number) : r[i]])));
  await w.close();
};

const WRITERS: [string, Writer][] = [['cashtag encoder', cashtag], ['parquet-wasm', parquetWasm], ['hyparquet-writer', hyparquet], ['@dsnp/parquetjs', parquetjs]];

async function writeAll(w: Writer, files: SourceFile[], out: string): Promise<void> {
  for (const f of files) {
    mkdirSync(path.dirname(path.join(out, f.rel)), { recursive: true });
    await w(f.rows, path.join(out, f.rel));
  }
}

const bytesUnder = (dir: string) => parquetFiles(dir).reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);

/** Every source row is in `out` once with the same values, and the columns have their types. */
async function duckdbReadsBack(db: DuckDBConnection, out: string): Promise<string> {
  const glob = (d: string) => `read_parquet('${d}/**/*.parquet', hive_partitioning = true)`;
  const q = async (sql: string) => (await db.runAndReadAll(sql)).getRows();
  const [[missing]] = await q(`SELECT count(*) FROM (SELECT topic, ${NAMES} FROM ${glob(source)} EXCEPT ALL SELECT topic, ${NAMES} FROM ${glob(out)})`);
  const [[extra]] = await q(`SELECT count(*) FROM (SELECT topic, ${NAMES} FROM ${glob(out)} EXCEPT ALL SELECT topic, ${NAMES} FROM ${glob(source)})`);
  const types = (await q(`SELECT column_name, column_type FROM (DESCRIBE SELECT ${NAMES} FROM ${glob(out)})`)).map(([n, t]) => `${String(n)}:${String(t)}`).join(' ');
  const want = 'record_id:VARCHAR created_at:TIMESTAMP ingest_timestamp:TIMESTAMP text:VARCHAR user_id:VARCHAR sentiment_score:DOUBLE source_partition:INTEGER source_offset:BIGINT';
  if (Number(missing) !== 0 || Number(extra) !== 0) return `NO (${String(missing)} missing, ${String(extra)} extra)`;
  return types === want ? 'yes' : `NO (types ${types})`;
}

const PYARROW = `
import sys, pyarrow.dataset as ds
t = ds.dataset(sys.argv[1], format='parquet', partitioning='hive').to_table()
print(t.num_rows, ' '.join(f'{f.name}:{f.type}' for f in t.schema if f.name != 'topic'))
`;
const PYARROW_TYPES = 'record_id:string created_at:timestamp[ms] ingest_timestamp:timestamp[ms] text:string user_id:string sentiment_score:double source_partition:int32 source_offset:int64';

function pyarrowReadsBack(out: string, rows: number): string {
  const r = spawnSync(PYTHON, ['-c', PYARROW, out], { encoding: 'utf8' });
  if (r.status !== 0) return /No module named 'pyarrow'|ENOENT/.test(`${r.stderr}${String(r.error)}`) ? 'no pyarrow' : `NO (${r.stderr.trim().split('\n').at(-1)})`;
  const [n, ...types] = r.stdout.trim().split(' ');
  if (Number(n) !== rows) return `NO (${n} rows)`;
  // Spark-style readers may see timestamps as tz-aware: the unit is what matters here.
  return types.join(' ').replace(/timestamp\[ms, tz=[^\]]+\]/g, 'timestamp[ms]') === PYARROW_TYPES ? 'yes' : `NO (types ${types.join(' ')})`;
}

generateLakeOnce({ name: 'source', dataDir, ready: source, events: EVENTS, extraArgs: ['--analytics', 'off', '--serve', 'off'] });
const db = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
const files = await readSource(db);
const rows = files.reduce((n, f) => n + f.rows.length, 0);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'cashtag-bench-parquet-'));
console.log(`${rows} bronze tweet rows in ${files.length} files (${source}); ${ROUNDS} alternating rounds; ${os.availableParallelism()} CPUs, load ${os.loadavg()[0].toFixed(2)}`);
const results = new Map<string, { wallMs: number[]; cpuMs: number[]; bytes: number }>();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, w] of round % 2 ? [...WRITERS].reverse() : WRITERS) {
      const out = path.join(scratch, name.replace(/\W+/g, '-'));
      rmSync(out, { recursive: true, force: true });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await writeAll(w, files, out);
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const r = results.get(name) ?? { wallMs: [], cpuMs: [], bytes: 0 };
      r.wallMs.push(wallMs);
      r.cpuMs.push((cpu.user + cpu.system) / 1000);
      r.bytes = bytesUnder(out);
      results.set(name, r);
    }
  }
  console.log(`${'writer'.padEnd(18)} ${'bytes/row'.padStart(9)} ${'rows/s'.padStart(9)} ${'CPU s'.padStart(6)}  DuckDB reads back  pyarrow reads back`);
  for (const [name] of WRITERS) {
    const r = results.get(name)!;
    const out = path.join(scratch, name.replace(/\W+/g, '-'));
    const duck = await duckdbReadsBack(db, out);
    const arrow = pyarrowReadsBack(out, rows);
    console.log(`${name.padEnd(18)} ${(r.bytes / rows).toFixed(2).padStart(9)} ${Math.round(rows / (median(r.wallMs) / 1000)).toLocaleString('en').padStart(9)} ${(median(r.cpuMs) / 1000).toFixed(2).padStart(6)}  ${duck.padEnd(17)}  ${arrow}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
