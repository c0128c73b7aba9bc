// Hostile input: every parameter of every endpoint with bad values. Each gets a 400
// problem+json whose detail names the parameter (never a 500, never a crash), a well-formed
// but unknown symbol gets a 404, and the server keeps answering throughout.
//
// Decision (documented in the OpenAPI descriptions): a symbol the serving store has never seen
// is 404 "no data for symbol"; a known symbol with nothing in the asked range is 200 with an
// empty list.
import { systemClock } from '../../src/runtime/clock.js';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Lake } from '../../src/io/lake/lake.js';
import type { AnalyticsViews, ServingStore } from '../../src/io/store/serving-store.js';
import { buildApp, type ServingServer } from '../../src/pipelines/serving/server.js';
import { goldHistory } from '../../src/pipelines/serving/history.js';
import { LiveFeed } from '../../src/pipelines/serving/live.js';
import { quietLogger } from '../helpers/runtime.js';
import { finishedRun, serve } from './helpers.js';

let server: ServingServer;
let dataDir = '';

const SQL = ["'; DROP TABLE tweets;--", "AAPL' OR '1'='1", 'AAPL; SELECT * FROM twitter.tweets', 'AAPL") ALLOW FILTERING --', '$AAPL', '*', '%'];
const LONG = 'A'.repeat(5_000);
const HUGE = 'B'.repeat(60_000);
const UNICODE = ['ÄAPL', 'AAPL\u200b', '😀', 'ＡＡＰＬ', 'AAPL\u0000', 'A\nB'];
const BAD_SYMBOLS = ['aapl', '1AAPL', 'AAPLAAPLAAPL', '.AAPL', 'AA-PL', 'AA PL', ' AAPL', LONG, ...SQL, ...UNICODE];
const BAD_TIMES = ['yesterday', '2025-13-01T00:00:00Z', '2025-12-18T25:00:00Z', '2025-12-18', '2025-12-18T14:00:00', '1734530400000', "2025-12-18T14:00:00Z' OR '1'='1", '', LONG, '２０２５-12-18T14:00:00Z', 'NaN'];
const BAD_LIMITS = ['0', '-1', '1001', '1e9', '99999999999999999999', 'abc', '1.5', '', 'NaN', 'Infinity', '0x10', "50; DROP TABLE tweets", LONG];

/** One request with a raw (already encoded) path; the status, content type and body. */
function raw(path: string, method = 'GET'): Promise<{ status: number; type: string; allow?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), allow: res.headers.allow, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const enc = encodeURIComponent;

async function expectProblem(path: string, status: number, mentions: RegExp): Promise<void> {
  const r = await raw(path);
  assert.equal(r.status, status, `${path.slice(0, 120)} -> ${r.status} ${r.body.slice(0, 300)}`);
  assert.match(r.type, /^application\/problem\+json/, `${path.slice(0, 120)}: content type ${r.type}`);
  const p = JSON.parse(r.body) as { type: string; title: string; status: number; detail: string };
  assert.equal(p.status, status);
  assert.ok(p.type && p.title, 'a problem has a type and a title');
  assert.match(p.detail, mentions, `${path.slice(0, 120)}: detail ${p.detail}`);
  assert.ok(r.body.length < 4_000, `${path.slice(0, 80)}: the problem does not echo a huge value (${r.body.length} bytes)`);
}

