// The serving layer: `cashtag serve` (and `cashtag run` unless SERVE=off) answers real-time
// queries from the serving store (LMDB embedded, Cassandra on the stack) and historical ones from
// the gold reports in the lake, and serves the live dashboard at `/`.
//
//   GET /api/symbols | /api/tweets/:symbol | /api/prices/:symbol | /api/windows/:symbol
//       /api/history/:symbol | /api/alerts            JSON, schemas in src/io/http/api-schemas.ts
//   GET /api/stream?symbol=                            server-sent events (serving-live.ts)
//   GET /healthz (alive) | /readyz (store and lake answer) | /openapi.json
//   GET / and /static/*                                the dashboard (web/, uPlot from npm)
//
// Input is hostile until checked: every parameter has a JSON schema (pattern, maxLength,
// bounds) that fastify enforces before a handler runs; a bad one is a 400 problem+json naming
// it; an unknown symbol is a 404; a failing store or lake is a 503; nothing a caller sends can
// make a 500. The store and lake may be shared with a speed layer in the same process (LMDB
// shares its environment per process) or written by another process.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { documentedRoute, openApiDocument, type DocumentedRoute } from '../io/http/openapi.js';
import * as S from '../io/http/api-schemas.js';
import { badParameter, echo, errorToProblem, PARAMETER_FORMS, PROBLEM_TYPE, problemTypes, sendProblem } from '../io/http/problem.js';
import { loadStaticFiles } from '../io/http/static-files.js';
import type { Lake } from '../io/lake/lake.js';
import { openLake, type LakeSettings } from '../io/lake/open.js';
import { GOLD_BUCKET } from '../io/parquet/gold-schemas.js';
import { openStore, type StoreSettings } from '../io/store/open.js';
import type { ServingStore } from '../io/store/serving-store.js';
import { hasAnalyticsViews } from '../io/store/serving-store.js';
import type { Logger } from '../runtime/actor.js';
import { goldHistory, type GoldHistory } from './serving-history.js';
import { LiveFeed } from './serving-live.js';
import { registerApiRoutes } from './serving-routes.js';
import { registerStreamRoute } from './serving-stream.js';

export const WEB_DIR = new URL('../../../web/', import.meta.url);

export interface ServerOptions {
  /** The serving store: settings to open it (closed by close()), or an open one (left open). */
  store: StoreSettings | ServingStore;
  /** The lake holding the gold reports: settings, or an open Lake. */
  lake: LakeSettings | Lake;
  port: number;
  host?: string;
  log: Logger;
  /** Minutes of event time the dashboard charts show. */
  dashboardMinutes?: number;
  /** How often the live feed polls the store. */
  liveIntervalMs?: number;
  /** How long an answer of /api/tweets or /api/prices is reused for the same query (default 200 ms; 0 never). */
  cacheMs?: number;
  now?: () => number;
}

export interface ServingServer {
  app: FastifyInstance;
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  live: LiveFeed;
  close(): Promise<void>;
}

const isStore = (s: ServerOptions['store']): s is ServingStore => typeof (s as ServingStore).latestTweets === 'function';
const isLake = (l: ServerOptions['lake']): l is Lake => typeof (l as Lake).list === 'function';

/** Settle within `ms` or fail (a hung server is not ready). */
const within = <T>(ms: number, p: Promise<T>): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });

/**
 * The symbols the store has seen, re-read at most every `ttlMs` (the 404 check is on the hot
 * path). A symbol missing from the cached set triggers one early re-read if the set is older
 * than `missMs`, so a symbol that just appeared is found, and a flood of unknown symbols costs
 * at most one store read per `missMs`.
 */
function symbolCache(store: ServingStore, ttlMs: number, missMs = 250): (symbol?: string) => Promise<Set<string> | null> {
  if (!hasAnalyticsViews(store)) return () => Promise.resolve(null);
  let cached: { at: number; symbols: Set<string> } | null = null;
  let pending: Promise<Set<string>> | null = null;
  const reload = () =>
    (pending ??= store.symbols().then(
      (xs) => ((cached = { at: Date.now(), symbols: new Set(xs) }), (pending = null), cached.symbols),
      (e: unknown) => {
        pending = null;
        throw e;
      },
    ));
  return async (symbol) => {
    if (cached === null || Date.now() - cached.at >= ttlMs) return reload();
    if (symbol !== undefined && !cached.symbols.has(symbol) && Date.now() - cached.at >= missMs) return reload();
    return cached.symbols;
  };
}

