// The query API's routes. Each validates its input against its JSON schema (api-schemas.ts)
// before the handler runs, and reads with a bounded query: one symbol's rows newest first with
// a limit, one symbol's time range with a limit, alerts since a time with a limit, or one
// symbol's file of a gold report. Nothing scans a whole table or bucket.
import type { FastifyInstance } from 'fastify';
import * as S from '../../io/http/api-schemas.js';
import { badParameter, ProblemError } from '../../io/http/problem.js';
import type { AnalyticsViews, ServingStore } from '../../io/store/serving-store.js';
import { hasAnalyticsViews } from '../../io/store/serving-store.js';
import type { GoldHistory, HistoryReport, StatsRow, TrendRow } from './history.js';
import { MicroCache } from './cache.js';
import { apiAlert, apiPrice, apiTweet, apiWindow, iso } from './rows.js';
import { registerSeriesRoute } from './series.js';

export const WINDOWS_MAX_RANGE_MS = 7 * 86_400_000;
export const HISTORY_MAX_RANGE_MS = 90 * 86_400_000;
const HOUR = 3_600_000;
const FIRST_TIME = Date.parse('0000-01-01T00:00:00Z');
const LAST_TIME = Date.parse('9999-12-31T23:59:59.999Z');

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

/**
 * An RFC 3339 time as the schema's `date-time` accepts it, in ms: any case of T and Z, a space
 * for T, an offset of hours only (+01), and a leap second (:60, counted as the next second, as
 * POSIX time does). NaN for anything else.
 */
export function parseTime(value: string): number {
  const m = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d(?::?\d\d)?)$/.exec(value);
  if (m === null) return Date.parse(value);
  const [, date, hhmm, ss, frac = '', zone] = m;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const leap = ss === '60';
  const ms = Date.parse(`${date}T${hhmm}:${leap ? '59' : ss}${frac}${offset}`);
  return leap ? ms + 1_000 : ms;
}

const time = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const ms = parseTime(value);
  if (Number.isNaN(ms)) throw badParameter('query', name, `= ${JSON.stringify(value)} is not a time JavaScript can represent: expected an ISO-8601 time such as 2025-12-18T14:30:00Z`);
  return ms;
};

/**
 * [from, to) with defaults. Every pair the schema accepts is answered: a range longer than the
 * cap is cut to the `cap` before `to` (`clamped`; the answer's `from` says where it starts), and
 * a `from` at or after `to` is the empty range at `to`.
 */
export function range(q: { from?: string; to?: string }, defaults: { to: number; span: number }, cap: number): { fromMs: number; toMs: number; clamped: boolean } {
  // Kept within years 0000..9999, so the answer's from and to are RFC 3339 times too.
  const toMs = Math.max(FIRST_TIME, Math.min(time('to', q.to) ?? defaults.to, LAST_TIME));
  const asked = Math.min(time('from', q.from) ?? toMs - defaults.span, toMs);
  const fromMs = Math.max(asked, toMs - cap, FIRST_TIME);
  return { fromMs, toMs, clamped: fromMs > asked && asked >= FIRST_TIME };
}

/** What every route handler shares: the store, the answer cache, the 404 check. */
interface RouteContext extends RouteDeps {
  cache: MicroCache;
  /** The store's windows and alerts views, or a 503. */
  analytics(): ServingStore & AnalyticsViews;
  /** A 404 unless the store has seen `symbol`. */
  mustKnow(symbol: string): Promise<void>;
}

const RANGE_CUT = (cap: string) => `A range longer than ${cap} is cut to the ${cap} before \`to\` (the answer's \`from\` says where it starts, and \`truncated\` is true); \`from\` at or after \`to\` is an empty range.`;

export function registerApiRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { store } = deps;
  const ctx: RouteContext = {
    ...deps,
    cache: new MicroCache(deps.cacheMs, undefined, deps.now),
    analytics: () => {
      if (!hasAnalyticsViews(store)) throw new UnavailableError('the windows and alerts views', 'this serving store does not keep them yet');
      return store;
    },
    mustKnow: async (symbol) => {
      const known = await reading('the serving store', deps.knownSymbols(symbol));
      if (known !== null && !known.has(symbol)) throw new ProblemError('notFound', `no data for symbol ${symbol}: the serving store has never seen it (GET /api/symbols lists the known ones)`);
    },
  };
  registerSymbols(app, ctx);
  registerLatest(app, ctx);
  registerWindows(app, ctx);
  registerSeriesRoute(app, ctx);
  registerHistory(app, ctx);
  registerAlerts(app, ctx);
}

