// `make bench-serve`: the query API under load while the embedded speed layer runs.
//   One process runs the pipeline at --rate tweets/s (default 5,000) and the API server, as
//   `cashtag run` does. After --warmup seconds, the pipeline's throughput is measured for
//   --seconds with the server idle (baseline), then for --seconds per load generator (--clients:
//   autocannon, the same without its coordinated-omission correction, and wrk; each in its own
//   process) sending GET /api/tweets/{symbol} at --req-rate (default 500 req/s). Printed per
//   generator: requests/s, latency p50/p99/max, errors; the pipeline's tweets/s and ingest ->
//   store latency with and without the load; and two controls per generator: a bare node:http
//   server while the pipeline runs, and our API with the pipeline stopped. Target: p99 <= 20 ms
//   at 500 req/s. The generators share the 2 cores with the pipeline, so each one's tail is
//   partly its own scheduling; the controls show how much.
// A benchmark, not a test: it prints figures and the machine's state; it asserts nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/pipelines/serving/server.js';
import { startServerThread } from '../src/pipelines/serving/thread.js';
import { lakeSettings, startSpeedLayer, storeSettings } from '../src/pipelines/speed.js';
import type { Logger } from '../src/runtime/actor.js';
import { benchFlags } from './flags.js';
import { histogramQuantile, metricSum } from './stats.js';

const a = benchFlags('make bench-serve: GET /api/tweets/{symbol} at --req-rate while the embedded pipeline runs at --rate, from each load generator in turn, with controls (a bare node:http server; the API with the pipeline stopped).', {
  rate: { type: 'string', default: '5000', describe: "the pipeline's offered rate, tweets/s" },
  'req-rate': { type: 'string', default: '500', describe: 'requests per second' },
  connections: { type: 'string', default: '20', describe: 'connections per load generator' },
  seconds: { type: 'string', default: '30', describe: 'seconds of load per generator (and of the idle baseline)' },
  warmup: { type: 'string', default: '20', describe: 'seconds the pipeline runs before measuring' },
  symbol: { type: 'string', default: 'AAPL', describe: 'symbol queried' },
  limit: { type: 'string', default: '50', describe: 'rows per answer' },
  server: { type: 'string', default: 'thread', describe: 'where the API server runs: thread (its own, as `cashtag run` starts it), main (the pipeline\'s main thread) or process (as `cashtag serve` beside `cashtag run`)' },
  'cache-ms': { type: 'string', default: '200', describe: 'how long the API reuses an answer, ms' },
  'child-server': { type: 'string', describe: '(internal) serve with these options in this process: how --server process starts its child' },
  path: { type: 'string', describe: 'request path instead of /api/tweets/{symbol}?limit={limit}' },
  // Load generators, one after the other on the same pipeline run (comma-separated):
  //   autocannon      npm, a Node process; -R 500 sends each connection's share of a second's
  //                   requests back to back at the start of the second, then waits, and its
  //                   coordinated-omission correction assumes one request per ms per connection
  //                   (a 50-ms answer is recorded with 49 synthetic ones);
  //   autocannon-raw  the same without that correction (-C);
  //   wrk             Debian's, C; each connection paced by a Lua delay (bench/wrk-paced.lua).
  clients: { type: 'string', default: 'autocannon,autocannon-raw,wrk', describe: 'load generators, comma-separated: autocannon, autocannon-raw (no coordinated-omission correction), wrk' },
});
const quiet: Logger = { info: () => undefined, warn: (m, f) => console.error('warn', m, f), error: (m, f) => console.error('error', m, f) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const target = () => a.path ?? `/api/tweets/${a.symbol}?limit=${a.limit}`;
const AUTOCANNON = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));

