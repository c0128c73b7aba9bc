// Serving store on Cassandra (stack profile): keyspace `twitter`, tables `tweets` and
// `market_data` (cassandra-schema.ts), written by the speed layer's store sink.
//
// Guarantees: every statement is prepared, token-aware routed and idempotent (an INSERT is an
// upsert of the row's full key, so a replay overwrites instead of duplicating); at most
// `concurrency` statements per store are in flight; a statement that times out or finds no
// replica is retried with jittered backoff, and a failure that outlives the retries names the
// contact points. An upsert resolves once every row is acknowledged at LOCAL_QUORUM, which is
// durable only if the nodes sync their commit log before acknowledging, or the keyspace has
// replicas to spare (cassandra-durability.ts; `durabilityRisk` says when it is not).
//
// Cassandra is the durable store of record: it is bounded by TTL (`ttlSeconds`) and the retention
// cutoff of `expire`, not by a row cap (STORE_MAX_ROWS is the embedded store's: enforcing it here
// would mean counting every symbol's rows on each write).

import { types, type Client } from 'cassandra-driver';
import { servingId, type AlertRow, type PriceRow, type TweetRow, type WindowRow } from '../../domain/records.js';
import { alertParams, analyticsStatements, daysBetween, toStoredAlert, toStoredWindow, windowParams } from './cassandra-analytics.js';
import { cassandraCall, connectCassandra, type CassandraSettings } from './cassandra-client.js';
import { readDurabilityRisk } from './cassandra-durability.js';
import { keyspaceName, MARKET_DATA_TABLE, provisionWith, TWEETS_TABLE } from './cassandra-schema.js';
import type { AnalyticsViews, ServingStore, StoredAlert, StoredPrice, StoredTweet, StoredWindow, TimeRange } from './serving-store.js';

const DEFAULT_LIMIT = 50;
/** Rows per unlogged single-partition batch (Cassandra warns above 5 KiB per batch by default). */
const BATCH_ROWS = 20;
// Cassandra timestamps are int64 milliseconds; JavaScript dates stop at ±8.64e15.
const MAX_DATE_MS = 8.64e15;

export function tweetParams(r: TweetRow): unknown[] {
  return [r.topic, new Date(r.createdAt), types.Uuid.fromString(servingId(r.id)), new Date(r.ingestTs), r.text, r.userId, r.sentimentScore];
}

export function priceParams(r: PriceRow): unknown[] {
  return [r.symbol, new Date(r.tradeTs), types.Uuid.fromString(servingId(r.id)), new Date(r.ingestTs), r.openPrice, r.closePrice, types.Long.fromNumber(r.volume)];
}

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));
const long = (v: unknown): number => (v instanceof types.Long ? v.toNumber() : Number(v));

/** A `tweets` row as the store's readers see it. `sentiment_score` is a CQL float (32 bits). */
export function toStoredTweet(row: Record<string, unknown>): StoredTweet {
  return {
    id: String(row.id),
    topic: String(row.topic),
    created_at: ms(row.created_at),
    ingest_timestamp: ms(row.ingest_timestamp),
    text: String(row.text ?? ''),
    user_id: String(row.user_id ?? ''),
    sentiment_score: Number(row.sentiment_score),
  };
}

export function toStoredPrice(row: Record<string, unknown>): StoredPrice {
  return {
    id: String(row.id),
    symbol: String(row.symbol),
    trade_timestamp: ms(row.trade_timestamp),
    ingest_timestamp: ms(row.ingest_timestamp),
    open_price: Number(row.open_price),
    close_price: Number(row.close_price),
    volume: long(row.volume),
  };
}

/** Run `fn` over `items` with at most `limit` calls in flight; stops starting new ones after a failure. */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}

/** The statements of one keyspace; table and column names come from the schema spec. */
function statements(keyspace: string, ttlSeconds: number) {
  const ks = keyspaceName(keyspace);
  const ttl = ttlSeconds > 0 ? ` USING TTL ${Math.floor(ttlSeconds)}` : '';
  const insert = (t: typeof TWEETS_TABLE) => {
    const cols = Object.keys(t.columns);
    return `INSERT INTO ${ks}.${t.name} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})${ttl}`;
  };
  /** Newest first within a partition; `since` adds a lower bound (inclusive), `until` an upper one (exclusive). */
  const select = (t: typeof TWEETS_TABLE) => (since: boolean, until: boolean) =>
    `SELECT ${Object.keys(t.columns).join(', ')} FROM ${ks}.${t.name} WHERE ${t.partitionKey} = ?${since ? ` AND ${t.clustering[0][0]} >= ?` : ''}${until ? ` AND ${t.clustering[0][0]} < ?` : ''} LIMIT ?`;
  const expire = (t: typeof TWEETS_TABLE) => `DELETE FROM ${ks}.${t.name} WHERE ${t.partitionKey} = ? AND ${t.clustering[0][0]} < ?`;
  const of = (t: typeof TWEETS_TABLE) => ({ table: `${ks}.${t.name}`, insert: insert(t), latest: select(t), expire: expire(t) });
  return { tweets: of(TWEETS_TABLE), prices: of(MARKET_DATA_TABLE), analytics: analyticsStatements(keyspace, ttl) };
}

