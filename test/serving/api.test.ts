// The query API on the embedded profile: a speed-layer run to completion (with windows and
// alerts) and a batch run over its bronze, then every endpoint's answer is compared with what
// the pipeline wrote: the serving store read directly (LmdbServingStore), and the lake read
// by DuckDB (bronze, gold windows and alerts, the gold reports: each symbol's topic=SYM file).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../../src/config.js';
import { LmdbServingStore } from '../../src/io/store/lmdb-store.js';
import { fileVersion, reportKey } from '../../src/pipelines/batch.js';
import { openLake } from '../../src/io/lake/open.js';
import type { ServingServer } from '../../src/pipelines/serving/server.js';
import { apiAlert, apiPrice, apiTweet, apiWindow } from '../../src/pipelines/serving/rows.js';
import { startServerThread } from '../../src/pipelines/serving/thread.js';
import { lakeSettings, storeSettings } from '../../src/pipelines/speed.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { quietLogger } from '../helpers/runtime.js';
import { duckdb } from '../helpers/duckdb.js';
import { finishedRun, getJson, serve } from './helpers.js';
import { servingId } from '../../src/domain/records.js';

/** The `n` newest of [store id, event time, value] rows, as a serving store orders them: time descending, then id. */
const newest = (rows: [string, number, number][], n: number) => rows.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, n);

type Db = Awaited<ReturnType<typeof duckdb>>;
let cfg: Config;
let server: ServingServer;
let store: LmdbServingStore;
let db: Db;
let lake: string;
// The server's wall clock: it moves only when a test says so (symbol cache, micro-cache, live feed polls).
const clock = new ManualClock(Date.now());
const iso = (ms: number) => new Date(ms).toISOString();

