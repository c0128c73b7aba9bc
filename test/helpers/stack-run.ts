// Set-up shared by the integration tests that run the speed layer against the real servers:
// settings isolated per run (topic, bucket and keyspace prefixes, consumer group), expected
// results computed from the generator, producers, pipelines in child processes (to kill -9 them),
// the local stack's servers, and polling helpers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractCashtags, UNTAGGED_TOPIC } from '../../src/domain/cashtags.js';
import { validatePrice, validateTweet } from '../../src/domain/payloads.js';
import { loadConfig, type Config } from '../../src/config.js';
import { generated, runProducer, type Message } from '../../src/pipelines/producers.js';
import { speedTopology } from '../../src/pipelines/speed.js';
import type { GeneratorSourceOptions } from '../../src/actors/generator-source/protocol.js';
import { metricSum } from '../../src/runtime/metrics.js';
import { quietLogger } from './runtime.js';
import { stackEnv } from './stack.js';
import { cliCommand } from '../../bench/cli-command.js';

export function isolatedConfig(extra: Record<string, string> = {}): { cfg: Config; id: string; env: Record<string, string> } {
  const s = stackEnv();
  const id = randomBytes(4).toString('hex');
  const env: Record<string, string> = {
    KAFKA_BROKERS: s.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: `it${id}-`,
    KAFKA_GROUP_ID: `it-${id}`,
    KAFKA_PARTITIONS: '3',
    CASSANDRA_CONTACT_POINTS: s.CASSANDRA_CONTACT_POINTS,
    CASSANDRA_LOCAL_DC: s.CASSANDRA_LOCAL_DC,
    CASSANDRA_KEYSPACE: `it_${id}`,
    S3_ENDPOINT: s.S3_ENDPOINT,
    S3_ACCESS_KEY: s.S3_ACCESS_KEY,
    S3_SECRET_KEY: s.S3_SECRET_KEY,
    LAKE_BUCKET_PREFIX: `it${id}-`,
    DATA_DIR: mkdtempSync(join(tmpdir(), `cashtag-it-${id}-`)),
    METRICS_PORT: '0',
    CHECKPOINT_INTERVAL: '1',
    SEED: '9',
    GENERATOR_EPOCH: '2025-12-18T14:00:00Z',
    EVENT_RATE: '50',
    SYMBOLS: 'AAPL,TSLA,MSFT,NVDA',
    PARTITIONS: '4',
    LOG_LEVEL: 'warn',
    ...extra,
  };
  return { cfg: loadConfig({}, env), id, env };
}

/** The first n messages the producer sends for a topic, and what the pipeline should make of them. */
export function expectedFrom(cfg: Config, topic: 'tweets' | 'stock-prices', n: number) {
  const settings = (speedTopology(cfg, cfg.epoch ?? 0).stages[0].options as GeneratorSourceOptions).generator;
  const it = generated(topic, settings);
  const messages: Message[] = [];
  for (let i = 0; i < n; i++) messages.push(it.next().value as Message);
  const perSymbol = new Map<string, number>();
  let dead = 0;
  let validTweets = 0;
  for (const m of messages) {
    if (topic === 'tweets') {
      const v = validateTweet(m.value);
      if (!v.ok) {
        dead++;
        continue;
      }
      validTweets++;
      for (const s of extractCashtags(v.value.text)) perSymbol.set(s, (perSymbol.get(s) ?? 0) + 1);
    } else {
      const v = validatePrice(m.value);
      if (!v.ok) dead++;
      else perSymbol.set(v.value.symbol, (perSymbol.get(v.value.symbol) ?? 0) + 1);
    }
  }
  perSymbol.delete(UNTAGGED_TOPIC);
  return { messages, perSymbol, dead, validTweets };
}

export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Produce the generator's records steadily in the background; `stop()` resolves to the number sent per topic. */
export function steadyProducers(cfg: Config, rates = { tweets: 200, prices: 50 }) {
  const abort = new AbortController();
  const log = quietLogger();
  const generator = (speedTopology(cfg, cfg.epoch!).stages[0].options as GeneratorSourceOptions).generator;
  const topics = { partitions: cfg.kafkaPartitions, replicationFactor: 1, retentionMs: 3_600_000 };
  const run = (topic: 'tweets' | 'stock-prices', rate: number) =>
    runProducer({ topic, topicPrefix: cfg.kafkaTopicPrefix, brokers: cfg.kafkaBrokers, rate, limit: -1, source: { kind: 'generator', settings: generator }, batchSize: 50, topics, metricsPort: 0, log, signal: abort.signal });
  const tweets = run('tweets', rates.tweets);
  const prices = run('stock-prices', rates.prices);
  return {
    stop: async () => {
      abort.abort();
      return { tweets: (await tweets).sent, prices: (await prices).sent };
    },
  };
}

const root = new URL('../../../', import.meta.url).pathname;

/** deploy/local/stack.sh, holding the test's process (its pipeline and producers) until it is done. */
export function stackSync(...args: string[]): void {
  const r = spawnSync(`${root}deploy/local/stack.sh`, args, { cwd: root, encoding: 'utf8', env: process.env });
  if (r.status !== 0) throw new Error(`stack.sh ${args.join(' ')}: ${r.stdout}${r.stderr}`);
}

/**
 * deploy/local/stack.sh with the test's environment (STACK_DIR and ports). Asynchronous: a
 * pipeline running in the test's process keeps running (and heartbeating) while a server starts.
 */
export function stack(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(`${root}deploy/local/stack.sh`, args, { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    for (const s of [p.stdout!, p.stderr!]) s.on('data', (d: Buffer) => (out += d.toString()));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`stack.sh ${args.join(' ')} exited with ${code}: ${out}`))));
  });
}

/**
 * SIGKILL a server the local stack started: the pid comes from its pid file and must still carry
 * the stack's marker on its command line (as stack.sh checks), so nothing else is ever signalled.
 */
export function killServer(name: 'cassandra' | 'kafka'): void {
  const dir = process.env.STACK_DIR ?? join(root, '.stack');
  const pid = Number(readFileSync(join(dir, 'run', `${name}.pid`), 'utf8').trim());
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  if (!cmdline.includes(`-Dcashtag.stack=${dir}/${name}`)) throw new Error(`pid ${pid} is not the stack's ${name}`);
  process.kill(pid, 'SIGKILL');
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

/** `cashtag run` in a child process, its output in DATA_DIR/<name>.log. */
export interface PipelineProcess {
  name: string;
  proc: ChildProcess;
  metricsUrl: string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Everything it wrote so far. */
  output(): string;
}

export async function startPipeline(name: string, env: Record<string, string>, extra: Record<string, string> = {}): Promise<PipelineProcess> {
  const port = await freePort();
  const dataDir = join(env.DATA_DIR, name);
  const proc = spawn(...cliCommand(['run']), { env: { ...process.env, ...env, DATA_DIR: dataDir, METRICS_PORT: String(port), SERVE: 'off', LOG_LEVEL: 'info', ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(`${env.DATA_DIR}/${name}.log`);
  let text = '';
  for (const stream of [proc.stdout!, proc.stderr!]) {
    stream.pipe(log);
    stream.on('data', (d: Buffer) => (text += d.toString()));
  }
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { name, proc, metricsUrl: `http://127.0.0.1:${port}/metrics`, exited, output: () => text };
}

export async function pipelineMetric(p: PipelineProcess, name: string, ...filters: string[]): Promise<number> {
  return metricSum(await (await fetch(p.metricsUrl)).text(), name, ...filters);
}
