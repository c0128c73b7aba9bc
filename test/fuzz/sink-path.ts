// The parse-to-sink path of the speed layer, run in-process on the real actors (parse, sentiment
// with the VADER engine, the bronze sink on a local lake, the store sink on LMDB) wired as
// speed.ts wires them, with fake contexts instead of threads. Then what the sinks wrote is read
// back with clients other than the pipeline's: DuckDB for the Parquet files, a fresh LMDB handle.
import { isUtf8 } from 'node:buffer';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createBronzeSink from '../../src/actors/bronze-sink/actor.js';
import createParse from '../../src/actors/parse/actor.js';
import createSentiment from '../../src/actors/sentiment/actor.js';
import { unpackTexts, type ScoreTask } from '../../src/actors/sentiment/score-task.js';
import { createScorer } from '../../src/actors/sentiment/engines.js';
import createStoreSink from '../../src/actors/store-sink/actor.js';
import type { DeadLetter, InputTopic, ParsedTweet, PriceRow, RawRecord, TweetRow } from '../../src/domain/records.js';
import { LmdbServingStore, } from '../../src/io/store/lmdb-store.js';
import type { StoredPrice, StoredTweet } from '../../src/io/store/serving-store.js';
import type { InstanceRef } from '../../src/runtime/topology.js';
import { metricSum } from '../../src/runtime/metrics.js';
import { fakeContext } from '../helpers/fake-context.js';
import type { duckdb } from '../helpers/duckdb.js';

export interface Input {
  topic: InputTopic;
  partition: number;
  offset: number;
  value: string;
  bytes?: Buffer;
  ingestTs: number;
}

export interface LakeRows {
  tweets: { topic: string; source_offset: number; record_id: string; text: string; user_id: string; created_ms: number }[];
  prices: { symbol: string; source_offset: number; record_id: string; open_price: number; close_price: number; volume: number; trade_ms: number }[];
  dead: { topic: string; source_offset: number; reason: string; detail: string }[];
}

export interface PathResult {
  parseDead: DeadLetter[];
  /** Dead letters the sinks made of rows they refused (bronze's and the store's `dead` outputs). */
  sinkDead: DeadLetter[];
  lake: LakeRows;
  store: { tweets: Map<string, StoredTweet[]>; prices: Map<string, StoredPrice[]> };
  /** cashtag_sink_rows_refused_total over both sinks: rows stored in no form. */
  refused: number;
}

const info = { link: 'test', fromStage: 'test', fromPartition: 0 };
const score = createScorer('vader');

async function make<O, A>(factory: (o: O, self: InstanceRef) => A | Promise<A>, options: O, stage: string) {
  const f = fakeContext(stage, 0);
  const actor = await factory(options, { stage, partition: 0 });
  return { actor, ...f };
}

/** Raw records as a source gives them: bytes decoded leniently, with the UTF-8 check the Kafka hub makes. */
export const toRaw = (i: Input): RawRecord => {
  const r: RawRecord = { topic: i.topic, partition: i.partition, offset: i.offset, key: null, value: i.bytes ? i.bytes.toString() : i.value, ingestTs: i.ingestTs };
  if (i.bytes && !isUtf8(i.bytes)) r.notUtf8 = true;
  return r;
};

/** Run `inputs` (or rows straight into the sinks, for defence-in-depth tests) through the path. */
export async function runPath(db: Awaited<ReturnType<typeof duckdb>>, inputs: Input[], direct: (TweetRow | PriceRow)[] = []): Promise<PathResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cashtag-fuzz-'));
  try {
    const parse = await make(createParse, { pipeline: 'fuzz', allowedLatenessMs: 120_000 }, 'parse');
    await parse.actor.init?.(parse.ctx);
    await parse.actor.handle?.(inputs.map(toRaw), info);
    const tweets = parse.out<ParsedTweet>('tweets');
    const prices = parse.out<PriceRow>('prices');
    const parseDead = parse.out<DeadLetter>('dead');

    const sentiment = await make(createSentiment, { pipeline: 'fuzz', minBatch: 64, maxBatch: 512, lingerMs: 5, maxInFlight: 2, analytics: false }, 'sentiment');
    sentiment.ctx.offload = (async (task: ScoreTask) => Float64Array.from(unpackTexts(task).map(score))) as typeof sentiment.ctx.offload;
    await sentiment.actor.init?.(sentiment.ctx);
    await sentiment.actor.handle?.(tweets, info);
    await sentiment.actor.close?.();
    const rows = [...sentiment.out<TweetRow>('out'), ...direct.filter((r) => r.kind === 'tweet-row')];
    const ticks = [...prices, ...direct.filter((r): r is PriceRow => r.kind === 'price')];

    const storePath = join(dir, 'store');
    const store = await make(createStoreSink, { pipeline: 'fuzz', store: { kind: 'lmdb', path: storePath }, retentionMs: 0, maxRowsPerSymbol: 0, retryBudgetMs: 2_000 }, 'store-sink');
    await store.actor.init?.(store.ctx);
    await store.actor.handle?.([...rows, ...ticks], info);
    await store.actor.close?.();
    const storeDead = store.out<DeadLetter>('dead');

    const bronze = await make(createBronzeSink, { pipeline: 'fuzz', lake: { kind: 'local', root: join(dir, 'lake') }, maxRowsPerFile: 10_000, maxFileAgeMs: 3_600_000 }, 'bronze-sink');
    await bronze.actor.init?.(bronze.ctx);
    await bronze.actor.handle?.([...rows, ...ticks, ...parseDead, ...storeDead], info);
    await bronze.actor.close?.();
    const bronzeDead = bronze.out<DeadLetter>('dead');

    let refused = 0;
    for (const c of [store.ctx, bronze.ctx]) refused += metricSum(await c.metrics.registry.metrics(), 'cashtag_sink_rows_refused_total');
    return { parseDead, sinkDead: [...storeDead, ...bronzeDead], lake: await readLake(db, join(dir, 'lake')), store: await readStore(storePath, rows, ticks), refused };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function hasParquet(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.parquet'));
}

async function readLake(db: Awaited<ReturnType<typeof duckdb>>, root: string): Promise<LakeRows> {
  const table = (name: string) => join(root, 'twitter-bronze', name);
  const read = async <T>(name: string, select: string): Promise<T[]> =>
    hasParquet(table(name)) ? ((await db.all(`SELECT ${select} FROM read_parquet('${table(name)}/*/*.parquet', hive_partitioning = true)`)) as T[]) : [];
  return {
    tweets: await read('tweets_v2', 'topic, source_offset, record_id, text, user_id, epoch_ms(created_at) AS created_ms'),
    prices: await read('stock_prices', 'symbol, source_offset, record_id, open_price, close_price, volume, epoch_ms(trade_timestamp) AS trade_ms'),
    dead: await read('dead_letters', 'topic, source_offset, reason, detail'),
  };
}

async function readStore(path: string, rows: TweetRow[], ticks: PriceRow[]) {
  const s = new LmdbServingStore(path);
  try {
    const tweets = new Map<string, StoredTweet[]>();
    const prices = new Map<string, StoredPrice[]>();
    for (const sym of new Set(rows.map((r) => r.topic))) if (sym.length < 100) tweets.set(sym, await s.latestTweets(sym, { limit: 1_000_000 }));
    for (const sym of new Set(ticks.map((r) => r.symbol))) if (sym.length < 100) prices.set(sym, await s.latestPrices(sym, { limit: 1_000_000 }));
    return { tweets, prices };
  } finally {
    await s.close();
  }
}
