// What stands between a request and the API (serving/guards.ts), through fastify's inject:
// security headers on every answer, 405 with Allow, OPTIONS and HEAD, the optional bearer
// token, the per-client rate limit, CORS, and the OpenAPI document that lists what they answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerMatcher } from '../../src/io/http/auth.js';
import { SECURITY_HEADERS } from '../../src/io/http/security-headers.js';
import { fakeApp } from './fakes.js';

const TOKEN = 'test-token-0123456789abcdef';
type Doc = { openapi: string; paths: Record<string, Record<string, { operationId: string; security?: unknown; responses: Record<string, { content?: Record<string, { itemSchema?: unknown; schema?: unknown }>; headers?: Record<string, unknown> }>; 'x-max-range'?: string }>>; components?: { securitySchemes?: Record<string, unknown> } };

test('every answer carries the security headers: JSON, problems, 404, 405, OPTIONS, HEAD, the page, the document', async () => {
  const app = await fakeApp();
  try {
    for (const [method, url, status] of [['GET', '/api/symbols', 200], ['GET', '/api/tweets/aapl', 400], ['GET', '/api/tweets/ZZZZ', 404], ['GET', '/api/tweets/%E0%A4%A', 400], ['GET', '/nope', 404], ['POST', '/api/alerts', 405], ['OPTIONS', '/api/alerts', 204], ['HEAD', '/api/symbols', 200], ['GET', '/', 200], ['GET', '/static/app.js', 200], ['GET', '/openapi.json', 200], ['GET', '/healthz', 200]] as const) {
      const r = await app.inject({ method, url });
      assert.equal(r.statusCode, status, `${method} ${url}: ${r.body.slice(0, 200)}`);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(r.headers[name], value, `${method} ${url}: ${name}`);
    }
  } finally {
    await app.close();
  }
});

test('a known path with another method is 405 with Allow; OPTIONS is 204 with Allow; HEAD answers every GET route and ends', async () => {
  const app = await fakeApp();
  try {
    for (const [method, url] of [['POST', '/api/tweets/AAPL'], ['DELETE', '/api/alerts'], ['PUT', '/'], ['PATCH', '/static/app.js'], ['TRACE', '/healthz'], ['QUERY', '/openapi.json']] as const) {
      const r = await app.inject({ method: method as 'GET', url });
      assert.equal(r.statusCode, 405, `${method} ${url}: ${r.body}`);
      assert.equal(r.headers.allow, 'GET, HEAD, OPTIONS');
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
    }
    assert.equal((await app.inject({ method: 'POST', url: '/api/nope' })).statusCode, 404, 'an unknown path stays a 404');
    const options = await app.inject({ method: 'OPTIONS', url: '/api/windows/AAPL' });
    assert.deepEqual([options.statusCode, options.headers.allow, options.body], [204, 'GET, HEAD, OPTIONS', '']);
    for (const url of ['/api/symbols', '/api/tweets/AAPL', '/api/alerts', '/healthz', '/readyz', '/', '/openapi.json', '/api/stream?symbol=AAPL']) {
      const r = await app.inject({ method: 'HEAD', url });
      assert.equal(r.statusCode, 200, `HEAD ${url}`);
      assert.equal(r.body, '', `HEAD ${url} has no body`);
    }
    assert.match(String((await app.inject({ method: 'HEAD', url: '/api/stream' })).headers['content-type']), /^text\/event-stream/);
  } finally {
    await app.close();
  }
});