function registerSymbols(app: FastifyInstance, ctx: RouteContext): void {
  const { store } = ctx;
  app.get('/api/symbols', { schema: { summary: 'known symbols with their latest 5-minute window and price tick', response: { 200: S.responses.symbols, 503: S.problem } } }, async () => {
    const known = await reading('the serving store', ctx.knownSymbols());
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
}

/** /api/tweets/:symbol and /api/prices/:symbol: the newest rows, each answer reused for `cacheMs`. */
function registerLatest(app: FastifyInstance, ctx: RouteContext): void {
  const { store } = ctx;
  registerLatestOf(app, ctx, 'tweets', {
    summary: 'latest tweets of a symbol, newest first, with their sentiment scores',
    description: 'Unknown symbol (never seen by the store): 404. Known symbol with nothing since `since`: an empty list.',
    response: S.responses.tweets,
    read: (symbol, opts) => store.latestTweets(symbol, opts),
    toApi: apiTweet,
  });
  registerLatestOf(app, ctx, 'prices', {
    summary: 'latest price ticks of a symbol, newest first',
    response: S.responses.prices,
    read: (symbol, opts) => store.latestPrices(symbol, opts),
    toApi: apiPrice,
  });
}

/** GET /api/<kind>/:symbol: a known symbol's newest `limit` rows since `since`, cached by kind, symbol, limit and since. */
function registerLatestOf<Row>(
  app: FastifyInstance,
  ctx: RouteContext,
  kind: 'tweets' | 'prices',
  route: {
    summary: string;
    description?: string;
    response: unknown;
    read: (symbol: string, opts: { limit: number; sinceMs?: number }) => Promise<Row[]>;
    toApi: (row: Row) => unknown;
  },
): void {
  const { summary, description, response, read, toApi } = route;
  const doc = description === undefined ? { summary } : { summary, description };
  app.get<{ Params: { symbol: string }; Querystring: { since?: string; limit: number } }>(
    `/api/${kind}/:symbol`,
    { schema: { ...doc, params: S.symbolParams, querystring: S.sinceLimitQuery, response: { 200: response, ...problems } } },
    async (req) => {
      const { symbol } = req.params;
      const sinceMs = time('since', req.query.since);
      await ctx.mustKnow(symbol);
      const { limit } = req.query;
      return ctx.cache.get(`${kind} ${symbol} ${limit} ${sinceMs}`, async () => {
        const rows = await reading('the serving store', read(symbol, { limit, sinceMs }));
        return { symbol, count: rows.length, truncated: rows.length === limit, items: rows.map(toApi) };
      });
    },
  );
}

function registerWindows(app: FastifyInstance, ctx: RouteContext): void {
  const schema = {
    summary: '5-minute sentiment and price windows of a symbol (window_end in [from, to)), oldest first',
    description: `Default: the hour before now, or before the newest window when event time runs ahead of the wall clock. ${RANGE_CUT('7 days')}`,
    extensions: { 'x-max-range': 'P7D' },
    params: S.symbolParams,
    querystring: S.windowsQuery,
    response: { 200: S.responses.windows, ...problems },
  };
  app.get<{ Params: { symbol: string }; Querystring: { from?: string; to?: string; limit: number } }>('/api/windows/:symbol', { schema }, async (req) => {
    const { symbol } = req.params;
    const views = ctx.analytics();
    let to = ctx.now();
    if (req.query.to === undefined) {
      const latest = await reading('the serving store', views.latestWindow(symbol));
      if (latest && latest.window_end >= to) to = latest.window_end + 1;
    }
    const r = range(req.query, { to, span: HOUR }, WINDOWS_MAX_RANGE_MS);
    await ctx.mustKnow(symbol);
    const { limit } = req.query;
    const rows = await reading('the serving store', views.windows(symbol, { fromMs: r.fromMs, toMs: r.toMs, limit }));
    return { symbol, from: iso(r.fromMs), to: iso(r.toMs), count: rows.length, truncated: rows.length === limit || r.clamped, items: rows.map(apiWindow) };
  });
}

function registerHistory(app: FastifyInstance, ctx: RouteContext): void {
  const schema = {
    summary: "a symbol's rows of a gold report from the batch layer, oldest first",
    description: `report=stats: hourly statistics (hour in [from, to)); report=trend: every tweet with its 10-tweet moving average (created_at in [from, to)). Default: the 7 days before now. ${RANGE_CUT('90 days')} 404 when no batch run has published the report, or it has no partition for the symbol.`,
    extensions: { 'x-max-range': 'P90D' },
    params: S.symbolParams,
    querystring: S.historyQuery,
    response: { 200: S.responses.history, ...problems },
  };
  app.get<{ Params: { symbol: string }; Querystring: { from?: string; to?: string; report: HistoryReport; limit: number } }>('/api/history/:symbol', { schema }, async (req) => {
    const { symbol } = req.params;
    const { report, limit } = req.query;
    const r = range(req.query, { to: ctx.now(), span: 7 * 86_400_000 }, HISTORY_MAX_RANGE_MS);
    const result = await reading('the lake', ctx.history.query(symbol, report, { fromMs: r.fromMs, toMs: r.toMs, limit }));
    if (!result.found) {
      throw new ProblemError('notFound', result.why === 'no-report' ? `no ${report} report has been published yet: run \`cashtag batch\`` : `the published ${report} report has no data for symbol ${symbol}`);
    }
    const items = result.rows.map((row) => ('hour' in row ? { ...(row as StatsRow), hour: iso(row.hour) } : { ...(row as TrendRow), created_at: iso(row.created_at), ingest_timestamp: iso(row.ingest_timestamp) }));
    return { symbol, report, version: result.version, from: iso(r.fromMs), to: iso(r.toMs), count: items.length, truncated: result.truncated || r.clamped, items };
  });
}

function registerAlerts(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { since?: string; limit: number } }>(
    '/api/alerts',
    { schema: { summary: 'alerts (windows with low sentiment and a falling price) of every symbol, newest first', querystring: S.alertsQuery, response: { 200: S.responses.alerts, 400: S.problem, 503: S.problem } } },
    async (req) => {
      const sinceMs = time('since', req.query.since) ?? -Number.MAX_VALUE;
      const rows = await reading('the serving store', ctx.analytics().alerts({ sinceMs, limit: req.query.limit }));
      return { count: rows.length, truncated: rows.length === req.query.limit, items: rows.map(apiAlert) };
    },
  );
}
