// The serving layer: `cashtag serve` (and `cashtag run` unless SERVE=off) answers real-time
// queries from the serving store (LMDB embedded, Cassandra on the stack) and historical ones from
// the gold reports in the lake, and serves the live dashboard at `/`.
//
//   GET /api/symbols | /api/tweets/:symbol | /api/prices/:symbol | /api/windows/:symbol
//       /api/series/:symbol (time buckets for the dashboard)
//       /api/history/:symbol | /api/alerts            JSON, schemas in src/io/http/api-schemas.ts
//   GET /api/stream?symbol=                            server-sent events (serving/live.ts)
//   GET /healthz (alive) | /readyz (store and lake answer) | /openapi.json
//   GET / and /static/*                                the dashboard (web/, uPlot from npm)
//
// Input is hostile until checked: every parameter has a JSON schema (pattern, maxLength,
// bounds) that fastify enforces before a handler runs; a bad one is a 400 problem+json naming
// it; an unknown symbol is a 404; a failing store or lake is a 503; nothing a caller sends can
// make a 500. The store and lake may be shared with a speed layer in the same process (LMDB
// shares its environment per process) or written by another process.
//
// Safe by default (serving/guards.ts, io/http/hardening.ts): it listens on 127.0.0.1 unless told
// otherwise; every answer carries the security headers; slow clients are cut off by the headers
// and request timeouts; each client address is rate limited; live streams are capped; with
// API_TOKEN set, /api/ needs the bearer token.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { HTTP_DEFAULTS, nodeServerOptions, reachableHost } from '../../io/http/hardening.js';
import { badParameter, echo, errorToProblem, PARAMETER_FORMS, problemTypes, sendProblem } from '../../io/http/problem.js';
import { clientErrorHandler, SECURITY_HEADERS } from '../../io/http/security-headers.js';
import type { Lake } from '../../io/lake/lake.js';
import { openLake, type LakeSettings } from '../../io/lake/open.js';
import { openStore, type StoreSettings } from '../../io/store/open.js';
import type { ServingStore } from '../../io/store/serving-store.js';
import { hasAnalyticsViews } from '../../io/store/serving-store.js';
import type { Logger } from '../../runtime/actor.js';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { registerGuards, type HttpSettings } from './guards.js';
import { goldHistory, type GoldHistory } from './history.js';
import { LiveFeed } from './live.js';
import { registerHealthRoutes, registerOpenApiRoute, registerPageRoutes } from './pages.js';
import { registerApiRoutes } from './routes.js';
import { registerStreamRoute } from './stream.js';

export { WEB_DIR } from './pages.js';

/** Secure defaults for a server started without settings: loopback-only is the caller's `host`. */
export const DEFAULT_HTTP_SETTINGS: HttpSettings = { ...HTTP_DEFAULTS, apiToken: '', corsOrigins: [] };

export interface ServerOptions {
  /** The serving store: settings to open it (closed by close()), or an open one (left open). */
  store: StoreSettings | ServingStore;
  /** The lake holding the gold reports: settings, or an open Lake. */
  lake: LakeSettings | Lake;
  port: number;
  /** Default 127.0.0.1: reachable from this machine only. */
  host?: string;
  log: Logger;
  /** Minutes of event time the dashboard charts show. */
  dashboardMinutes?: number;
  /** How often the live feed polls the store. */
  liveIntervalMs?: number;
  /** How long an answer of /api/tweets or /api/prices is reused for the same query (default 200 ms; 0 never). */
  cacheMs?: number;
  /** Token, CORS, rate limit, timeouts, stream caps (each defaults to DEFAULT_HTTP_SETTINGS). */
  http?: Partial<HttpSettings>;
  /** Wall time of default ranges, caches and the live feed's polls (tests inject a ManualClock). */
  clock?: Clock;
}

export interface ServingServer {
  app: FastifyInstance;
  /** http://<host>:<port>, reachable from this machine */
  url: string;
  port: number;
  live: LiveFeed;
  close(): Promise<void>;
}

const isStore = (s: ServerOptions['store']): s is ServingStore => typeof (s as ServingStore).latestTweets === 'function';
const isLake = (l: ServerOptions['lake']): l is Lake => typeof (l as Lake).list === 'function';

/**
 * The symbols the store has seen, re-read at most every `ttlMs` (the 404 check is on the hot
 * path). A symbol missing from the cached set triggers one early re-read if the set is older
 * than `missMs`, so a symbol that just appeared is found, and a flood of unknown symbols costs
 * at most one store read per `missMs`.
 */
