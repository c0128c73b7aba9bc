// The shapes of the files people replay (`cashtag run --file`, `cashtag produce --file`), and how
// one row of them becomes the seed's payload. Pure: the file reader (io/files/record-file.ts)
// hands in the header and the rows; nothing here reads a file.
//
// A file's columns are mapped to the payload's fields in this order, first match wins per field:
//   1. the mapping given (`--columns field=Column,...` / `--price-columns ...`),
//   2. the built-in shape its header is recognised as (below),
//   3. a column named like the field itself (the seed's own names).
// Built-in shapes:
//   - kaggle-stock-tweets: `Date,Tweet,Stock Name,Company Name` (dates `2022-09-29 23:41:16+00:00`);
//     `Stock Name` becomes the tweet's `symbol`, used when its text names no $CASHTAG.
//   - yahoo-finance: `Date,Open,High,Low,Close,Adj Close,Volume` (date-only, no symbol column);
//     the symbol comes from `--symbol`, else from a file name like `AAPL.csv`.
//   - seed: the payloads' own field names (created_at, text, user_id / symbol, trade_timestamp, ...).
// A row that cannot be mapped is not an error of the run: it becomes a dead letter with the reason.

import { extractCashtags, isValidSymbol } from './cashtags.js';
import { PRICES_TOPIC, TWEETS_TOPIC, type InputTopic } from './records.js';

export const TWEET_FIELDS = ['created_at', 'text', 'user_id', 'symbol'] as const;
export const PRICE_FIELDS = ['symbol', 'trade_timestamp', 'open_price', 'close_price', 'volume'] as const;
export type TweetField = (typeof TWEET_FIELDS)[number];
export type PriceField = (typeof PRICE_FIELDS)[number];
export type PayloadField = TweetField | PriceField;

/** Fields a row must supply (a tweet's user_id defaults to "", its symbol to none). */
const REQUIRED: Record<InputTopic, readonly PayloadField[]> = {
  [TWEETS_TOPIC]: ['created_at', 'text'],
  [PRICES_TOPIC]: ['symbol', 'trade_timestamp', 'open_price', 'close_price', 'volume'],
};
const NUMERIC = new Set<PayloadField>(['open_price', 'close_price', 'volume']);

interface BuiltInShape {
  name: string;
  topic: InputTopic;
  /** Columns whose presence (case-insensitive) identifies the shape. */
  signature: string[];
  columns: Partial<Record<PayloadField, string>>;
}

export const BUILT_IN_SHAPES: readonly BuiltInShape[] = [
  { name: 'kaggle-stock-tweets', topic: TWEETS_TOPIC, signature: ['Date', 'Tweet', 'Stock Name'], columns: { created_at: 'Date', text: 'Tweet', symbol: 'Stock Name' } },
  { name: 'yahoo-finance', topic: PRICES_TOPIC, signature: ['Date', 'Open', 'Close', 'Volume'], columns: { trade_timestamp: 'Date', open_price: 'Open', close_price: 'Close', volume: 'Volume' } },
];

/** How a file's rows become payloads: the column of each field, or a constant symbol. */
export interface ColumnMapping {
  topic: InputTopic;
  /** `seed`, a built-in shape's name, or `custom` when --columns named a field. */
  shape: string;
  columns: Partial<Record<PayloadField, string>>;
  /** Prices: the symbol of every row when no column carries it (--symbol or the file name). */
  symbol: string | null;
}

export type Resolved = { ok: true; mapping: ColumnMapping } | { ok: false; problem: string };

/**
 * `field=Column,field=Column` (the --columns forms): field names are the payload's, columns are
 * the file's header names (no commas in them). Returns a problem in words for a bad form.
 */
export function parseColumnsSpec(spec: string, topic: InputTopic): { ok: true; columns: Partial<Record<PayloadField, string>> } | { ok: false; problem: string } {
  const fields: readonly string[] = topic === TWEETS_TOPIC ? TWEET_FIELDS : PRICE_FIELDS;
  const columns: Partial<Record<PayloadField, string>> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const field = eq < 0 ? '' : part.slice(0, eq).trim();
    const column = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!fields.includes(field) || column === '') return { ok: false, problem: `"${part}" is not field=Column with a field among ${fields.join(', ')}` };
    columns[field as PayloadField] = column;
  }
  return { ok: true, columns };
}

/**
 * The symbol a file name like Yahoo's downloads names (`AAPL.csv`, `BRK-B.csv`, `data/brk.b.jsonl`),
 * or null. Only ticker-like names (1-5 letters, a class suffix of 1-2): `prices.csv` is no symbol.
 */
export function symbolFromFileName(name: string): string | null {
  const base = name.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.(csv|jsonl|json|ndjson|txt)$/i, '').toUpperCase();
  const m = /^([A-Z]{1,5})(?:[.-]([A-Z]{1,2}))?$/.exec(stem);
  return m ? (m[2] ? `${m[1]}.${m[2]}` : m[1]) : null;
}

const findColumn = (header: readonly string[], name: string): string | undefined => header.find((h) => h.trim().toLowerCase() === name.toLowerCase());

