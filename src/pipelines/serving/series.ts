// GET /api/series/:symbol: one symbol's ticks and tweets of the serving store folded into
// fixed time buckets (price open/high/low/close and volume, tweet count and mean sentiment),
// for the dashboard's charts: a page opened at any moment draws the recent past in one request
// instead of waiting for the live stream. Bounded like every query: the range is capped, and at
// most SERIES_MAX_ROWS ticks and as many tweets (the newest) are read; `truncated` says when
// either cap cut the answer, and `tweets_from` / `ticks_from` say from where each series is
// complete.
import type { FastifyInstance } from 'fastify';
import * as S from '../../io/http/api-schemas.js';
import type { ServingStore, StoredPrice, StoredTweet } from '../../io/store/serving-store.js';
import { iso } from './rows.js';
import { range, reading } from './routes.js';

export const SERIES_MAX_RANGE_MS = 24 * 3_600_000;
export const SERIES_MAX_ROWS = 50_000;
const DEFAULT_SPAN_MS = 30 * 60_000;

export interface Bucket {
  start: number;
  ticks: number;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  volume: number;
  /** Sum of close x volume, for the VWAP. */
  turnover: number;
  tweets: number;
  sentimentSum: number;
}

const emptyBucket = (start: number): Bucket => ({ start, ticks: 0, open: null, high: null, low: null, close: null, volume: 0, turnover: 0, tweets: 0, sentimentSum: 0 });

/**
 * Ticks with event time in [ticksFromMs, toMs) and tweets in [tweetsFromMs, toMs) folded into buckets of `stepMs` aligned to
 * multiples of the step since 1970, oldest first; buckets with neither are left out. Open is
 * the earliest tick's open, close the latest tick's close; rows are taken in event-time order,
 * ties by id, so the answer (sums included) does not depend on the order the store returns rows in.
 */
export function foldSeries(prices: readonly StoredPrice[], tweets: readonly StoredTweet[], opts: { ticksFromMs: number; tweetsFromMs: number; toMs: number; stepMs: number }): Bucket[] {
  const { ticksFromMs, tweetsFromMs, toMs, stepMs } = opts;
  const buckets = new Map<number, Bucket>();
  const at = (t: number) => {
    const start = Math.floor(t / stepMs) * stepMs;
    let b = buckets.get(start);
    if (b === undefined) buckets.set(start, (b = emptyBucket(start)));
    return b;
  };
  const byTime = (a: StoredPrice, b: StoredPrice) => a.trade_timestamp - b.trade_timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  for (const p of prices.filter((p) => p.trade_timestamp >= ticksFromMs && p.trade_timestamp < toMs).sort(byTime)) {
    const b = at(p.trade_timestamp);
    b.ticks++;
    b.open ??= p.open_price;
    b.close = p.close_price;
    b.high = Math.max(b.high ?? -Infinity, p.open_price, p.close_price);
    b.low = Math.min(b.low ?? Infinity, p.open_price, p.close_price);
    b.volume += p.volume;
    b.turnover += p.close_price * p.volume;
  }
  // Summed in event-time order too: a float sum depends on the order of its terms.
  const tweetsByTime = (a: StoredTweet, b: StoredTweet) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  for (const t of tweets.filter((t) => t.created_at >= tweetsFromMs && t.created_at < toMs).sort(tweetsByTime)) {
    const b = at(t.created_at);
    b.tweets++;
    b.sentimentSum += t.sentiment_score;
  }
  return [...buckets.values()].sort((a, b) => a.start - b.start);
}

export const apiBucket = (b: Bucket) => ({
  start: iso(b.start),
  ticks: b.ticks,
  open: b.open,
  high: b.high,
  low: b.low,
  close: b.close,
  volume: b.volume,
  // A few out-of-order ticks cannot swing the VWAP of a busy bucket as they can its close.
  vwap: b.volume > 0 ? b.turnover / b.volume : b.close,
  tweets: b.tweets,
  mean_sentiment: b.tweets > 0 ? b.sentimentSum / b.tweets : null,
});

export interface SeriesDeps {
  store: ServingStore;
  now: () => number;
  mustKnow: (symbol: string) => Promise<void>;
}

type SeriesQuery = { from?: string; to?: string; step: number };

export function registerSeriesRoute(app: FastifyInstance, deps: SeriesDeps): void {
  const schema = {
    summary: "a symbol's price ticks and tweets in fixed time buckets (price OHLC and VWAP, volume, tweet count, mean sentiment), oldest first",
    description: `Buckets of \`step\` seconds aligned to multiples of the step; empty buckets are left out. Default range: the 30 minutes before the symbol's newest tick or tweet (or now, when the store has none). At most ${SERIES_MAX_ROWS} ticks and ${SERIES_MAX_ROWS} tweets are read, the newest: \`ticks_from\` and \`tweets_from\` say from when each series is complete and \`truncated\` is true when a cap cut it. A range longer than 24 hours is cut to the 24 hours before \`to\`.`,
    extensions: { 'x-max-range': 'PT24H' },
    params: S.symbolParams,
    querystring: S.seriesQuery,
    response: { 200: S.responses.series, 400: S.problem, 404: S.problem, 503: S.problem },
  };
  app.get<{ Params: { symbol: string }; Querystring: SeriesQuery }>('/api/series/:symbol', { schema }, async (req) => {
    const { symbol } = req.params;
    await deps.mustKnow(symbol);
    let to = deps.now();
    if (req.query.to === undefined) {
      // Event time may run ahead of (a fast replay) or behind (an old file) the wall clock: anchor on the data.
      const [p, t] = await reading('the serving store', Promise.all([deps.store.latestPrices(symbol, { limit: 1 }), deps.store.latestTweets(symbol, { limit: 1 })]));
      const newest = Math.max(p[0]?.trade_timestamp ?? -Infinity, t[0]?.created_at ?? -Infinity);
      if (Number.isFinite(newest)) to = newest + 1;
    }
    const r = range(req.query, { to, span: DEFAULT_SPAN_MS }, SERIES_MAX_RANGE_MS);
    const stepMs = req.query.step * 1_000;
    const [prices, tweets] = await reading('the serving store', Promise.all([deps.store.latestPrices(symbol, { sinceMs: r.fromMs, untilMs: r.toMs, limit: SERIES_MAX_ROWS }), deps.store.latestTweets(symbol, { sinceMs: r.fromMs, untilMs: r.toMs, limit: SERIES_MAX_ROWS })]));
    // Rows come newest first: when a cap was hit, the series is complete only after its oldest
    // row read (rows at that very millisecond may have been cut).
    const completeFrom = <R>(rows: R[], time: (r: R) => number) => (rows.length === SERIES_MAX_ROWS ? Math.max(r.fromMs, time(rows[rows.length - 1]) + 1) : r.fromMs);
    const ticksFrom = completeFrom(prices, (p) => p.trade_timestamp);
    const tweetsFrom = completeFrom(tweets, (t) => t.created_at);
    const buckets = foldSeries(prices, tweets, { ticksFromMs: ticksFrom, tweetsFromMs: tweetsFrom, toMs: r.toMs, stepMs });
    return {
      symbol,
      from: iso(r.fromMs),
      to: iso(r.toMs),
      step: req.query.step,
      ticks_from: iso(ticksFrom),
      tweets_from: iso(tweetsFrom),
      count: buckets.length,
      truncated: r.clamped || ticksFrom > r.fromMs || tweetsFrom > r.fromMs,
      items: buckets.map(apiBucket),
    };
  });
}