describe('hostile input', { timeout: 180_000 }, () => {
  before(async () => {
    const { cfg } = await finishedRun({ events: 3_000, batch: true });
    dataDir = cfg.dataDir;
    server = await serve(cfg);
  });
  after(async () => {
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('a bad symbol in any path is a 400 naming the symbol parameter', async () => {
    for (const route of ['tweets', 'prices', 'windows', 'history']) {
      for (const s of BAD_SYMBOLS) await expectProblem(`/api/${route}/${enc(s)}`, 400, /path parameter "symbol".*expected a ticker symbol/);
    }
    for (const s of [...BAD_SYMBOLS, '']) await expectProblem(`/api/stream?symbol=${enc(s)}`, 400, /query parameter "symbol"/);
    await expectProblem('/api/tweets/', 400, /path parameter "symbol"/);
  });

  test('a bad time is a 400 naming since, from or to', async () => {
    for (const t of BAD_TIMES) {
      await expectProblem(`/api/tweets/AAPL?since=${enc(t)}`, 400, /query parameter "since"/);
      await expectProblem(`/api/prices/AAPL?since=${enc(t)}`, 400, /query parameter "since"/);
      await expectProblem(`/api/alerts?since=${enc(t)}`, 400, /query parameter "since"/);
      await expectProblem(`/api/windows/AAPL?from=${enc(t)}`, 400, /query parameter "from"/);
      await expectProblem(`/api/windows/AAPL?to=${enc(t)}`, 400, /query parameter "to"/);
      await expectProblem(`/api/history/AAPL?from=${enc(t)}&to=2025-12-19T00:00:00Z`, 400, /query parameter "from"/);
    }
  });

  test('a bad limit is a 400 naming limit and its bounds', async () => {
    for (const l of BAD_LIMITS) {
      for (const path of ['/api/tweets/AAPL', '/api/prices/AAPL', '/api/alerts', '/api/windows/AAPL', '/api/history/AAPL']) {
        await expectProblem(`${path}?limit=${enc(l)}`, 400, /query parameter "limit".*1 to 1000/);
      }
    }
    await expectProblem('/api/tweets/AAPL?limit=1&limit=2', 400, /query parameter "limit"/);
  });

  test('every range the schema accepts is answered: an inverted one is empty, an over-long one is cut to its cap and says so', async () => {
    const json = async (path: string) => {
      const r = await raw(path);
      assert.equal(r.status, 200, `${path}: ${r.status} ${r.body.slice(0, 300)}`);
      return JSON.parse(r.body) as { from: string; to: string; count: number; truncated: boolean };
    };
    const inverted = await json('/api/windows/AAPL?from=2025-12-18T15:00:00Z&to=2025-12-18T14:00:00Z');
    assert.deepEqual([inverted.from, inverted.to, inverted.count], ['2025-12-18T14:00:00.000Z', '2025-12-18T14:00:00.000Z', 0]);
    const long = await json('/api/windows/AAPL?from=2025-12-01T00:00:00Z&to=2025-12-18T15:00:00Z');
    assert.deepEqual([long.from, long.truncated], ['2025-12-11T15:00:00.000Z', true], 'cut to the 7 days before to');
    assert.ok(long.count > 0, 'the windows of the run are in the cut range');
    const history = await json('/api/history/AAPL?from=2025-01-01T00:00:00Z&to=2025-12-18T16:00:00Z');
    assert.deepEqual([history.from, history.truncated], ['2025-09-19T16:00:00.000Z', true], 'cut to the 90 days before to');
    const extreme = await json('/api/history/AAPL?from=0000-01-01T00:00:00Z&to=9999-12-31T23:59:59-23:59');
    assert.equal(extreme.to, '9999-12-31T23:59:59.999Z', 'kept within year 9999, so the answer is RFC 3339 too');
    const exact = await json('/api/windows/AAPL?from=2025-12-18T14:00:00Z&to=2025-12-18T15:00:00Z');
    assert.equal(exact.truncated, exact.count === 1000, 'a range within the cap is not marked cut');
  });

  test('times the schema accepts but JavaScript does not parse as such: a leap second, an hours-only offset, a space, lower case', async () => {
    const to = async (t: string) => {
      const r = await raw(`/api/windows/AAPL?to=${enc(t)}`);
      assert.equal(r.status, 200, `${t}: ${r.status} ${r.body.slice(0, 300)}`);
      return (JSON.parse(r.body) as { to: string }).to;
    };
    assert.equal(await to('2016-12-31T23:59:60Z'), '2017-01-01T00:00:00.000Z');
    assert.equal(await to('2025-12-18T15:00:00+01'), '2025-12-18T14:00:00.000Z');
    assert.equal(await to('2025-12-18 15:00:00z'), '2025-12-18T15:00:00.000Z');
    assert.equal(await to('2025-12-18t16:00:00+0100'), '2025-12-18T15:00:00.000Z');
  });

  test('a bad report, an unknown parameter or a bad query string is a 400', async () => {
    for (const r of ['STATS', 'pivot', 'stats;DROP TABLE tweets', '', LONG, 'statś']) await expectProblem(`/api/history/AAPL?report=${enc(r)}&from=2025-12-18T00:00:00Z&to=2025-12-19T00:00:00Z`, 400, /query parameter "report".*stats, trend/);
    await expectProblem('/api/tweets/AAPL?sinse=2025-12-18T00:00:00Z', 400, /query parameter "sinse" is not a parameter/);
    await expectProblem(`/api/tweets/AAPL?${'x'.repeat(3000)}=1`, 400, /is not a parameter/);
    await expectProblem('/api/alerts?since[$gt]=0', 400, /not a parameter|since/);
    await expectProblem('/api/tweets/%E0%A4%A', 400, /./);
    await expectProblem('/api/tweets/AAPL%', 400, /./);
  });

  test('a well-formed symbol with no data is a 404 naming it; an empty range of a known one is 200 and empty', async () => {
    for (const path of ['/api/tweets/ZZZZ', '/api/prices/ZZZZ', '/api/windows/ZZZZ', '/api/stream?symbol=ZZZZ', '/api/history/ZZZZ?from=2025-12-18T00:00:00Z&to=2025-12-19T00:00:00Z']) {
      await expectProblem(path, 404, /ZZZZ/);
    }
    const empty = await raw('/api/tweets/AAPL?since=2099-01-01T00:00:00Z');
    assert.equal(empty.status, 200);
    assert.deepEqual(JSON.parse(empty.body).items, []);
    const emptyHistory = await raw('/api/history/AAPL?from=1999-01-01T00:00:00Z&to=1999-02-01T00:00:00Z');
    assert.equal(emptyHistory.status, 200);
    assert.equal(JSON.parse(emptyHistory.body).count, 0);
  });

  test('unknown routes are 404 problems, other methods on a known path 405 with Allow; huge URLs are refused without a crash', async () => {
    await expectProblem('/api/nope', 404, /no route GET \/api\/nope/);
    await expectProblem('/api/tweets', 404, /no route/);
    for (const [method, path] of [['POST', '/api/tweets/AAPL'], ['DELETE', '/api/alerts'], ['PUT', '/'], ['TRACE', '/healthz'], ['QUERY', '/api/prices/AAPL'], ['PATCH', '/api/stream']]) {
      const r = await raw(path, method);
      assert.equal(r.status, 405, `${method} ${path}: ${r.status} ${r.body}`);
      assert.equal(r.allow, 'GET, HEAD, OPTIONS', `${method} ${path}: Allow`);
      assert.match(r.type, /^application\/problem\+json/);
    }
    const huge = await raw(`/api/tweets/${HUGE}`).catch((e: Error) => ({ status: -1, type: '', body: e.message }));
    assert.ok(huge.status === 431 || huge.status === 414 || huge.status === 400 || huge.status === -1, `huge URL: ${huge.status}`);
  });

  test('the server is still up and answers correctly after all of it', async () => {
    const ok = await raw('/api/tweets/AAPL?limit=3');
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).count, 3);
    assert.equal((await raw('/healthz')).status, 200);
    assert.equal((await raw('/readyz')).status, 200);
  });
});