describe('query API over a finished embedded run', { timeout: 240_000 }, () => {
  before(async () => {
    ({ cfg } = await finishedRun({ events: 12_000, batch: true }));
    server = await serve(cfg, { clock });
    store = new LmdbServingStore(join(cfg.dataDir, 'serving-store'));
    db = await duckdb();
    lake = join(cfg.dataDir, 'lake');
  });
  after(async () => {
    db?.close();
    await server?.close();
    await store?.close();
    if (cfg) rmSync(cfg.dataDir, { recursive: true, force: true });
  });

  test('GET /api/symbols: every symbol the store has, with its latest window and tick', async () => {
    const { status, body } = await getJson(server.url, '/api/symbols');
    assert.equal(status, 200);
    const symbols = body.symbols as { symbol: string; latest_window: unknown; latest_price: unknown }[];
    assert.deepEqual(symbols.map((s) => s.symbol), ['AAPL', 'BRK.B', 'MSFT', 'TSLA']);
    assert.deepEqual(symbols.map((s) => s.symbol), await store.symbols());
    for (const s of symbols) {
      const w = await store.latestWindow(s.symbol);
      assert.ok(w, `${s.symbol} has windows`);
      assert.deepEqual(s.latest_window, apiWindow(w));
      assert.deepEqual(s.latest_price, apiPrice((await store.latestPrices(s.symbol, { limit: 1 }))[0]));
    }
  });

  test('GET /api/tweets/{symbol}: the newest tweets, as the store and bronze have them', async () => {
    for (const symbol of ['AAPL', 'BRK.B']) {
      const { status, body } = await getJson(server.url, `/api/tweets/${symbol}?limit=120`);
      assert.equal(status, 200);
      assert.equal(body.count, 120);
      assert.deepEqual(body.items, (await store.latestTweets(symbol, { limit: 120 })).map(apiTweet));
      // Independently: bronze's newest 120 of the symbol (ties in time by the store's UUID of the record id).
      const bronze = await db.all(`SELECT record_id, epoch_ms(created_at) AS t, sentiment_score FROM read_parquet('${lake}/twitter-bronze/tweets_v2/*/*.parquet', hive_partitioning = true) WHERE topic = '${symbol}'`);
      const items = body.items as { id: string; created_at: string; sentiment_score: number; sentiment: string }[];
      assert.deepEqual(items.map((t) => [t.id, Date.parse(t.created_at), t.sentiment_score]), newest(bronze.map((r) => [servingId(r.record_id as string), r.t as number, r.sentiment_score as number]), 120));
      for (const t of items) assert.equal(t.sentiment, t.sentiment_score >= 0.05 ? 'positive' : t.sentiment_score <= -0.05 ? 'negative' : 'neutral');
    }
    // Default limit 50; since keeps only tweets at or after it.
    const all = (await getJson(server.url, '/api/tweets/MSFT')).body.items as { created_at: string }[];
    assert.equal(all.length, 50);
    const since = all[20].created_at;
    const { body } = await getJson(server.url, `/api/tweets/MSFT?since=${since}&limit=1000`);
    assert.deepEqual(body.items, (await store.latestTweets('MSFT', { sinceMs: Date.parse(since), limit: 1000 })).map(apiTweet));
    assert.ok((body.items as { created_at: string }[]).every((t) => t.created_at >= since));
    assert.ok((body.count as number) >= 21 && body.truncated === false);
  });

  test('GET /api/prices/{symbol}: the newest ticks, as the store and bronze have them', async () => {
    const { status, body } = await getJson(server.url, '/api/prices/TSLA?limit=80');
    assert.equal(status, 200);
    assert.deepEqual(body.items, (await store.latestPrices('TSLA', { limit: 80 })).map(apiPrice));
    const bronze = await db.all(`SELECT record_id, epoch_ms(trade_timestamp) AS t, close_price FROM read_parquet('${lake}/twitter-bronze/stock_prices/*/*.parquet', hive_partitioning = true) WHERE symbol = 'TSLA'`);
    assert.deepEqual((body.items as { id: string; trade_timestamp: string; close_price: number }[]).map((p) => [p.id, Date.parse(p.trade_timestamp), p.close_price]), newest(bronze.map((r) => [servingId(r.record_id as string), r.t as number, r.close_price as number]), 80));
  });

  test('GET /api/windows/{symbol}: the 5-minute windows in a range, as the store and the gold lake have them', async () => {
    const latest = (await store.latestWindow('AAPL'))!;
    const from = latest.window_end - 10 * 60_000;
    const to = latest.window_end + 1;
    const { status, body } = await getJson(server.url, `/api/windows/AAPL?from=${iso(from)}&to=${iso(to)}`);
    assert.equal(status, 200);
    const items = body.items as { window_end: string; tweet_count: number; mean_sentiment: number | null; vwap: number | null }[];
    assert.ok(items.length >= 8, `10 minutes of 1-minute-sliding windows (${items.length})`);
    assert.deepEqual(items, (await store.windows('AAPL', { fromMs: from, toMs: to })).map(apiWindow));
    const gold = await db.all(`SELECT epoch_ms(window_end) AS e, tweet_count, mean_sentiment, vwap FROM read_parquet('${lake}/twitter-gold/sentiment_windows_5m/*/*.parquet', hive_partitioning = true) WHERE topic = 'AAPL' AND epoch_ms(window_end) >= ${from} AND epoch_ms(window_end) < ${to} ORDER BY window_end`);
    assert.deepEqual(items.map((w) => [Date.parse(w.window_end), w.tweet_count, w.mean_sentiment, w.vwap]), gold.map((g) => [g.e, g.tweet_count, g.mean_sentiment, g.vwap]));
    // A limit cuts from the oldest end and says so.
    const cut = await getJson(server.url, `/api/windows/AAPL?from=${iso(from)}&to=${iso(to)}&limit=5`);
    assert.deepEqual(cut.body.items, items.slice(0, 5));
    assert.equal(cut.body.truncated, true);
    // The default range is the hour before now: this run's event time is in 2025, so nothing.
    assert.equal((await getJson(server.url, '/api/windows/AAPL')).body.count, 0);
  });

  test('GET /api/series/{symbol}: ticks and tweets in 10-second buckets, as bronze has them', async () => {
    const { status, body } = await getJson(server.url, '/api/series/AAPL?step=10');
    assert.equal(status, 200);
    type B = { start: string; ticks: number; open: number | null; high: number | null; low: number | null; close: number | null; volume: number; vwap: number | null; tweets: number; mean_sentiment: number | null };
    const items = body.items as B[];
    const from = Date.parse(body.from as string);
    const to = Date.parse(body.to as string);
    assert.equal(body.truncated, false);
    assert.equal(to - from, 30 * 60_000, 'the default range is 30 minutes');
    // `to` is just after the symbol's newest row (this run's event time is in 2025, not now).
    const newestTick = (await store.latestPrices('AAPL', { limit: 1 }))[0].trade_timestamp;
    const newestTweet = (await store.latestTweets('AAPL', { limit: 1 }))[0].created_at;
    assert.equal(to, Math.max(newestTick, newestTweet) + 1);
    const ticks = await db.all(`SELECT (epoch_ms(trade_timestamp) // 10000) * 10000 AS b, count(*) AS n, sum(volume) AS v, max(greatest(open_price, close_price)) AS hi, min(least(open_price, close_price)) AS lo, sum(close_price * volume) / sum(volume) AS vwap FROM read_parquet('${lake}/twitter-bronze/stock_prices/*/*.parquet', hive_partitioning = true) WHERE symbol = 'AAPL' AND epoch_ms(trade_timestamp) >= ${from} AND epoch_ms(trade_timestamp) < ${to} GROUP BY 1`);
    const tweets = await db.all(`SELECT (epoch_ms(created_at) // 10000) * 10000 AS b, count(*) AS n, avg(sentiment_score) AS s FROM read_parquet('${lake}/twitter-bronze/tweets_v2/*/*.parquet', hive_partitioning = true) WHERE topic = 'AAPL' AND epoch_ms(created_at) >= ${from} AND epoch_ms(created_at) < ${to} GROUP BY 1`);
    const starts = [...new Set([...ticks, ...tweets].map((r) => Number(r.b)))].sort((a, b) => a - b);
    assert.ok(starts.length >= 30, `the run spans minutes of buckets (${starts.length})`);
    assert.deepEqual(items.map((b) => Date.parse(b.start)), starts, 'one bucket per 10 s holding a tick or a tweet, oldest first');
    const byStart = new Map(items.map((b) => [Date.parse(b.start), b]));
    for (const t of ticks) {
      const b = byStart.get(Number(t.b))!;
      assert.deepEqual([b.ticks, b.volume, b.high, b.low], [Number(t.n), Number(t.v), t.hi, t.lo], `ticks of ${b.start}`);
      assert.ok(b.close !== null && b.close >= b.low! && b.close <= b.high!);
      assert.ok(Math.abs(b.vwap! - (t.vwap as number)) < 1e-6, `VWAP of ${b.start}`);
    }
    for (const t of tweets) {
      const b = byStart.get(Number(t.b))!;
      assert.equal(b.tweets, Number(t.n), `tweets of ${b.start}`);
      assert.ok(Math.abs(b.mean_sentiment! - (t.s as number)) < 1e-9, `mean sentiment of ${b.start}`);
    }
    // Another step and a range: aligned buckets, nothing outside [from, to).
    const minute = await getJson(server.url, `/api/series/AAPL?step=60&from=${iso(newestTick - 5 * 60_000)}&to=${iso(newestTick)}`);
    const mItems = minute.body.items as B[];
    assert.ok(mItems.length >= 5 && mItems.length <= 6, `5 minutes of 1-minute buckets (${mItems.length})`);
    for (const b of mItems) assert.equal(Date.parse(b.start) % 60_000, 0);
    const [inRange] = await db.all(`SELECT count(*) AS n FROM read_parquet('${lake}/twitter-bronze/stock_prices/*/*.parquet', hive_partitioning = true) WHERE symbol = 'AAPL' AND epoch_ms(trade_timestamp) >= ${newestTick - 5 * 60_000} AND epoch_ms(trade_timestamp) < ${newestTick}`);
    assert.equal(mItems.reduce((n, b) => n + b.ticks, 0), Number(inRange.n));
    assert.equal((await getJson(server.url, '/api/series/AAPL?step=0')).status, 400);
    assert.equal((await getJson(server.url, '/api/series/ZZZZ')).status, 404);
  });

  test('GET /api/alerts: newest first, as the store and the gold lake have them', async () => {
    const { status, body } = await getJson(server.url, '/api/alerts?limit=1000');
    assert.equal(status, 200);
    const items = body.items as { symbol: string; window_end: string }[];
    assert.ok(items.length > 0, 'the thresholds make some windows alert');
    assert.deepEqual(items, (await store.alerts({ sinceMs: -Number.MAX_VALUE, limit: 1000 })).map(apiAlert));
    const gold = await db.all(`SELECT topic, epoch_ms(window_end) AS e FROM read_parquet('${lake}/twitter-gold/alerts/*.parquet') ORDER BY window_end DESC, topic DESC`);
    assert.deepEqual(items.map((a) => [a.symbol, Date.parse(a.window_end)]), gold.map((g) => [g.topic, g.e]));
    const since = items[Math.floor(items.length / 2)].window_end;
    const later = (await getJson(server.url, `/api/alerts?since=${since}`)).body.items as { window_end: string }[];
    assert.deepEqual(later, items.filter((a) => a.window_end >= since).slice(0, 50));
  });

  test('GET /api/history/{symbol}: rows of the published gold reports (the symbol\'s topic=SYM file)', async () => {
    const goldLake = openLake(lakeSettings(cfg));
    for (const [report, name, time] of [['stats', 'statistics', 'hour'], ['trend', 'trend', 'created_at']] as const) {
      const file = reportKey(name, 'AAPL');
      const version = fileVersion((await goldLake.read('twitter-gold', file))!);
      assert.match(version ?? '', /^[0-9a-f]{64}$/, 'the file carries its version');
      const rows = await db.all(`SELECT * EXCLUDE (${time}), epoch_ms(${time}) AS t FROM read_parquet('${lake}/twitter-gold/${file}', hive_partitioning = false) ORDER BY t`);
      assert.ok(rows.length > 0);
      const from = Number(rows[0].t);
      const to = Number(rows[rows.length - 1].t) + 1;
      const { status, body } = await getJson(server.url, `/api/history/AAPL?report=${report}&from=${iso(from)}&to=${iso(to)}&limit=1000`);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.version, version);
      const items = body.items as Record<string, unknown>[];
      const expected = rows.slice(0, 1000);
      assert.equal(items.length, expected.length);
      for (let i = 0; i < items.length; i++) {
        assert.equal(Date.parse(items[i][time] as string), expected[i].t, `${report} row ${i}`);
        for (const [k, v] of Object.entries(expected[i])) {
          if (k === 't') continue;
          const got = items[i][k];
          if (typeof v === 'number' && Number.isNaN(v)) assert.equal(got, null, `${report} row ${i} ${k}`);
          else if (k === 'ingest_timestamp') assert.equal(Date.parse(got as string), new Date(String(v)).getTime(), `${report} row ${i} ${k}`);
          else assert.equal(got, v, `${report} row ${i} ${k}`);
        }
      }
      // A narrower range: only rows inside it.
      const mid = Number(rows[Math.floor(rows.length / 2)].t);
      const half = await getJson(server.url, `/api/history/AAPL?report=${report}&from=${iso(mid)}&to=${iso(to)}&limit=1000`);
      assert.equal(half.body.count, Math.min(1000, rows.filter((r) => Number(r.t) >= mid).length));
    }
    // No batch partition for a symbol the store knows nothing of: 404 with a reason.
    const missing = await getJson(server.url, `/api/history/ZZZZ?from=2025-12-18T00:00:00Z&to=2025-12-19T00:00:00Z`);
    assert.equal(missing.status, 404);
    assert.match(String(missing.body.detail), /no data for symbol ZZZZ/);
  });

  test('GET /healthz, /readyz, /openapi.json', async () => {
    assert.deepEqual((await getJson(server.url, '/healthz')).body, { status: 'ok' });
    const ready = await getJson(server.url, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', checks: { store: 'ok', lake: 'ok' } });
    const doc = (await getJson(server.url, '/openapi.json')).body as { openapi: string; paths: Record<string, Record<string, { parameters: { name: string }[] }>> };
    assert.equal(doc.openapi, '3.2.0');
    for (const p of ['/api/symbols', '/api/tweets/{symbol}', '/api/prices/{symbol}', '/api/windows/{symbol}', '/api/history/{symbol}', '/api/alerts', '/api/stream', '/healthz', '/readyz']) assert.ok(doc.paths[p]?.get, `${p} documented`);
    assert.deepEqual(doc.paths['/api/windows/{symbol}'].get.parameters.map((x) => x.name), ['symbol', 'from', 'to', 'limit']);
  });

  test('GET / serves the page, uPlot from node_modules and nothing else from disk', async () => {
    const page = await fetch(server.url + '/');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script src="\/static\/uplot.js">/);
    assert.match(html, /content="30"/, 'DASHBOARD_MINUTES filled in');
    const uplot = await fetch(server.url + '/static/uplot.js');
    assert.equal(uplot.status, 200);
    assert.match(await uplot.text(), /uPlot/);
    for (const bad of ['/static/..%2Fpackage.json', '/static/index.html', '/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd']) assert.equal((await fetch(server.url + bad)).status, 404, bad);
  });

  test('the server on its own thread (as cashtag run starts it) answers the same over the same store', async () => {
    const threaded = await startServerThread({ store: storeSettings(cfg), lake: lakeSettings(cfg), port: 0, host: '127.0.0.1' }, quietLogger());
    try {
      for (const path of ['/api/symbols', '/api/tweets/AAPL?limit=20', '/api/alerts']) assert.deepEqual((await getJson(threaded.url, path)).body, (await getJson(server.url, path)).body, path);
    } finally {
      await threaded.close();
    }
    // A port in use is an error naming the setting, not a hang.
    await assert.rejects(startServerThread({ store: storeSettings(cfg), lake: lakeSettings(cfg), port: server.port, host: '127.0.0.1' }, quietLogger()), /HTTP_PORT \d+ is already in use/);
  });

  test('GET /api/stream pushes a tweet, a tick, a window and an alert once committed to the store', async () => {
    const ac = new AbortController();
    const res = await fetch(`${server.url}/api/stream?symbol=AAPL`, { signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (re: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!re.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${re} in the stream within 10 s; got:\n${text.slice(0, 2000)}`);
        const { value } = await reader.read();
        text += decoder.decode(value);
      }
    };
    await until(/following AAPL/);
    // The feed's first look (its cursors start at the newest rows), then newer rows and a second look.
    // The server's clock stands still, so the feed's timer never fires: the test polls.
    const look = () => server.live.poll();
    await look();
    const last = (await store.latestWindow('AAPL'))!;
    const t = last.window_end + 3_600_000;
    await store.upsertTweets([{ kind: 'tweet-row', id: 'live-tweet-1', topic: 'AAPL', createdAt: t, ingestTs: t, text: 'live $AAPL to the moon', userId: 'u1', sentimentScore: 0.5 } as never]);
    await store.upsertPrices([{ kind: 'price', id: 'live-tick-1', symbol: 'AAPL', tradeTs: t, ingestTs: t, openPrice: 1, closePrice: 2, volume: 3 } as never]);
    const w = { symbol: 'AAPL', windowStart: t - 300_000, windowEnd: t, tweetCount: 1, meanSentiment: -0.9, minSentiment: -0.9, maxSentiment: -0.9, positiveCount: 0, negativeCount: 1, tickCount: 1, open: 2, close: 1, high: 2, low: 1, volume: 3, vwap: 1 };
    await store.upsertWindows([w as never]);
    await store.upsertAlerts([{ symbol: 'AAPL', windowStart: t - 300_000, windowEnd: t, meanSentiment: -0.9, tweetCount: 1, open: 2, close: 1, change: -0.5 } as never]);
    await look();
    await until(/event: tweets\ndata: [^\n]*live-tweet-1/);
    await until(/event: prices\ndata: [^\n]*live-tick-1/);
    await until(new RegExp(`event: windows\\ndata: [^\\n]*"window_end":"${iso(t)}"`));
    await until(new RegExp(`event: alerts\\ndata: [^\\n]*"window_end":"${iso(t)}"`));
    ac.abort();
    await reader.cancel().catch(() => undefined);
    // The feed stops polling once nobody listens.
    const deadline = Date.now() + 5_000;
    while (server.live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.live.size, 0);
  });

  test('a symbol that just appeared in the store is found at once, not after the symbol cache expires', async () => {
    assert.equal((await getJson(server.url, '/api/tweets/NEWCO')).status, 404);
    const t = Date.parse('2025-12-18T15:00:00Z');
    await store.upsertTweets([{ kind: 'tweet-row', id: 'newco-1', topic: 'NEWCO', createdAt: t, ingestTs: t, text: '$NEWCO lists today', userId: 'u2', sentimentScore: 0.1 } as never]);
    clock.advance(300);
    const r = await getJson(server.url, '/api/tweets/NEWCO');
    assert.equal(r.status, 200);
    assert.deepEqual((r.body.items as { id: string }[]).map((x) => x.id), ['newco-1']);
  });
});