function symbolCache(store: ServingStore, ttlMs: number, clock: Clock, missMs = 250): (symbol?: string) => Promise<Set<string> | null> {
  if (!hasAnalyticsViews(store)) return () => Promise.resolve(null);
  let cached: { at: number; symbols: Set<string> } | null = null;
  let pending: Promise<Set<string>> | null = null;
  const reload = () =>
    (pending ??= store.symbols().then(
      (xs) => ((cached = { at: clock.now(), symbols: new Set(xs) }), (pending = null), cached.symbols),
      (e: unknown) => {
        pending = null;
        throw e;
      },
    ));
  return async (symbol) => {
    if (cached === null || clock.now() - cached.at >= ttlMs) return reload();
    if (symbol !== undefined && !cached.symbols.has(symbol) && clock.now() - cached.at >= missMs) return reload();
    return cached.symbols;
  };
}

export interface AppDeps {
  store: ServingStore;
  lake: Lake;
  history: GoldHistory;
  live: LiveFeed;
  log: Logger;
  dashboardMinutes: number;
  clock: Clock;
  cacheMs?: number;
  http?: Partial<HttpSettings>;
}

/** The fastify instance with its limits, error answers and the check on `limit` (no routes yet). */
function createApp(log: Logger, http: HttpSettings): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Long path parameters reach the schema (and get a 400 naming them) instead of a 404.
    routerOptions: { maxParamLength: 10_000 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    http: nodeServerOptions(http),
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    clientErrorHandler,
    // A URL fastify cannot route (bad percent-encoding) never reaches the hooks: headers by hand.
    frameworkErrors: (error, request, reply) => {
      void sendProblem(reply.headers(SECURITY_HEADERS), errorToProblem(error as FastifyError, request).problem);
    },
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { problem, internal } = errorToProblem(error, request);
    if (internal) log.error('request failed', { url: request.url.slice(0, 200), status: problem.status, error: error.message });
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, { ...problemTypes.notFound, detail: `no route ${request.method} ${request.url.split('?')[0].slice(0, 200)}: GET /openapi.json lists the API`, instance: request.url.slice(0, 200) }));
  // ajv coerces with Number(): "Infinity", "0x10" or " 5" would pass as limits. Only digits do.
  app.addHook('preHandler', (request, _reply, done) => {
    const q = request.url.indexOf('?');
    const raw = q < 0 ? [] : new URLSearchParams(request.url.slice(q + 1)).getAll('limit');
    const bad = raw.find((v) => !/^[0-9]{1,4}$/.test(v));
    done(bad !== undefined ? badParameter('query', 'limit', `= ${echo(bad)} is not a whole number: expected ${PARAMETER_FORMS.limit}`) : undefined);
  });
  return app;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const http: HttpSettings = { ...DEFAULT_HTTP_SETTINGS, ...deps.http };
  const app = createApp(deps.log, http);
  // Guards first: their onRoute hook adds the 401 and 429 answers the document then lists.
  await registerGuards(app, http);
  registerOpenApiRoute(app, { tokenRequired: http.apiToken !== '' });
  const knownSymbols = symbolCache(deps.store, 2_000, deps.clock);
  registerApiRoutes(app, { store: deps.store, history: deps.history, now: () => deps.clock.now(), knownSymbols, cacheMs: deps.cacheMs ?? 200 });
  registerStreamRoute(app, { live: deps.live, knownSymbols, maxClients: http.sseMaxClients, maxPerClient: http.sseMaxPerClient });
  registerHealthRoutes(app, deps);
  registerPageRoutes(app, deps);
  return app;
}

export async function startServer(opts: ServerOptions): Promise<ServingServer> {
  const store = isStore(opts.store) ? opts.store : await openStore(opts.store);
  const lake = isLake(opts.lake) ? opts.lake : openLake(opts.lake);
  const clock = opts.clock ?? systemClock;
  const live = new LiveFeed(store, { intervalMs: opts.liveIntervalMs ?? 1_000, log: opts.log, clock });
  const host = opts.host ?? '127.0.0.1';
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp({ store, lake, history: goldHistory(lake), live, log: opts.log, dashboardMinutes: opts.dashboardMinutes ?? 30, clock, cacheMs: opts.cacheMs, http: opts.http });
    await app.listen({ port: opts.port, host });
  } catch (e) {
    await app?.close();
    if (!isStore(opts.store)) await store.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw code === 'EADDRINUSE' ? new Error(`HTTP_PORT ${opts.port} is already in use: choose another with --http-port or HTTP_PORT (0 picks a free one)`) : e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  let closing: Promise<void> | null = null;
  const server = app;
  return {
    app,
    url: `http://${reachableHost(host)}:${port}`,
    port,
    live,
    close: () =>
      (closing ??= (async () => {
        live.stop();
        await server.close();
        if (!isStore(opts.store)) await store.close();
      })()),
  };
}
