// The query API's routes. Each validates its input against its JSON schema (api-schemas.ts)
// before the handler runs, and reads with a bounded query: one symbol's rows newest first with
// a limit, one symbol's time range with a limit, alerts since a time with a limit, or one
// symbol's file of a gold report. Nothing scans a whole table or bucket.
import type { FastifyInstance } from 'fastify';
import * as S from '../io/http/api-schemas.js';
import { badParameter, ProblemError } from '../io/http/problem.js';
import type { AnalyticsViews, ServingStore } from '../io/store/serving-store.js';
import { hasAnalyticsViews } from '../io/store/serving-store.js';
import type { GoldHistory, HistoryReport, StatsRow, TrendRow } from './serving-history.js';
import { MicroCache } from './serving-cache.js';
import { apiAlert, apiPrice, apiTweet, apiWindow, iso } from './serving-rows.js';

export const WINDOWS_MAX_RANGE_MS = 7 * 86_400_000;
export const HISTORY_MAX_RANGE_MS = 90 * 86_400_000;
const HOUR = 3_600_000;

export interface RouteDeps {
  store: ServingStore;
  history: GoldHistory;
  /** Wall-clock now (ms), for default ranges. */
  now: () => number;
  /** Symbols the serving store has seen (fresh enough to contain `symbol` if the store has it); null when the store cannot say. */
  knownSymbols: (symbol?: string) => Promise<Set<string> | null>;
  /** Answers of the tweets and prices endpoints are reused for this long (0: never). */
  cacheMs: number;
}

const problems = { 400: S.problem, 404: S.problem, 503: S.problem } as const;