interface Autocannon {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

const WRK_SCRIPT = fileURLToPath(new URL('../../bench/wrk-paced.lua', import.meta.url));

/**
 * wrk in a child process: each of the connections sends a request, waits for the answer, then
 * pauses `connections / rate` seconds (wrk's Lua `delay`), which offers about `rate` requests/s.
 * A C client spends far less CPU per request than autocannon on this shared 2-core machine, so
 * less of the tail it measures is its own scheduling.
 */
function wrk(url: string, seconds: number): Promise<Autocannon> {
  return new Promise((resolve, reject) => {
    const c = Number(a.connections);
    const env = { ...process.env, WRK_DELAY_MS: String(Math.round((c / Number(a['req-rate'])) * 1000)) };
    const child = spawn('wrk', ['-t1', `-c${c}`, `-d${seconds}s`, '-s', WRK_SCRIPT, url], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', (e) => reject(new Error(`wrk could not start (make bench-serve installs Debian's wrk): ${e.message}`)));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) return reject(new Error(`wrk exited with ${code}: ${out.slice(0, 500)}`));
      const r = JSON.parse(line) as { requests: number; duration_us: number; p50_us: number; p99_us: number; max_us: number; errors: number; non2xx: number; timeouts: number };
      const secs = r.duration_us / 1e6;
      resolve({ requests: { average: r.requests / secs, total: r.requests }, latency: { p50: r.p50_us / 1000, p99: r.p99_us / 1000, max: r.max_us / 1000, average: 0 }, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, duration: Math.round(secs) });
    });
  });
}

/** Run the named load generator against `url` for `seconds`. */
function generate(client: string, url: string, seconds: number): Promise<Autocannon> {
  if (client === 'wrk') return wrk(url, seconds);
  if (client === 'autocannon' || client === 'autocannon-raw') return load(url, seconds, client === 'autocannon-raw');
  throw new Error(`--clients: unknown load generator ${client} (expected autocannon, autocannon-raw or wrk)`);
}

/** autocannon in a child process, so the load generator does not share the server's event loop. */
function load(url: string, seconds: number, raw = false): Promise<Autocannon> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AUTOCANNON, '-c', a.connections!, '-d', String(seconds), '-R', a['req-rate']!, ...(raw ? ['-C'] : []), '--json', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Autocannon) : reject(new Error(`autocannon exited with ${code}: ${out.slice(0, 500)}`))));
  });
}

if (a['child-server'] !== undefined) {
  // The server process of --server process: serve until SIGTERM.
  const child = await startServer({ ...(JSON.parse(a['child-server']) as Parameters<typeof startServerThread>[0]), log: quiet });
  process.stdout.write(`${child.url}\n`);
  process.once('SIGTERM', () => void child.close().then(() => process.exit(0)));
  await new Promise(() => undefined);
}

const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-bench-serve-'));
const cfg = loadConfig({}, { ...process.env, DATA_DIR: dataDir, METRICS_PORT: '0', RATE: a.rate! });
console.log(`cashtag bench-serve — pipeline at ${a.rate} tweets/s, load ${a['req-rate']} req/s on GET ${target()}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const run = await startSpeedLayer(cfg, quiet);
// Where the server runs: `thread` (its own worker thread, as `cashtag run` starts it), `main`
// (the pipeline's main thread) or `process` (a separate process over the same data directory,
// as `cashtag serve` beside `cashtag run`).
// The per-client rate limit is off: every load generator is one address sending 500 req/s, and
// this measures the API, not the limiter.
const serverOpts = { store: storeSettings(cfg), lake: lakeSettings(cfg), port: 0, host: '127.0.0.1', cacheMs: Number(a['cache-ms']), http: { rateLimitPerMinute: 0 } };
async function serverIn(where: string): Promise<{ url: string; close(): Promise<void> }> {
  if (where === 'main') return startServer({ ...serverOpts, log: quiet });
  if (where === 'thread') return startServerThread(serverOpts, quiet);
  if (where !== 'process') throw new Error(`--server ${where}: expected thread, main or process`);
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child-server', JSON.stringify(serverOpts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (c: Buffer) => resolve(c.toString().trim()));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  return { url, close: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))) };
}
const server = await serverIn(a.server!);
console.log(`server on ${a.server === 'main' ? "the pipeline's main thread" : a.server === 'thread' ? 'its own thread' : 'a separate process'}, answers reused for ${a['cache-ms']} ms`);

const snapshot = async () => ({ t: performance.now(), cpu: process.cpuUsage(), text: await run.supervisor.metricsText() });
type Snap = Awaited<ReturnType<typeof snapshot>>;
function pipelineFigures(from: Snap, to: Snap) {
  const secs = (to.t - from.t) / 1000;
  const rate = (name: string, ...f: string[]) => (metricSum(to.text, name, ...f) - metricSum(from.text, name, ...f)) / secs;
  const q = (p: number) => histogramQuantile(p, from.text, to.text, 'cashtag_end_to_end_latency_seconds', 'sink="store"') * 1000;
  // CPU of this process (every thread: pipeline, pool, server), in cores.
  const cores = (to.cpu.user + to.cpu.system - from.cpu.user - from.cpu.system) / 1e6 / secs;
  return { cores, tweetsPerSecond: rate('cashtag_source_records_total', 'topic="tweets"'), storeRowsPerSecond: rate('cashtag_sink_rows_written_total', 'sink="store"'), e2eP50: q(0.5), e2eP99: q(0.99) };
}
const fmt = (f: ReturnType<typeof pipelineFigures>) => `${f.tweetsPerSecond.toFixed(0)} tweets/s in, ${f.storeRowsPerSecond.toFixed(0)} store rows/s, ingest -> store p50 ${f.e2eP50.toFixed(0)} ms, p99 ${f.e2eP99.toFixed(0)} ms; process CPU ${f.cores.toFixed(2)} cores`;

try {
  const seconds = Number(a.seconds);
  process.stderr.write(`  warm-up ${a.warmup} s\n`);
  await sleep(Number(a.warmup) * 1000);
  const s0 = await snapshot();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  process.stderr.write(`  baseline ${seconds} s (server idle)\n`);
  await sleep(seconds * 1000);
  const s1 = await snapshot();
  const baseDelay = loopDelay.percentile(99) / 1e6;
  loopDelay.reset();
  const clients = a.clients!.split(',');
  const results: [string, Autocannon][] = [];
  for (const client of clients) {
    process.stderr.write(`  load ${seconds} s (${client})\n`);
    results.push([client, await generate(client, server.url + target(), seconds)]);
  }
  const s2 = await snapshot();
  console.log(`main-thread event-loop delay p99: ${baseDelay.toFixed(1)} ms without load, ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms under load`);
  const base = pipelineFigures(s0, s1);
  const loaded = pipelineFigures(s1, s2);
  for (const [client, r] of results) console.log(`API (${client}): ${r.requests.average.toFixed(0)} req/s (${r.requests.total} requests in ${r.duration} s), latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}`);
  console.log(`pipeline without load: ${fmt(base)}`);
  console.log(`pipeline under load:   ${fmt(loaded)} (${(((loaded.tweetsPerSecond - base.tweetsPerSecond) / base.tweetsPerSecond) * 100).toFixed(1)} % tweets/s)`);
  for (const [client, r] of results) console.log(`target p99 <= 20 ms at ${a['req-rate']} req/s (${client}): ${r.latency.p99 <= 20 ? 'met' : 'NOT met'}`);
  // Control: a bare node:http server (in its own process) under the same load while the pipeline
  // still runs. Its tail is the machine's scheduling, which no server code can beat.
  const bare = spawn(process.execPath, ['-e', "require('http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', function () { console.log('http://127.0.0.1:' + this.address().port) })"], { stdio: ['ignore', 'pipe', 'inherit'] });
  const bareUrl = await new Promise<string>((resolve) => bare.stdout.once('data', (c: Buffer) => resolve(c.toString().trim())));
  for (const client of clients) {
    process.stderr.write(`  control: bare node:http server, ${seconds} s (${client})\n`);
    const control = await generate(client, `${bareUrl}/`, seconds);
    console.log(`control (${client}), a bare node:http server while the pipeline runs: latency p50 ${control.latency.p50} ms, p99 ${control.latency.p99} ms, max ${control.latency.max} ms`);
  }
  bare.kill('SIGTERM');
  // The same load with the pipeline stopped: what the machine alone costs the API's tail.
  await run.stop();
  await run.done.catch(() => undefined);
  for (const client of clients) {
    process.stderr.write(`  load ${seconds} s, pipeline stopped (${client})\n`);
    const alone = await generate(client, server.url + target(), seconds);
    console.log(`API (${client}) with the pipeline stopped: ${alone.requests.average.toFixed(0)} req/s, latency p50 ${alone.latency.p50} ms, p99 ${alone.latency.p99} ms, max ${alone.latency.max} ms; non-2xx ${alone.non2xx}, errors ${alone.errors}`);
  }
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other processes on this machine share its ${cpus().length} cores)`);
} finally {
  await server.close();
  await run.stop().catch(() => undefined);
  await run.done.catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}
