// The /metrics server: loopback unless told otherwise, GET and HEAD only (405 with Allow for
// the rest), the security headers on every answer, and a port in use named with its setting.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startMetricsServer } from '../../src/io/http/metrics-server.js';

const render = () => Promise.resolve('# TYPE up gauge\nup 1\n');

test('/metrics listens on 127.0.0.1 by default, answers GET and HEAD, and 405s other methods', async () => {
  const server = await startMetricsServer(0, render, 'text/plain; version=0.0.4');
  try {
    assert.equal((server.address() as AddressInfo).address, '127.0.0.1');
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const get = await fetch(server.url);
    assert.equal(get.status, 200);
    assert.match(await get.text(), /^up 1$/m);
    assert.equal(get.headers.get('x-content-type-options'), 'nosniff');
    const head = await fetch(server.url, { method: 'HEAD' });
    assert.deepEqual([head.status, await head.text()], [200, '']);
    const post = await fetch(server.url, { method: 'POST' });
    assert.deepEqual([post.status, post.headers.get('allow')], [405, 'GET, HEAD']);
    assert.equal(post.headers.get('content-security-policy')?.includes("default-src 'self'"), true);
    assert.equal((await fetch(server.url.replace('/metrics', '/nope'))).status, 404);
    await assert.rejects(startMetricsServer((server.address() as AddressInfo).port, render, 'text/plain'), /METRICS_PORT \d+ is already in use/);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('/metrics listens where METRICS_HOST says', async () => {
  const server = await startMetricsServer(0, render, 'text/plain', '0.0.0.0');
  try {
    assert.equal((server.address() as AddressInfo).address, '0.0.0.0');
    assert.equal((await fetch(server.url)).status, 200, 'the printed URL reaches it');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('stop() ends the connections of a scraper polling faster than the keep-alive timeout', async () => {
  const server = await startMetricsServer(0, render, 'text/plain');
  let polling = true;
  let scrapes = 0;
  const poller = (async () => {
    while (polling) {
      await fetch(server.url).then((r) => r.text()).then(() => scrapes++, () => undefined);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    while (scrapes < 5) await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    await server.stop();
    // close() alone waits as long as the poller goes on (keep-alive 5 s, one scrape every 20 ms).
    assert.ok(performance.now() - t0 < 2_000, `stop() took ${Math.round(performance.now() - t0)} ms`);
    assert.equal(server.listening, false);
  } finally {
    polling = false;
    await poller;
  }
});