/** A store or lake failure is the server's problem (503), never the caller's. */
export class UnavailableError extends Error {
  readonly statusCode = 503;
  constructor(what: string, cause: unknown) {
    super(`${what} is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'UnavailableError';
  }
}

export async function reading<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new UnavailableError(what, e);
  }
}

const time = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw badParameter('query', name, `= ${JSON.stringify(value)} is not a time JavaScript can represent: expected an ISO-8601 time such as 2025-12-18T14:30:00Z`);
  return ms;
};

/** [from, to) with defaults, checked: from before to, and no longer than the cap. */
function range(q: { from?: string; to?: string }, defaults: { to: number; span: number }, cap: number, capText: string): { fromMs: number; toMs: number } {
  const toMs = time('to', q.to) ?? defaults.to;
  const fromMs = time('from', q.from) ?? toMs - defaults.span;
  if (fromMs >= toMs) throw badParameter('query', 'from', `= ${iso(fromMs)} is not before to = ${iso(toMs)}${q.to === undefined ? ' (its default)' : ''}: expected from < to`);
  if (toMs - fromMs > cap) throw badParameter('query', 'from', `.. to spans ${((toMs - fromMs) / 86_400_000).toFixed(1)} days: expected a range of at most ${capText}${q.from === undefined || q.to === undefined ? ' (a missing end takes its default)' : ''}`);
  return { fromMs, toMs };
}

export function registerApiRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { store } = deps;
  const cache = new MicroCache(deps.cacheMs);
  const analytics = (): ServingStore & AnalyticsViews => {
    if (!hasAnalyticsViews(store)) throw new UnavailableError('the windows and alerts views', 'this serving store does not keep them yet');
    return store;
  };
  const mustKnow = async (symbol: string) => {
    const known = await reading('the serving store', deps.knownSymbols(symbol));
    if (known !== null && !known.has(symbol)) throw new ProblemError('notFound', `no data for symbol ${symbol}: the serving store has never seen it (GET /api/symbols lists the known ones)`);
  };

  app.get('/api/symbols', { schema: { summary: 'known symbols with their latest 5-minute window and price tick', response: { 200: S.responses.symbols, 503: S.problem } } }, async () => {
    const known = await reading('the serving store', deps.knownSymbols());
    const symbols = [...(known ?? [])].sort();
    const views = hasAnalyticsViews(store) ? store : null;
    const out = await reading(
      'the serving store',
      Promise.all(
        symbols.map(async (symbol) => {
          const [window, prices] = await Promise.all([views ? views.latestWindow(symbol) : null, store.latestPrices(symbol, { limit: 1 })]);
          return { symbol, latest_window: window ? apiWindow(window) : null, latest_price: prices[0] ? apiPrice(prices[0]) : null };
        }),
      ),
    );
    return { symbols: out };
  });

  app.get<{ Params: { symbol: string }; Querystring: { since?: string; limit: number } }>(
    '/api/tweets/:symbol',
    { schema: { summary: 'latest tweets of a symbol, newest first, with their sentiment scores', description: 'Unknown symbol (never seen by the store): 404. Known symbol with nothing since `since`: an empty list.', params: S.symbolParams, querystring: S.sinceLimitQuery, response: { 200: S.responses.tweets, ...problems } } },
    async (req) => {
      const { symbol } = req.params;
      const sinceMs = time('since', req.query.since);
      await mustKnow(symbol);
      const { limit } = req.query;
      return cache.get(`tweets ${symbol} ${limit} ${sinceMs}`, async () => {
        const rows = await reading('the serving store', store.latestTweets(symbol, { limit, sinceMs }));
        return { symbol, count: rows.length, truncated: rows.length === limit, items: rows.map(apiTweet) };
      });
    },
  );

  app.get<{ Params: { symbol: string }; Querystring: { since?: string; limit: number } }>(
    '/api/prices/:symbol',
    { schema: { summary: 'latest price ticks of a symbol, newest first', params: S.symbolParams, querystring: S.sinceLimitQuery, response: { 200: S.responses.prices, ...problems } } },
    async (req) => {
      const { symbol } = req.params;
      const sinceMs = time('since', req.query.since);
      await mustKnow(symbol);
      const { limit } = req.query;
      return cache.get(`prices ${symbol} ${limit} ${sinceMs}`, async () => {
        const rows = await reading('the serving store', store.latestPrices(symbol, { limit, sinceMs }));
        return { symbol, count: rows.length, truncated: rows.length === limit, items: rows.map(apiPrice) };
      });
    },
  );

  app.get<{ Params: { symbol: string }; Querystring: { from?: string; to?: string; limit: number } }>(
    '/api/windows/:symbol',
    { schema: { summary: '5-minute sentiment and price windows of a symbol (window_end in [from, to)), oldest first', description: 'Ranges of at most 7 days. Default: the hour before now, or before the newest window when event time runs ahead of the wall clock.', params: S.symbolParams, querystring: S.windowsQuery, response: { 200: S.responses.windows, ...problems } } },
    async (req) => {
      const { symbol } = req.params;
      const views = analytics();
      let to = deps.now();
      if (req.query.to === undefined) {
        const latest = await reading('the serving store', views.latestWindow(symbol));
        if (latest && latest.window_end >= to) to = latest.window_end + 1;
      }
      const r = range(req.query, { to, span: HOUR }, WINDOWS_MAX_RANGE_MS, '7 days');
      await mustKnow(symbol);
      const rows = await reading('the serving store', views.windows(symbol, { ...r, limit: req.query.limit }));
      return { symbol, from: iso(r.fromMs), to: iso(r.toMs), count: rows.length, truncated: rows.length === req.query.limit, items: rows.map(apiWindow) };
    },
  );

  app.get<{ Params: { symbol: string }; Querystring: { from?: string; to?: string; report: HistoryReport; limit: number } }>(
    '/api/history/:symbol',
    {
      schema: {
        summary: "a symbol's rows of a gold report from the batch layer, oldest first",
        description: 'report=stats: hourly statistics (hour in [from, to)); report=trend: every tweet with its 10-tweet moving average (created_at in [from, to)). Ranges of at most 90 days; default the 7 days before now. 404 when no batch run has published the report, or it has no partition for the symbol.',
        params: S.symbolParams,
        querystring: S.historyQuery,
        response: { 200: S.responses.history, ...problems },
      },
    },
    async (req) => {
      const { symbol } = req.params;
      const r = range(req.query, { to: deps.now(), span: 7 * 86_400_000 }, HISTORY_MAX_RANGE_MS, '90 days');
      const result = await reading('the lake', deps.history.query(symbol, req.query.report, { ...r, limit: req.query.limit }));
      if (!result.found) {
        throw new ProblemError('notFound', result.why === 'no-report' ? `no ${req.query.report} report has been published yet: run \`cashtag batch\`` : `the published ${req.query.report} report (version ${result.version}) has no data for symbol ${symbol}`);
      }
      const items = result.rows.map((row) => ('hour' in row ? { ...(row as StatsRow), hour: iso(row.hour) } : { ...(row as TrendRow), created_at: iso(row.created_at), ingest_timestamp: iso(row.ingest_timestamp) }));
      return { symbol, report: req.query.report, version: result.version, from: iso(r.fromMs), to: iso(r.toMs), count: items.length, truncated: result.truncated, items };
    },
  );

  app.get<{ Querystring: { since?: string; limit: number } }>(
    '/api/alerts',
    { schema: { summary: 'alerts (windows with low sentiment and a falling price) of every symbol, newest first', querystring: S.alertsQuery, response: { 200: S.responses.alerts, 400: S.problem, 503: S.problem } } },
    async (req) => {
      const sinceMs = time('since', req.query.since) ?? -Number.MAX_VALUE;
      const rows = await reading('the serving store', analytics().alerts({ sinceMs, limit: req.query.limit }));
      return { count: rows.length, truncated: rows.length === req.query.limit, items: rows.map(apiAlert) };
    },
  );
}