export function buildApp(deps: { store: ServingStore; lake: Lake; history: GoldHistory; live: LiveFeed; log: Logger; dashboardMinutes: number; now: () => number; cacheMs?: number }): FastifyInstance {
  const { store, lake, log } = deps;
  const app = Fastify({
    logger: false,
    // Long path parameters reach the schema (and get a 400 naming them) instead of a 404.
    routerOptions: { maxParamLength: 10_000 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    frameworkErrors: (error, request, reply) => {
      void sendProblem(reply, errorToProblem(error as FastifyError, request).problem);
    },
  });
  const routes: DocumentedRoute[] = [];
  app.addHook('onRoute', (route) => {
    const doc = documentedRoute(route);
    if (doc) routes.push(doc);
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

  const knownSymbols = symbolCache(store, 2_000);
  registerApiRoutes(app, { store, history: deps.history, now: deps.now, knownSymbols, cacheMs: deps.cacheMs ?? 200 });
  registerStreamRoute(app, { live: deps.live, knownSymbols });

  app.get('/healthz', { schema: { summary: 'liveness: the process answers', response: { 200: S.responses.health } } }, () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { summary: 'readiness: the serving store and the lake answer within 2 s', response: { 200: S.responses.health, 503: S.responses.health } } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    await Promise.all([
      within(2_000, store.latestTweets('READYZ', { limit: 1 })).then(() => (checks.store = 'ok'), (e: Error) => (checks.store = e.message)),
      within(2_000, lake.list(GOLD_BUCKET, '_readyz/')).then(() => (checks.lake = 'ok'), (e: Error) => (checks.lake = e.message)),
    ]);
    const ok = Object.values(checks).every((c) => c === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });

  const files = loadStaticFiles(WEB_DIR);
  const page = files.get('index.html')!.body.toString('utf8').replace('{{DASHBOARD_MINUTES}}', String(deps.dashboardMinutes));
  const security = { 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'", 'referrer-policy': 'no-referrer' };
  app.get('/', { schema: { summary: 'the live dashboard', produces: 'text/html' } }, (_req, reply) => reply.headers({ ...security, 'cache-control': 'no-cache' }).type('text/html; charset=utf-8').send(page));
  app.get<{ Params: { name: string } }>('/static/:name', { schema: { hide: true, params: { type: 'object', properties: { name: { type: 'string', maxLength: 64 } } } } }, (req, reply) => {
    const f = files.get(req.params.name);
    if (!f || req.params.name === 'index.html') return sendProblem(reply, { ...problemTypes.notFound, detail: `no static file ${JSON.stringify(req.params.name.slice(0, 64))}`, instance: req.url.slice(0, 200) });
    return reply.headers({ ...security, 'cache-control': 'public, max-age=300' }).type(f.type).send(f.body);
  });

  app.get('/openapi.json', { schema: { summary: 'this document' } }, (_req, reply) =>
    reply.type('application/json').send(openApiDocument({ title: 'cashtag query API', version: '1', description: `Real-time (serving store) and historical (gold reports) stock-sentiment queries. Errors are ${PROBLEM_TYPE} (RFC 9457).` }, routes)),
  );
  return app;
}

export async function startServer(opts: ServerOptions): Promise<ServingServer> {
  const store = isStore(opts.store) ? opts.store : await openStore(opts.store);
  const lake = isLake(opts.lake) ? opts.lake : openLake(opts.lake);
  const live = new LiveFeed(store, { intervalMs: opts.liveIntervalMs ?? 1_000, log: opts.log });
  const app = buildApp({ store, lake, history: goldHistory(lake), live, log: opts.log, dashboardMinutes: opts.dashboardMinutes ?? 30, now: opts.now ?? Date.now, cacheMs: opts.cacheMs });
  try {
    await app.listen({ port: opts.port, host: opts.host ?? '0.0.0.0' });
  } catch (e) {
    if (!isStore(opts.store)) await store.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw code === 'EADDRINUSE' ? new Error(`HTTP_PORT ${opts.port} is already in use: choose another with --http-port or HTTP_PORT (0 picks a free one)`) : e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  let closing: Promise<void> | null = null;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    live,
    close: () =>
      (closing ??= (async () => {
        live.stop();
        await app.close();
        if (!isStore(opts.store)) await store.close();
      })()),
  };
}
