// Load one lake partition's whole bronze history as Arrow tables: every snapshotted file of the
// symbol's tweets_v2 and stock_prices, the columns the reports need, concatenated into one table
// per input. Record ids stay UTF-8 bytes (Arrow Utf8 layout) from the Parquet page to the gold
// file: they are compared bytewise and copied, never decoded into JS strings.
import { makeData, makeVector, Table, Utf8, type Float64 } from 'apache-arrow';
import type { Lake } from '../../io/lake/lake.js';
import { concatColumns, readColumns, type ColumnValues, type Utf8Column } from '../../io/parquet/gold-parquet-read.js';
import { BatchTaskError, type PartitionTask } from './protocol.js';
import type { PriceColumns, TweetColumns } from './reports.js';

const TWEET_COLUMNS = ['record_id', 'created_at', 'ingest_timestamp', 'sentiment_score'] as const;
const PRICE_COLUMNS = ['record_id', 'trade_timestamp', 'close_price'] as const;

async function readTable(lake: Lake, bucket: string, symbol: string, keys: string[], names: readonly string[]): Promise<Table> {
  const parts: Record<string, ColumnValues[]> = Object.fromEntries(names.map((n) => [n, []]));
  let rows = 0;
  for (const key of keys) {
    const bytes = await lake.read(bucket, key);
    if (bytes === null) throw new BatchTaskError(symbol, 'external', `bronze file ${bucket}/${key} vanished during the run`);
    const batch = await readColumns(bytes, names);
    for (const n of names) parts[n].push(batch.columns[n]);
    rows += batch.rows;
  }
  const vectors = Object.fromEntries(
    names.map((n) => {
      const c = concatColumns(parts[n].length > 0 ? parts[n] : [n === 'record_id' ? { offsets: new Int32Array(1), data: new Uint8Array(0) } : new Float64Array(0)]);
      if (c instanceof Float64Array) return [n, makeVector(c)];
      return [n, makeVector(makeData({ type: new Utf8(), length: rows, nullCount: 0, valueOffsets: c.offsets, data: c.data }))];
    }),
  );
  return new Table(vectors);
}

function numbers(t: Table, name: string): Float64Array {
  const v = t.getChild(name);
  if (!v) throw new Error(`column ${name} missing`);
  return (v as unknown as { toArray(): Float64Array; type: Float64 }).toArray();
}

function utf8(t: Table, name: string): Utf8Column {
  const v = t.getChild(name);
  if (!v || v.data.length !== 1) throw new Error(`column ${name} missing`);
  const d = v.data[0];
  return { offsets: d.valueOffsets as Int32Array, data: d.values as Uint8Array };
}

export async function loadPartition(lake: Lake, task: PartitionTask): Promise<{ tweets: TweetColumns; prices: PriceColumns }> {
  const t = await readTable(lake, task.buckets.bronze, task.symbol, task.tweetKeys, TWEET_COLUMNS);
  const p = await readTable(lake, task.buckets.bronze, task.symbol, task.priceKeys, PRICE_COLUMNS);
  return {
    tweets: { recordId: utf8(t, 'record_id'), createdAt: numbers(t, 'created_at'), ingestTs: numbers(t, 'ingest_timestamp'), score: numbers(t, 'sentiment_score') },
    prices: { recordId: utf8(p, 'record_id'), tradeTs: numbers(p, 'trade_timestamp'), close: numbers(p, 'close_price') },
  };
}