/**
 * The mapping for a file with this header (CSV header, or the keys of a JSONL file's first
 * object), or the problem in words naming what is missing and the setting that supplies it.
 */
export function resolveMapping(topic: InputTopic, header: readonly string[], given: Partial<Record<PayloadField, string>>, opts: { symbol: string | null; fileName: string }): Resolved {
  const shape = BUILT_IN_SHAPES.find((s) => s.topic === topic && s.signature.every((c) => findColumn(header, c) !== undefined));
  const fields: readonly PayloadField[] = topic === TWEETS_TOPIC ? TWEET_FIELDS : PRICE_FIELDS;
  const columns: Partial<Record<PayloadField, string>> = {};
  const setting = topic === TWEETS_TOPIC ? 'FILE_COLUMNS (--columns)' : 'PRICES_FILE_COLUMNS (--price-columns)';
  for (const f of fields) {
    const wanted = given[f];
    if (wanted !== undefined) {
      const col = findColumn(header, wanted);
      if (col === undefined) return { ok: false, problem: `${setting} maps ${f} to column "${wanted}", which the file does not have (its columns: ${header.join(', ')})` };
      columns[f] = col;
      continue;
    }
    const col = (shape?.columns[f] !== undefined ? findColumn(header, shape.columns[f]) : undefined) ?? findColumn(header, f);
    if (col !== undefined) columns[f] = col;
  }
  let symbol: string | null = null;
  if (topic === PRICES_TOPIC && columns.symbol === undefined) {
    symbol = opts.symbol ?? symbolFromFileName(opts.fileName);
    if (symbol === null) {
      return { ok: false, problem: `the prices file ${opts.fileName} has no symbol column and its name is not a symbol: expected PRICES_SYMBOL (--symbol) like AAPL, a file name like AAPL.csv, or symbol=Column in ${setting}` };
    }
  }
  const missing = REQUIRED[topic].filter((f) => columns[f] === undefined && !(f === 'symbol' && symbol !== null));
  if (missing.length > 0) {
    const example = topic === TWEETS_TOPIC ? 'text=Tweet,created_at=Date' : 'trade_timestamp=Date,open_price=Open,close_price=Close,volume=Volume';
    return {
      ok: false,
      problem: `the ${topic === TWEETS_TOPIC ? 'tweets' : 'prices'} file ${opts.fileName} (columns: ${header.join(', ') || 'none'}) is not a known shape and has no column for ${missing.join(', ')}: expected ${setting} as field=Column pairs like ${example}, or a header with the seed's field names (${REQUIRED[topic].join(', ')})`,
    };
  }
  const named = Object.keys(given).length > 0;
  return { ok: true, mapping: { topic, shape: named ? 'custom' : (shape?.name ?? 'seed'), columns, symbol } };
}

/** One row mapped: the payload, or why it cannot be (a dead letter's detail). */
export type MappedRow = { ok: true; payload: Record<string, unknown>; key: string | null } | { ok: false; detail: string };

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A row (column -> cell; CSV cells are strings, JSONL values anything) as the seed's payload.
 * Cells are passed on as they are, so the parse stage validates them with its usual reasons;
 * only these are rewritten: a date-only time becomes that day's 00:00:00 UTC (a daily bar opens
 * then), a numeric price cell becomes a number, a symbol is trimmed, upper-cased and loses a `$`.
 */
export function mapRow(m: ColumnMapping, row: Readonly<Record<string, unknown>>): MappedRow {
  const payload: Record<string, unknown> = {};
  const fields: readonly PayloadField[] = m.topic === TWEETS_TOPIC ? TWEET_FIELDS : PRICE_FIELDS;
  for (const f of fields) {
    const col = m.columns[f];
    if (col === undefined) continue;
    let v = row[col];
    if (v === undefined || v === '') {
      if (REQUIRED[m.topic].includes(f) && v === undefined) return { ok: false, detail: `column "${col}" (${f}) is missing from this row` };
      continue;
    }
    if (typeof v === 'string') {
      if ((f === 'created_at' || f === 'trade_timestamp') && DATE_ONLY.test(v.trim())) v = `${v.trim()} 00:00:00`;
      else if (NUMERIC.has(f) && NUMBER.test(v.trim())) v = Number(v.trim());
      else if (f === 'symbol') v = v.trim().replace(/^\$/, '').toUpperCase();
    }
    payload[f] = v;
  }
  if (m.topic === TWEETS_TOPIC) {
    if (payload.user_id === undefined) payload.user_id = '';
  } else if (payload.symbol === undefined && m.symbol !== null) payload.symbol = m.symbol;
  return { ok: true, payload, key: keyOfPayload(m.topic, payload) };
}

/** Key by symbol: a tick's `symbol`; a tweet's first cashtag, else its `symbol` (none: null). */
export function keyOfPayload(topic: InputTopic, o: Readonly<Record<string, unknown>>): string | null {
  if (topic === PRICES_TOPIC) return typeof o.symbol === 'string' ? o.symbol : null;
  const tag = typeof o.text === 'string' ? extractCashtags(o.text)[0] : undefined;
  return tag ?? (typeof o.symbol === 'string' && isValidSymbol(o.symbol) ? o.symbol : null);
}
