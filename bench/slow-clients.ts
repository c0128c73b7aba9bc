// `make bench-slow-clients`: slow and greedy clients against `cashtag serve` with its defaults
// (a child process over an empty data directory; extra settings from the environment).
//   1. Slowloris: --clients sockets each send a request line, then one header line every
//      --every seconds and never the blank line. Printed: when the server closed them
//      (min / median / max seconds after connecting), what it answered, and how many were still
//      open after --hold seconds.
//   2. Live-stream flood: --streams GET /api/stream attempts, --per-address from each of
//      127.0.0.2, 127.0.0.3, ... (so SSE_MAX_PER_CLIENT is not what refuses them), all held open.
//      Printed: answers by status, the server's RSS before, with the streams open, and after
//      they closed.
// A benchmark, not a test: it prints figures; it asserts nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFlags } from './flags.js';

const a = benchFlags('make bench-slow-clients: Slowloris clients and a live-stream flood against `cashtag serve` with its defaults: when the slow ones are dropped, how the flood is answered, and the server RSS.', {
  clients: { type: 'string', default: '800', describe: 'slow-header clients' },
  every: { type: 'string', default: '5', describe: 'seconds between their header lines' },
  hold: { type: 'string', default: '75', describe: 'seconds to keep trickling before counting who is still connected' },
  streams: { type: 'string', default: '1500', describe: 'GET /api/stream attempts' },
  'per-address': { type: 'string', default: '10', describe: 'stream attempts per source address (127.0.0.2, ...)' },
}, { HTTP_HEADERS_TIMEOUT: 'and every other setting of cashtag serve, passed to it' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const quantile = (xs: number[], q: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function startServe(dataDir: string): Promise<{ pid: number; port: number; stop(): Promise<void> }> {
  const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'serve'], { env: { ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /API:\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`cashtag serve exited with ${code}: ${err}`)));
  });
  process.stdout.write(err.split('\n').filter((l) => l.includes('access:')).join('\n') + '\n');
  return { pid: child.pid!, port, stop: () => new Promise<void>((r) => (child.once('exit', () => r()), child.kill('SIGTERM'))) };
}

/** One slow client: seconds until the server closed it (null: still open after holdMs), and the first line it got. */
function slowClient(port: number, everyMs: number, holdMs: number): Promise<{ closedAfter: number | null; answer: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setInterval(() => socket.write(`X-Slow-${Math.round(performance.now())}: 1\r\n`), everyMs);
    const give = setTimeout(() => (clearInterval(timer), socket.destroy(), resolve({ closedAfter: null, answer })), holdMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: cashtag\r\n'));
    socket.on('data', (d: string) => (answer ||= d.split('\r\n')[0]));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(give);
      resolve({ closedAfter: (performance.now() - t0) / 1000, answer });
    });
  });
}

function streamAttempt(port: number, localAddress: string): Promise<IncomingMessage | Error> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, localAddress, path: '/api/stream', agent: false }, resolve);
    req.on('error', resolve);
    req.end();
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-bench-slow-'));
const server = await startServe(dataDir);
try {
  const clients = Number(a.clients);
  const holdMs = Number(a.hold) * 1000;
  console.log(`\nSlowloris: ${clients} clients, one header line every ${a.every} s, never the blank line; watching ${a.hold} s`);
  const rss0 = rssMiB(server.pid);
  const slow = await Promise.all(Array.from({ length: clients }, () => slowClient(server.port, Number(a.every) * 1000, holdMs)));
  const closed = slow.flatMap((s) => (s.closedAfter === null ? [] : [s.closedAfter]));
  const answers = new Map<string, number>();
  for (const s of slow) answers.set(s.answer || '(nothing)', (answers.get(s.answer || '(nothing)') ?? 0) + 1);
  console.log(`  dropped by the server: ${closed.length} of ${clients}; still connected after ${a.hold} s: ${clients - closed.length}`);
  if (closed.length) console.log(`  dropped after (s): min ${Math.min(...closed).toFixed(1)}, median ${quantile(closed, 0.5).toFixed(1)}, max ${Math.max(...closed).toFixed(1)}`);
  console.log(`  answers: ${[...answers].map(([k, n]) => `${n} × ${k}`).join(', ')}; server RSS ${rss0.toFixed(0)} MiB before`);

  const attempts = Number(a.streams);
  const per = Number(a['per-address']);
  console.log(`\nLive-stream flood: ${attempts} GET /api/stream attempts, ${per} per source address, held open`);
  const before = rssMiB(server.pid);
  const results = await Promise.all(Array.from({ length: attempts }, (_, i) => streamAttempt(server.port, `127.0.${2 + Math.floor(i / per / 250)}.${2 + (Math.floor(i / per) % 250)}`)));
  await sleep(2_000);
  const during = rssMiB(server.pid);
  const byStatus = new Map<string, number>();
  for (const r of results) {
    const key = r instanceof Error ? `error ${(r as NodeJS.ErrnoException).code ?? r.message}` : String(r.statusCode);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  const open = results.filter((r): r is IncomingMessage => !(r instanceof Error) && r.statusCode === 200);
  const refused = results.filter((r): r is IncomingMessage => !(r instanceof Error) && r.statusCode === 503);
  console.log(`  answers: ${[...byStatus].map(([k, n]) => `${n} × ${k}`).join(', ')}; Retry-After of a 503: ${refused[0]?.headers['retry-after'] ?? '-'}, connection: ${refused[0]?.headers.connection ?? '-'}`);
  for (const r of results) if (!(r instanceof Error)) r.destroy();
  await sleep(2_000);
  console.log(`  server RSS: ${before.toFixed(0)} MiB before, ${during.toFixed(0)} MiB with ${open.length} streams open and ${refused.length} refused, ${rssMiB(server.pid).toFixed(0)} MiB after they closed`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
