// The limits that keep slow or greedy clients from holding the server, on real sockets: a
// client that trickles its headers (Slowloris) or sends nothing is answered 408 and
// disconnected (timeouts set low through the configuration, as a user would); live streams
// beyond SSE_MAX_CLIENTS, or beyond SSE_MAX_PER_CLIENT from one address, get a 503 with
// Retry-After and a closed connection, and a slot freed by a client that leaves is reused.
// How fast the defaults drop slow clients is measured by bench/slow-clients.ts, not here.
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { httpSettings } from '../../src/pipelines/serving/settings.js';
import { fakeServer } from './fakes.js';

/** Opens a socket, sends `head` then one header line every `everyMs` until the server closes it; what the server sent. */
function trickle(port: number, head: string, everyMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (got += d));
    socket.on('connect', () => {
      if (head) socket.write(head);
      if (everyMs > 0) timer = setInterval(() => socket.write(`X-Slow-${Date.now()}: still here\r\n`), everyMs);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    socket.on('close', () => {
      clearInterval(timer);
      resolve(got);
    });
  });
}

test('a client that never finishes its headers, or sends nothing, is answered 408 and disconnected', { timeout: 30_000 }, async () => {
  const cfg = loadConfig({}, { HTTP_HEADERS_TIMEOUT: '0.5', HTTP_REQUEST_TIMEOUT: '1' });
  const server = await fakeServer(httpSettings(cfg));
  try {
    const [slow, silent] = await Promise.all([trickle(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 100), trickle(server.port, '', 0)]);
    assert.match(slow, /^HTTP\/1\.1 408 /, `the trickling client got: ${slow.slice(0, 200)}`);
    assert.match(slow, /x-content-type-options: nosniff/);
    assert.match(silent, /^(HTTP\/1\.1 408 |$)/, `the silent client got: ${silent.slice(0, 200)}`);
    // The server still answers.
    const ok = await fetch(`${server.url}/healthz`);
    assert.equal(ok.status, 200);
  } finally {
    await server.close();
  }
});

/** GET /api/stream from a local address; resolves with the response once its headers arrive. */
function openStream(port: number, localAddress: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, localAddress, path: '/api/stream', agent: false }, resolve);
    req.on('error', reject);
    req.end();
  });
}

const drain = (res: IncomingMessage) => new Promise<string>((resolve) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (body += c));
  res.on('end', () => resolve(body));
});

test('live streams beyond SSE_MAX_CLIENTS, or SSE_MAX_PER_CLIENT from one address, get 503 with Retry-After; a freed slot is reused', { timeout: 30_000 }, async () => {
  const cfg = loadConfig({}, { SSE_MAX_CLIENTS: '3', SSE_MAX_PER_CLIENT: '2', HTTP_RATE_LIMIT: '0' });
  const server = await fakeServer(httpSettings(cfg));
  const open: IncomingMessage[] = [];
  try {
    const refusedFrom = async (from: string, why: RegExp) => {
      const refused = await openStream(server.port, from);
      assert.equal(refused.statusCode, 503, `stream from ${from}`);
      assert.equal(refused.headers['retry-after'], '10');
      assert.equal(refused.headers.connection, 'close', 'a refused attempt holds no socket');
      assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
      assert.match(await drain(refused), why);
    };
    const accepted = async (from: string) => {
      const res = await openStream(server.port, from);
      assert.equal(res.statusCode, 200, `stream from ${from}`);
      open.push(res);
    };
    await accepted('127.0.0.1');
    await accepted('127.0.0.1');
    await refusedFrom('127.0.0.1', /this address holds 2 live streams.*SSE_MAX_PER_CLIENT/);
    await accepted('127.0.0.2');
    await refusedFrom('127.0.0.3', /3 live streams are open.*SSE_MAX_CLIENTS/);
    // One leaves: its slot is free again (the server notices the close; poll the next attempt).
    open.shift()!.destroy();
    let again: IncomingMessage | null = null;
    for (let i = 0; i < 50 && again === null; i++) {
      const res = await openStream(server.port, '127.0.0.3');
      if (res.statusCode === 200) again = res;
      else await drain(res);
    }
    assert.ok(again, 'a slot freed by a client that left is given to the next');
    open.push(again);
  } finally {
    for (const res of open) res.destroy();
    await server.close();
  }
});
