// Reading a JSONL or CSV file of tweets or price ticks as the seed's payloads: the one reader of
// `cashtag run --file/--prices-file` (the file source actor) and `cashtag produce --file`, so
// both see the same records in the same order. CSV is parsed by csv-parse (RFC 4180: quoted
// fields may hold commas, quotes and line breaks), streaming, so a file of any size is read in
// bounded memory. Which column is which field is decided once, from the header, by
// domain/file-shapes.ts.
//
// Guarantees: record i of the file (the i-th non-empty JSONL line, or the i-th CSV row after the
// header; blank lines are not records) is the i-th record read, every time, whatever its content:
// a row that cannot be mapped is still a record, carrying the reason as `problem`, so offsets are
// stable and a replay from offset n reads what the first run read from n.

import { createReadStream } from 'node:fs';
import { access, constants, open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { parse, type CsvError, type Info } from 'csv-parse';
import { mapRow, resolveMapping, type ColumnMapping, type PayloadField } from '../../domain/file-shapes.js';
import { TWEETS_TOPIC, type InputTopic } from '../../domain/records.js';

/** A file that cannot be replayed at all (missing, unreadable, of no known shape): a setting's fault. */
export class FileInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileInputError';
  }
}

export interface FileSpec {
  path: string;
  topic: InputTopic;
  /** The mapping given on the command line (field -> column); empty: detect from the header. */
  columns: Partial<Record<PayloadField, string>>;
  /** Prices without a symbol column: the symbol of every tick (else taken from the file name). */
  symbol: string | null;
  /** The setting that named the file, for messages: `TWEETS_FILE (--file)`. */
  setting: string;
}

/** A file ready to read: its format and its mapping (null: JSONL in the seed's shape, passed verbatim). */
export interface ResolvedFile {
  path: string;
  topic: InputTopic;
  format: 'csv' | 'jsonl';
  mapping: ColumnMapping | null;
  /** `seed`, `kaggle-stock-tweets`, `yahoo-finance` or `custom`. */
  shape: string;
}

export interface FileRecord {
  /** The payload JSON (or, for a row that could not be mapped, the row as read). */
  value: string;
  key: string | null;
  /** Why the row could not be mapped to a payload (it is a dead letter), else null. */
  problem: string | null;
}

/** Format, header and mapping of `spec`'s file, or a FileInputError naming the setting. */
export async function inspectFile(spec: FileSpec): Promise<ResolvedFile> {
  try {
    await access(spec.path, constants.R_OK);
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : String(e);
    throw new FileInputError(`${spec.setting} = ${JSON.stringify(spec.path)}: expected a readable JSONL or CSV file (${code})`);
  }
  const format = await formatOf(spec.path);
  if (format === 'json-array') {
    // One document, not a stream of records: reading it line by line would dead-letter every line.
    throw new FileInputError(`${spec.setting} = ${JSON.stringify(spec.path)}: a JSON array; expected JSON Lines (one object per line) or CSV. Convert it with: jq -c '.[]' ${JSON.stringify(spec.path)} > records.jsonl`);
  }
  const header = format === 'csv' ? await csvHeader(spec.path) : await jsonlKeys(spec.path);
  const fileName = basename(spec.path);
  if (format === 'jsonl' && Object.keys(spec.columns).length === 0) {
    const seedish = spec.topic === TWEETS_TOPIC ? ['created_at', 'text'] : ['trade_timestamp', 'open_price'];
    // The seed's own payloads (or nothing readable to tell): every line goes through as written.
    if (header === null || seedish.every((k) => header.includes(k))) {
      if (spec.topic === TWEETS_TOPIC || header === null || header.includes('symbol')) return { path: spec.path, topic: spec.topic, format, mapping: null, shape: 'seed' };
    }
  }
  const r = resolveMapping(spec.topic, header ?? [], spec.columns, { symbol: spec.symbol, fileName });
  if (!r.ok) throw new FileInputError(`${spec.setting} = ${JSON.stringify(spec.path)}: ${r.problem}`);
  return { path: spec.path, topic: spec.topic, format, mapping: r.mapping, shape: r.mapping.shape };
}

/** Every record of the file, in file order (see the guarantees above). */
export async function* readFileRecords(f: ResolvedFile): AsyncGenerator<FileRecord> {
  if (f.format === 'jsonl') yield* jsonlRecords(f);
  else yield* csvRecords(f);
}

async function* jsonlRecords(f: ResolvedFile): AsyncGenerator<FileRecord> {
  const input = createReadStream(f.path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    yield* jsonlLines(f, lines);
  } finally {
    // Neither closing readline nor leaving its loop closes the file: a reader returned early
    // (a restarted source, a stopped producer) would keep its descriptor open.
    lines.close();
    input.destroy();
  }
}

