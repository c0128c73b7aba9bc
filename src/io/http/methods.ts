// Methods per path, from the routes fastify registered. A request for a path some route serves,
// with a method none of them takes, is answered 405 with `Allow` (RFC 9110 15.5.6) instead of
// 404; OPTIONS on such a path is 204 with `Allow`. It runs as the first onRequest hook, before
// authentication and before fastify looks for a body, so a QUERY or POST without a
// content type is a 405 too. A CORS preflight is left to the CORS plugin when it is on.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { problemTypes, sendProblem } from './problem.js';

interface PathMethods {
  pattern: RegExp;
  methods: Set<string>;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/api/tweets/:symbol` → a regular expression matching its concrete paths (a parameter may be empty, as fastify allows). */
const compile = (url: string) => new RegExp(`^${url.split(/(:[A-Za-z0-9_]+)/).map((part) => (part.startsWith(':') ? '[^/]*' : escape(part))).join('')}$`);

export const isPreflight = (req: FastifyRequest) => req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;

export function registerMethodGuard(app: FastifyInstance, opts: { corsPreflight: boolean }): void {
  const table = new Map<string, PathMethods>();
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    const entry = table.get(route.url) ?? { pattern: compile(route.url), methods: new Set<string>() };
    for (const m of [route.method].flat()) entry.methods.add(m);
    table.set(route.url, entry);
  });
  const allowedFor = (path: string): Set<string> | null => {
    let out: Set<string> | null = null;
    for (const e of table.values()) if (e.pattern.test(path)) out = new Set([...(out ?? []), ...e.methods]);
    return out;
  };

  app.addHook('onRequest', (req, reply, done) => {
    const q = req.url.indexOf('?');
    const allowed = allowedFor(q < 0 ? req.url : req.url.slice(0, q));
    if (allowed === null || allowed.has(req.method) || (opts.corsPreflight && isPreflight(req))) return done();
    const allow = [...allowed, 'OPTIONS'].sort().join(', ');
    if (req.method === 'OPTIONS') return void reply.code(204).header('allow', allow).send();
    void sendProblem(reply.header('allow', allow), { ...problemTypes.methodNotAllowed, detail: `${req.method.slice(0, 20)} is not allowed here: expected ${allow}`, instance: req.url.slice(0, 200) });
  });
}