test('the bearer token is compared whole, in constant time, and only as a Bearer credential', () => {
  const matches = bearerMatcher(TOKEN);
  assert.equal(matches(`Bearer ${TOKEN}`), true);
  assert.equal(matches(`bearer ${TOKEN}`), true, 'the scheme is case-insensitive (RFC 9110)');
  for (const bad of [undefined, '', 'Bearer', `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, `Bearer ${TOKEN} extra`, `Bearer ${TOKEN.toUpperCase()}`]) assert.equal(matches(bad), false, String(bad));
});

test('API_TOKEN: /api/ needs the token (401 before any validation); the page, its files, the health checks and the document stay open', async () => {
  const app = await fakeApp({ apiToken: TOKEN });
  try {
    for (const url of ['/api/symbols', '/api/tweets/AAPL', '/api/tweets/aapl', '/api/stream?symbol=AAPL', '/api/nope']) {
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKEN}`]) {
        const r = await app.inject({ url, headers: authorization ? { authorization } : {} });
        assert.equal(r.statusCode, 401, `${url} with ${authorization}: ${r.body}`);
        assert.equal(r.headers['www-authenticate'], 'Bearer realm="cashtag"');
        const detail = (JSON.parse(r.body) as { detail: string }).detail;
        assert.doesNotMatch(detail, /AAPL|symbol|parameter|route/i, `${url}: a 401 says nothing about the resource: ${detail}`);
      }
    }
    const ok = await app.inject({ url: '/api/symbols', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.statusCode, 200);
    assert.equal((await app.inject({ url: '/api/tweets/aapl', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 400, 'with the token, validation answers');
    for (const url of ['/', '/static/app.js', '/static/live.js', '/healthz', '/readyz', '/openapi.json']) assert.equal((await app.inject({ url })).statusCode, 200, `${url} is open`);
    const doc = JSON.parse((await app.inject({ url: '/openapi.json' })).body) as Doc;
    assert.deepEqual(doc.components?.securitySchemes?.bearer, { type: 'http', scheme: 'bearer', description: 'API_TOKEN' });
    assert.deepEqual(doc.paths['/api/tweets/{symbol}'].get.security, [{ bearer: [] }]);
    assert.ok(doc.paths['/api/tweets/{symbol}'].get.responses[401].headers?.['WWW-Authenticate']);
    assert.equal(doc.paths['/healthz'].get.security, undefined, '/healthz needs no token');
    assert.equal(doc.paths['/healthz'].get.responses[401], undefined);
  } finally {
    await app.close();
  }
});

test('rate limit: beyond it a 429 problem with Retry-After; /healthz and /readyz are exempt; the document lists the 429', async () => {
  const app = await fakeApp({ rateLimitPerMinute: 3 });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await app.inject({ url: '/api/symbols' })).statusCode, 200);
    const limited = await app.inject({ url: '/api/alerts' });
    assert.equal(limited.statusCode, 429, limited.body);
    assert.match(String(limited.headers['content-type']), /^application\/problem\+json/);
    assert.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60, `Retry-After ${limited.headers['retry-after']}`);
    assert.match((JSON.parse(limited.body) as { detail: string }).detail, /more than 3 requests a minute/);
    for (let i = 0; i < 10; i++) for (const url of ['/healthz', '/readyz']) assert.equal((await app.inject({ url })).statusCode, 200, `${url} #${i}`);
    const other = await app.inject({ url: '/api/symbols', remoteAddress: '127.0.0.9' });
    assert.equal(other.statusCode, 200, 'the limit is per client address');
  } finally {
    await app.close();
  }
  const fresh = await fakeApp({ rateLimitPerMinute: 3 });
  try {
    const doc = JSON.parse((await fresh.inject({ url: '/openapi.json' })).body) as Doc;
    assert.ok(doc.paths['/api/symbols'].get.responses[429].headers?.['Retry-After']);
    assert.equal(doc.paths['/healthz'].get.responses[429], undefined);
    assert.equal(doc.paths['/readyz'].get.responses[429], undefined);
  } finally {
    await fresh.close();
  }
});

test('CORS: only a listed origin gets Access-Control-Allow-Origin, on its preflight and its requests; with none listed, no origin does', async () => {
  const allowed = 'http://dash.example:8000';
  const preflight = (origin: string) => ({ method: 'OPTIONS' as const, url: '/api/symbols', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
  const app = await fakeApp({ corsOrigins: [allowed], apiToken: TOKEN });
  try {
    const ok = await app.inject(preflight(allowed));
    assert.equal(ok.statusCode, 204, ok.body);
    assert.equal(ok.headers['access-control-allow-origin'], allowed);
    assert.match(String(ok.headers['access-control-allow-methods']), /GET/);
    const get = await app.inject({ url: '/api/symbols', headers: { origin: allowed, authorization: `Bearer ${TOKEN}` } });
    assert.deepEqual([get.statusCode, get.headers['access-control-allow-origin']], [200, allowed]);
    const other = await app.inject({ url: '/api/symbols', headers: { origin: 'http://evil.example', authorization: `Bearer ${TOKEN}` } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    assert.equal((await app.inject(preflight('http://evil.example'))).headers['access-control-allow-origin'], undefined);
  } finally {
    await app.close();
  }
  const closed = await fakeApp();
  try {
    const r = await closed.inject(preflight(allowed));
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    assert.equal(r.headers.allow, 'GET, HEAD, OPTIONS');
  } finally {
    await closed.close();
  }
});

test('the OpenAPI document: 3.2, an operationId and responses on every operation, the stream typed per event, the range caps', async () => {
  const app = await fakeApp();
  try {
    const doc = JSON.parse((await app.inject({ url: '/openapi.json' })).body) as Doc;
    assert.equal(doc.openapi, '3.2.0');
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(Object.keys(op.responses).length > 0, `${method} ${path} has responses`);
        assert.ok(op.operationId && !ids.has(op.operationId), `${method} ${path}: operationId ${op.operationId}`);
        ids.add(op.operationId);
      }
    }
    assert.equal(doc.components, undefined, 'no security scheme without a token');
    const stream = doc.paths['/api/stream'].get.responses;
    assert.ok(stream[200].content?.['text/event-stream']?.itemSchema, 'the stream has an itemSchema');
    assert.ok(stream[503].headers?.['Retry-After'], 'the stream documents its 503 with Retry-After');
    assert.equal(doc.paths['/api/windows/{symbol}'].get['x-max-range'], 'P7D');
    assert.equal(doc.paths['/api/history/{symbol}'].get['x-max-range'], 'P90D');
    assert.ok(doc.paths['/'].get.responses[200].content?.['text/html']);
    assert.ok(doc.paths['/openapi.json'].get.responses[200].content?.['application/json']);
  } finally {
    await app.close();
  }
});
