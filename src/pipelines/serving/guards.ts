// What stands between a request and the query API's handlers, in order: security headers on
// every answer; 405/OPTIONS for methods a path does not take; CORS for the configured origins
// (off: same origin only); the per-client rate limit (/healthz and /readyz exempt, so probes
// never see a 429); the bearer token on /api/ (the page, its files, the health checks and the
// OpenAPI document stay open: they hold no data). The 401 and 429 answers a route can give are
// added to its response schemas, so /openapi.json documents them.
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import * as S from '../../io/http/api-schemas.js';
import { registerBearerAuth } from '../../io/http/auth.js';
import type { HttpLimits } from '../../io/http/hardening.js';
import { registerMethodGuard } from '../../io/http/methods.js';
import { ProblemError } from '../../io/http/problem.js';
import { registerSecurityHeaders } from '../../io/http/security-headers.js';

export interface HttpSettings extends HttpLimits {
  /** Bearer token /api/ requires; empty = none. */
  apiToken: string;
  /** Origins allowed to call the API from a browser page; empty = same origin only. */
  corsOrigins: string[];
}

const OPEN_PATHS = new Set(['/', '/healthz', '/readyz', '/openapi.json']);

/** Paths anyone may read with a token configured: they hold no data. */
export const isOpenPath = (path: string) => OPEN_PATHS.has(path) || path.startsWith('/static/');

/** Route config of the routes the rate limit leaves alone. */
export const NOT_RATE_LIMITED = { rateLimit: false } as const;

export async function registerGuards(app: FastifyInstance, s: HttpSettings): Promise<void> {
  registerSecurityHeaders(app);
  registerMethodGuard(app, { corsPreflight: s.corsOrigins.length > 0 });
  if (s.corsOrigins.length > 0) await app.register(cors, { origin: s.corsOrigins, methods: ['GET', 'HEAD'], maxAge: 600, hideOptionsRoute: true });
  if (s.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      max: s.rateLimitPerMinute,
      timeWindow: 60_000,
      errorResponseBuilder: (_req, ctx) => new ProblemError('tooManyRequests', `more than ${ctx.max} requests a minute from this address: retry after ${Math.ceil(ctx.ttl / 1000)} s`),
    });
  }
  if (s.apiToken !== '') registerBearerAuth(app, { token: s.apiToken, isOpen: isOpenPath });
  app.addHook('onRoute', (route) => {
    if (!route.schema?.summary) return;
    const response: Record<string, unknown> = { ...(route.schema.response as Record<string, unknown> | undefined) };
    if (s.apiToken !== '' && !isOpenPath(route.url)) response[401] = S.problem;
    if (s.rateLimitPerMinute > 0 && (route.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false) response[429] = S.problem;
    route.schema.response = response;
  });
}