async function* jsonlLines(f: ResolvedFile, lines: AsyncIterable<string>): AsyncGenerator<FileRecord> {
  for await (const line of lines) {
    if (line.trim() === '') continue;
    if (f.mapping === null) {
      yield { value: line, key: keyOfJson(f.topic, line), problem: null };
      continue;
    }
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      yield { value: line, key: null, problem: null }; // parse dead-letters it as not_json
      continue;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      yield { value: line, key: null, problem: null }; // not_an_object
      continue;
    }
    yield mapped(f.mapping, o as Record<string, unknown>, line);
  }
}

async function* csvRecords(f: ResolvedFile): AsyncGenerator<FileRecord> {
  const m = f.mapping!;
  /** Rows csv-parse could not read, with the count of records read before each (to keep file order). */
  const skipped: { after: number; raw: string; detail: string }[] = [];
  const input = createReadStream(f.path);
  const parser = input.pipe(
    parse({
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      info: true,
      raw: true,
      skip_records_with_error: true,
      on_skip: (e: CsvError | undefined, raw: string | undefined) => {
        skipped.push({ after: (e as (CsvError & { records?: number }) | undefined)?.records ?? Number.MAX_SAFE_INTEGER, raw: raw ?? '', detail: `CSV: ${e?.message ?? 'unreadable row'}` });
        return undefined;
      },
    }),
  );
  const unreadable = function* (before: number): Generator<FileRecord> {
    while (skipped.length > 0 && skipped[0].after < before) {
      const s = skipped.shift()!;
      yield { value: s.raw, key: null, problem: s.detail };
    }
  };
  let header: string[] | null = null;
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; info: Info; raw: string }>) {
      yield* unreadable(r.info.records);
      if (header === null) {
        header = r.record;
        continue;
      }
      if (r.record.length !== header.length) {
        yield { value: r.raw, key: null, problem: `CSV row has ${r.record.length} fields, the header ${header.length} (line ${r.info.lines})` };
        continue;
      }
      const row: Record<string, string> = {};
      for (let i = 0; i < header.length; i++) row[header[i]] = r.record[i];
      yield mapped(m, row, r.raw);
    }
    yield* unreadable(Number.MAX_SAFE_INTEGER);
  } finally {
    // pipe() does not close its source when the parser stops early: close the file here.
    input.destroy();
  }
}

function mapped(m: ColumnMapping, row: Record<string, unknown>, raw: string): FileRecord {
  const r = mapRow(m, row);
  return r.ok ? { value: JSON.stringify(r.payload), key: r.key, problem: null } : { value: raw, key: null, problem: r.detail };
}

function keyOfJson(topic: InputTopic, line: string): string | null {
  try {
    const o = JSON.parse(line) as unknown;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
    const v = mapRowKey(topic, o as Record<string, unknown>);
    return v;
  } catch {
    return null; // malformed: the pipeline dead-letters it
  }
}

const mapRowKey = (topic: InputTopic, o: Record<string, unknown>): string | null => {
  const r = mapRow({ topic, shape: 'seed', columns: topic === TWEETS_TOPIC ? { text: 'text', symbol: 'symbol' } : { symbol: 'symbol' }, symbol: null }, o);
  return r.ok ? r.key : null;
};

/** `.csv` is CSV, `.jsonl`/`.ndjson`/`.json` JSONL (a first `[` is a JSON array); otherwise a first `{` says JSONL. */
async function formatOf(path: string): Promise<'csv' | 'jsonl' | 'json-array'> {
  if (/\.csv$/i.test(path)) return 'csv';
  const fh = await open(path, 'r');
  let start: string;
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4096), 0, 4096, 0);
    start = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  } finally {
    await fh.close();
  }
  if (start.startsWith('[')) return 'json-array';
  if (/\.(jsonl|ndjson|json)$/i.test(path)) return 'jsonl';
  return start.startsWith('{') ? 'jsonl' : 'csv';
}

async function csvHeader(path: string): Promise<string[]> {
  const input = createReadStream(path);
  const parser = input.pipe(parse({ bom: true, skip_empty_lines: true, relax_quotes: true, relax_column_count: true, to: 1 }));
  try {
    for await (const record of parser as AsyncIterable<string[]>) return record;
    return [];
  } finally {
    parser.destroy();
    input.destroy();
  }
}

/** The keys of the first JSON object among the first non-empty lines (null: none is one). */
async function jsonlKeys(path: string): Promise<string[] | null> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let seen = 0;
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      if (++seen > 20) break;
      try {
        const o = JSON.parse(line) as unknown;
        if (typeof o === 'object' && o !== null && !Array.isArray(o)) return Object.keys(o);
      } catch {
        // a malformed line: look at the next one
      }
    }
    return null;
  } finally {
    lines.close();
    input.destroy();
  }
}
