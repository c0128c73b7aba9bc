// The serving layer's routes that are not queries: the dashboard page and its files, the
// health checks and the OpenAPI document. None holds data, so none needs the bearer token;
// the health checks are not rate limited (probes must never see a 429).
import type { FastifyInstance } from 'fastify';
import * as S from '../../io/http/api-schemas.js';
import type { Lake } from '../../io/lake/lake.js';
import { GOLD_BUCKET } from '../../io/parquet/gold-schemas.js';
import type { ServingStore } from '../../io/store/serving-store.js';
import { documentedRoute, openApiDocument, type DocumentedRoute } from '../../io/http/openapi.js';
import { PROBLEM_TYPE, problemTypes, sendProblem } from '../../io/http/problem.js';
import { loadStaticFiles } from '../../io/http/static-files.js';
import { isOpenPath, NOT_RATE_LIMITED } from './guards.js';

export const WEB_DIR = new URL('../../../../web/', import.meta.url);

/** Settle within `ms` or fail (a hung server is not ready). */
const within = <T>(ms: number, p: Promise<T>): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });

export function registerHealthRoutes(app: FastifyInstance, deps: { store: ServingStore; lake: Lake }): void {
  app.get('/healthz', { config: NOT_RATE_LIMITED, schema: { summary: 'liveness: the process answers', response: { 200: S.responses.health } } }, () => ({ status: 'ok' }));
  app.get('/readyz', { config: NOT_RATE_LIMITED, schema: { summary: 'readiness: the serving store and the lake answer within 2 s', response: { 200: S.responses.health, 503: S.responses.health } } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    await Promise.all([
      within(2_000, deps.store.latestTweets('READYZ', { limit: 1 })).then(() => (checks.store = 'ok'), (e: Error) => (checks.store = e.message)),
      within(2_000, deps.lake.list(GOLD_BUCKET, '_readyz/')).then(() => (checks.lake = 'ok'), (e: Error) => (checks.lake = e.message)),
    ]);
    const ok = Object.values(checks).every((c) => c === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });
}

export function registerPageRoutes(app: FastifyInstance, deps: { dashboardMinutes: number }): void {
  const files = loadStaticFiles(WEB_DIR);
  const page = files.get('index.html')!.body.toString('utf8').replace('{{DASHBOARD_MINUTES}}', String(deps.dashboardMinutes));
  app.get('/', { schema: { summary: 'the live dashboard', produces: 'text/html', response: { 200: { type: 'string' } } } }, (_req, reply) => reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page));
  app.get<{ Params: { name: string } }>('/static/:name', { schema: { hide: true, params: { type: 'object', properties: { name: { type: 'string', maxLength: 64 } } } } }, (req, reply) => {
    const f = files.get(req.params.name);
    if (!f || req.params.name === 'index.html') return sendProblem(reply, { ...problemTypes.notFound, detail: `no static file ${JSON.stringify(req.params.name.slice(0, 64))}`, instance: req.url.slice(0, 200) });
    return reply.header('cache-control', 'public, max-age=300').type(f.type).send(f.body);
  });
}

/** GET /openapi.json, documenting every route registered after this call. */
export function registerOpenApiRoute(app: FastifyInstance, opts: { tokenRequired: boolean }): void {
  const routes: DocumentedRoute[] = [];
  app.addHook('onRoute', (route) => {
    const doc = documentedRoute(route);
    if (doc) routes.push(doc);
  });
  const info = { title: 'cashtag query API', version: '1', description: `Real-time (serving store) and historical (gold reports) stock-sentiment queries. Errors are ${PROBLEM_TYPE} (RFC 9457).` };
  let body: string | null = null;
  // Serialised once, by hand: fastify's serialiser would keep only the properties a schema names.
  app.get('/openapi.json', { schema: { summary: 'this document (OpenAPI 3.2)', response: { 200: { type: 'object', description: 'an OpenAPI 3.2 document' } } } }, (_req, reply) =>
    reply.type('application/json; charset=utf-8').send((body ??= JSON.stringify(openApiDocument(info, routes, { needsToken: (url) => opts.tokenRequired && !isOpenPath(url) })))),
  );
}
