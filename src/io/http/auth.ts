// Optional bearer-token authentication (RFC 6750): with a token configured, a request to a
// protected path must carry `Authorization: Bearer <token>`, else it is answered 401 with
// `WWW-Authenticate` and nothing about the resource. The comparison takes the same time
// whatever the guess (both sides are hashed to 32 bytes, then compared in constant time), so
// the answer's timing says nothing about how much of a guess was right.
//
// It runs as a preValidation hook: after the rate limiter (onRequest), so guessing is rate
// limited too, and before the parameters are validated, so an unauthenticated caller learns
// nothing from validation messages.
import type { FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { problemTypes, sendProblem } from './problem.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** A constant-time test of an Authorization header against `token`. */
export function bearerMatcher(token: string): (authorization: string | undefined) => boolean {
  const want = digest(token);
  return (authorization) => {
    const m = /^Bearer +([\x21-\x7e]+) *$/i.exec(authorization ?? '');
    const same = timingSafeEqual(digest(m?.[1] ?? ''), want);
    return m !== null && same;
  };
}

export function registerBearerAuth(app: FastifyInstance, opts: { token: string; isOpen: (path: string) => boolean }): void {
  const matches = bearerMatcher(opts.token);
  app.addHook('preValidation', (req, reply, done) => {
    const q = req.url.indexOf('?');
    if (opts.isOpen(q < 0 ? req.url : req.url.slice(0, q)) || matches(req.headers.authorization)) return done();
    const detail = req.headers.authorization === undefined ? 'this API needs a bearer token: send Authorization: Bearer <API_TOKEN>' : 'the bearer token is not valid';
    void sendProblem(reply.header('www-authenticate', 'Bearer realm="cashtag"'), { ...problemTypes.unauthorized, detail, instance: req.url.slice(0, 200) });
  });
}