type Statements = ReturnType<typeof statements>['tweets'];

export class CassandraServingStore implements ServingStore, AnalyticsViews {
  private readonly cql: ReturnType<typeof statements>;
  private closed = false;
  /** The settings writes retry with (`writeAttempts`). */
  private readonly writes: CassandraSettings;

  private constructor(
    private readonly client: Client,
    private readonly settings: CassandraSettings,
  ) {
    this.cql = statements(settings.keyspace, settings.ttlSeconds ?? 0);
    this.writes = { ...settings, attempts: settings.writeAttempts ?? settings.attempts };
  }

  /** Connect (bounded retries), provision the keyspace unless `provision: false`, and open. */
  static async open(settings: CassandraSettings): Promise<CassandraServingStore> {
    statements(settings.keyspace, 0); // reject a bad keyspace name before any network call
    const client = await connectCassandra(settings);
    try {
      if (settings.provision ?? true) await provisionWith(client, settings);
    } catch (e) {
      await client.shutdown();
      throw e;
    }
    return new CassandraServingStore(client, settings);
  }

  async upsertTweets(rows: readonly TweetRow[]): Promise<void> {
    await this.writeAll(this.cql.tweets, rows.map(tweetParams));
    await this.noteSymbols(rows.map((r) => r.topic));
  }

  async upsertWindows(rows: readonly WindowRow[]): Promise<void> {
    const a = this.cql.analytics;
    await forEachLimited(rows, this.concurrency, (w) => this.write('writing sentiment_windows', a.insertWindow, windowParams(w)));
    await this.noteSymbols(rows.map((r) => r.symbol));
  }

  async upsertAlerts(rows: readonly AlertRow[]): Promise<void> {
    await forEachLimited(rows, this.concurrency, (r) => this.write('writing alerts', this.cql.analytics.insertAlert, alertParams(r)));
  }

  async windows(symbol: string, opts: { fromMs: number; toMs: number; limit?: number }): Promise<StoredWindow[]> {
    const clamp = (t: number) => new Date(Math.max(-MAX_DATE_MS, Math.min(t, MAX_DATE_MS)));
    const limit = Math.min(Math.max(1, Math.floor(opts.limit ?? 1_000)), 100_000);
    const rs = await this.call('reading sentiment_windows', this.cql.analytics.windowsRange, [symbol, clamp(opts.fromMs), clamp(opts.toMs), limit], limit);
    return rs.rows.map(toStoredWindow).reverse(); // the table runs newest first; the view oldest first
  }

  async latestWindow(symbol: string): Promise<StoredWindow | null> {
    const rs = await this.call('reading sentiment_windows', this.cql.analytics.latestWindow, [symbol]);
    return rs.rows.length ? toStoredWindow(rs.rows[0]) : null;
  }

  async alerts(opts: { sinceMs: number; limit?: number }): Promise<StoredAlert[]> {
    const limit = Math.min(Math.max(1, Math.floor(opts.limit ?? 100)), 10_000);
    const out: StoredAlert[] = [];
    // One partition per UTC day, newest day first, until the limit is reached (at most 31 days).
    for (const day of daysBetween(Math.max(opts.sinceMs, Date.now() - 31 * 86_400_000), Date.now())) {
      const rs = await this.call('reading alerts', this.cql.analytics.alertsOfDay, [day, new Date(Math.max(-MAX_DATE_MS, opts.sinceMs)), limit - out.length], limit);
      out.push(...rs.rows.map(toStoredAlert));
      if (out.length >= limit) break;
    }
    return out;
  }

  async symbols(): Promise<string[]> {
    const rs = await this.call('reading symbols', this.cql.analytics.symbols, []);
    return rs.rows.map((r) => String(r.symbol)).sort();
  }

  private readonly seenSymbols = new Set<string>();