test('a failing store or lake is a 503 that does not leak its cause; readyz says which is down', async () => {
  const down = () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:9042 (secret-host)'));
  const store = { latestTweets: down, latestPrices: down, windows: down, latestWindow: down, alerts: down, symbols: () => Promise.resolve(['AAPL']), upsertWindows: down, upsertAlerts: down, upsertTweets: down, upsertPrices: down, expire: down, flushed: down, close: () => Promise.resolve() } as unknown as ServingStore & AnalyticsViews;
  const lake = { list: down, read: down } as unknown as Lake;
  const log = quietLogger();
  const app = await buildApp({ store, lake, history: goldHistory(lake), live: new LiveFeed(store, { intervalMs: 1000, log }), log, dashboardMinutes: 30, clock: systemClock });
  try {
    for (const url of ['/api/tweets/AAPL', '/api/prices/AAPL', '/api/windows/AAPL', '/api/alerts', '/api/history/AAPL']) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 503, `${url}: ${r.body}`);
      assert.match(r.headers['content-type'] as string, /application\/problem\+json/);
      assert.doesNotMatch(r.body, /10\.1\.2\.3|secret-host|ECONNREFUSED/, 'the cause stays in the log');
    }
    assert.ok(log.lines.some((l) => l.level === 'error' && JSON.stringify(l.fields).includes('ECONNREFUSED')), 'the cause is logged');
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.equal(JSON.parse(ready.body).status, 'not ready');
  } finally {
    await app.close();
  }
});