  private async noteSymbols(symbols: string[]): Promise<void> {
    const fresh = [...new Set(symbols)].filter((s) => !this.seenSymbols.has(s));
    await forEachLimited(fresh, this.concurrency, (s) => this.write('writing symbols', this.cql.analytics.insertSymbol, [s]));
    for (const s of fresh) this.seenSymbols.add(s);
  }

  async upsertPrices(rows: readonly PriceRow[]): Promise<void> {
    await this.writeAll(this.cql.prices, rows.map(priceParams));
    await this.noteSymbols(rows.map((r) => r.symbol));
  }

  async latestTweets(symbol: string, opts: TimeRange = {}): Promise<StoredTweet[]> {
    return (await this.latest(this.cql.tweets, symbol, opts)).map(toStoredTweet);
  }

  async latestPrices(symbol: string, opts: TimeRange = {}): Promise<StoredPrice[]> {
    return (await this.latest(this.cql.prices, symbol, opts)).map(toStoredPrice);
  }

  /**
   * One range tombstone per symbol and table for the rows before `cutoffMs` (rows at the cutoff
   * stay). Returns 0: a range delete does not report how many rows it covered.
   */
  async expire(symbols: Iterable<string>, cutoffMs: number): Promise<number> {
    if (!(cutoffMs > -MAX_DATE_MS)) return 0;
    const cutoff = new Date(Math.min(cutoffMs, MAX_DATE_MS));
    const work = [...symbols].flatMap((s) => [this.cql.tweets.expire, this.cql.prices.expire, this.cql.analytics.expireWindows].map((cql) => [cql, s] as const));
    await forEachLimited(work, this.concurrency, ([cql, symbol]) => this.call('expiring old rows', cql, [symbol, cutoff]));
    return 0;
  }

  /** An acknowledged write is as durable as Cassandra makes it: nothing to wait for (see `durabilityRisk`). */
  flushed(): Promise<void> {
    return Promise.resolve();
  }

  /** Why rows this store acknowledges could be lost on a crash of one node, or null. */
  durabilityRisk(): Promise<string | null> {
    return readDurabilityRisk(this.client, this.settings);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.shutdown();
  }

  private get concurrency(): number {
    return this.settings.concurrency ?? 32;
  }

  /**
   * Rows are grouped by partition key (their first parameter) into unlogged batches of at most
   * BATCH_ROWS: a batch within one partition is a single mutation on its replica, far cheaper
   * than a statement per row, and still idempotent (every row is a full-key upsert).
   */
  private writeAll(st: Statements, params: unknown[][]): Promise<void> {
    const groups = new Map<unknown, unknown[][]>();
    for (const p of params) {
      const g = groups.get(p[0]);
      if (g) g.push(p);
      else groups.set(p[0], [p]);
    }
    const chunks: unknown[][][] = [];
    for (const g of groups.values()) for (let i = 0; i < g.length; i += BATCH_ROWS) chunks.push(g.slice(i, i + BATCH_ROWS));
    return forEachLimited(chunks, this.concurrency, (chunk) =>
      chunk.length === 1
        ? this.write(`writing to ${st.table}`, st.insert, chunk[0])
        : cassandraCall(this.writes, `writing to ${st.table}`, () => this.client.batch(chunk.map((p) => ({ query: st.insert, params: p })), { prepare: true, logged: false, isIdempotent: true })),
    );
  }

  private async latest(st: Statements, symbol: string, opts: TimeRange): Promise<types.Row[]> {
    const limit = Math.min(Math.floor(opts.limit ?? DEFAULT_LIMIT), 2 ** 31 - 1);
    if (!(limit > 0)) return [];
    const date = (ms: number) => new Date(Math.max(-MAX_DATE_MS, Math.min(ms, MAX_DATE_MS)));
    const bounds = [opts.sinceMs, opts.untilMs].filter((b) => b !== undefined).map(date);
    // A single partition read from its newest end; the page size is the limit: one round trip.
    const cql = st.latest(opts.sinceMs !== undefined, opts.untilMs !== undefined);
    const rs = await this.call(`reading ${st.table}`, cql, [symbol, ...bounds, limit], limit);
    return rs.rows;
  }

  private write(what: string, cql: string, params: unknown[]): Promise<types.ResultSet> {
    return cassandraCall(this.writes, what, () => this.client.execute(cql, params, { prepare: true, isIdempotent: true }));
  }

  private call(what: string, cql: string, params: unknown[], fetchSize?: number): Promise<types.ResultSet> {
    return cassandraCall(this.settings, what, () => this.client.execute(cql, params, { prepare: true, isIdempotent: true, ...(fetchSize ? { fetchSize } : {}) }));
  }
}
