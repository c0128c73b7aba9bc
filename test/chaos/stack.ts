// Chaos, stack profile: the real Kafka, Cassandra, S3Proxy (deploy/local/stack.sh). Per scenario,
// fresh topics, consumer group, keyspace and buckets; `cashtag run` started first, then the two
// producers (bounded counts, fixed seed); one fault while they produce; then, once the producers
// are done and the group has committed the end of both input topics with the stores' counts
// steady, a clean stop and a count of every store against the input, record by record.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { createKafka, topicNames } from '../../src/io/kafka/client.js';
import { generated } from '../../src/pipelines/producers.js';
import { speedTopology } from '../../src/pipelines/speed.js';
import type { GeneratorSourceOptions } from '../../src/actors/generator-source/protocol.js';
import type { Logger } from '../../src/runtime/actor.js';
import { stackEnv } from '../helpers/stack.js';
import { endOffsets, readTopic, uncommitted, type KafkaRecord } from './kafka-read.js';
import type { ChaosSizes } from './presets.js';
import { kill9, poll, sleep, startCli, tail, type Child, type Exit } from './processes.js';
import { bronzeKeys, cassandraClient, cassandraKeys, dlqKeys, expectedKeys, tally, type Tally } from './stack-counts.js';
import { cleanUp } from './stack-cleanup.js';
import { HANG_GRACE_MS, stackSh, SupervisedPipeline } from './supervised.js';

export const FAULTS = ['kill', 'kafka', 'cassandra', 's3'] as const;
export type Fault = (typeof FAULTS)[number];

export function faultLabel(f: Fault, s: ChaosSizes): string {
  switch (f) {
    case 'kill': return 'cashtag SIGKILL + restart';
    case 'kafka': return `Kafka restart (${s.kafkaDown} s down)`;
    case 'cassandra': return `Cassandra down ${s.outage} s`;
    case 's3': return `S3 down ${s.outage} s`;
    default: { const never: never = f; return never; }
  }
}

export interface ScenarioResult {
  fault: Fault;
  label: string;
  requested: { tweets: number; prices: number };
  /** The input topics against the generator's first records: what the producers really wrote. */
  produced: { tweets: number; prices: number; malformed: number; lost: number; dup: number };
  bronze: Tally;
  cassandra: Tally;
  dlq: Tally;
  drained: boolean;
  unexpectedExits: { exit: Exit; reason: string }[];
  /** Of those, processes killed because they stayed alive after logging "pipeline failed". */
  hangs: number;
  producerFailures: string[];
  logs: string;
}

export interface StackOptions {
  sizes: ChaosSizes;
  workDir: string;
  keep: boolean;
  drainTimeoutS: number;
  log: (line: string) => void;
}

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function scenarioEnv(id: string, dataDir: string, s: ChaosSizes): Record<string, string> {
  const stack = stackEnv('KAFKA_BROKERS', 'CASSANDRA_CONTACT_POINTS', 'CASSANDRA_LOCAL_DC', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY');
  return {
    KAFKA_BROKERS: stack.KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS: stack.CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DC: stack.CASSANDRA_LOCAL_DC,
    S3_ENDPOINT: stack.S3_ENDPOINT, S3_ACCESS_KEY: stack.S3_ACCESS_KEY, S3_SECRET_KEY: stack.S3_SECRET_KEY,
    KAFKA_TOPIC_PREFIX: `chaos${id}-`, KAFKA_GROUP_ID: `chaos-${id}`, CASSANDRA_KEYSPACE: `chaos_${id}`, LAKE_BUCKET_PREFIX: `chaos${id}-`,
    DATA_DIR: dataDir, METRICS_PORT: '0', PRODUCER_METRICS_PORT: '0', SERVE: 'off', LOG_LEVEL: 'warn',
    CHECKPOINT_INTERVAL: String(s.checkpointInterval), SEED: String(s.seed), GENERATOR_EPOCH: s.epoch, EVENT_RATE: String(s.eventRate),
    PARTITIONS: String(s.partitions), OUT_OF_ORDER_FRACTION: String(s.outOfOrder), LATE_FRACTION: String(s.late), MALFORMED_FRACTION: String(s.malformed),
  };
}

/** The input topics against the first `n` records the generator makes for each: lost and duplicated. */
function producedVsGenerator(cfg: Config, tweets: KafkaRecord[], prices: KafkaRecord[], requested: { tweets: number; prices: number }) {
  const settings = (speedTopology(cfg, cfg.epoch!).stages[0].options as GeneratorSourceOptions).generator;
  let lost = 0;
  let dup = 0;
  for (const [topic, records, n] of [['tweets', tweets, requested.tweets], ['stock-prices', prices, requested.prices]] as const) {
    const want = new Map<string, number>();
    const it = generated(topic, settings);
    for (let i = 0; i < n; i++) {
      const v = (it.next().value as { value: string }).value;
      want.set(v, (want.get(v) ?? 0) + 1);
    }
    const got = new Map<string, number>();
    for (const r of records) got.set(r.value, (got.get(r.value) ?? 0) + 1);
    for (const [v, k] of want) lost += Math.max(0, k - (got.get(v) ?? 0));
    for (const [v, k] of got) dup += Math.max(0, k - (want.get(v) ?? 0));
  }
  return { lost, dup };
}

async function injectFault(f: Fault, s: ChaosSizes, pipeline: SupervisedPipeline, log: (l: string) => void): Promise<void> {
  const outage = async (server: string, seconds: number) => {
    await stackSh('down', server);
    log(`    ${server} stopped; starting it again in ${seconds} s`);
    await sleep(seconds * 1000);
    await stackSh('up', server);
    log(`    ${server} is back`);
  };
  switch (f) {
    case 'kill': await pipeline.kill9AndRestart(); log('    cashtag SIGKILLed and started again'); return;
    case 'kafka': return outage('kafka', s.kafkaDown);
    case 'cassandra': return outage('cassandra', s.outage);
    case 's3': return outage('s3proxy', s.outage);
    default: { const never: never = f; throw new Error(`unknown fault ${String(never)}`); }
  }
}

/** Drained: the group committed the end of both input topics, and the stores' counts held still across two checkpoints. */
async function drain(cfg: Config, pipelineLog: string, timeoutS: number, log: (l: string) => void): Promise<boolean> {
  const kafka = createKafka({ brokers: cfg.kafkaBrokers, clientId: 'cashtag-chaos-drain' }, quiet);
  const admin = kafka.admin();
  const cql = cassandraClient(cfg);
  const names = topicNames(cfg.kafkaTopicPrefix);
  try {
    await admin.connect();
    const counts = async () => {
      const rows = await Promise.all(['tweets', 'market_data'].map(async (t) => Number((await cql.execute(`SELECT count(*) AS n FROM ${cfg.cassandraKeyspace}.${t}`)).first().get('n'))));
      const dlq = [...(await endOffsets(admin, names.tweetsDlq)).values(), ...(await endOffsets(admin, names.pricesDlq)).values()];
      return JSON.stringify([...rows, dlq.reduce((a, b) => a + b, 0)]);
    };
    let last = '';
    const ok = await poll(async () => {
      try {
        if ((await uncommitted(admin, cfg.kafkaGroupId, [names.tweets, names.prices])).length > 0) return false;
        const now = await counts();
        const steady = now === last;
        last = now;
        return steady;
      } catch {
        return false; // a server still coming back
      }
    }, timeoutS * 1000, Math.max(2_000, cfg.checkpointInterval * 2_000));
    if (!ok) log(`    not drained after ${timeoutS} s: ${(await uncommitted(admin, cfg.kafkaGroupId, [names.tweets, names.prices]).catch((e: unknown) => [String(e)])).join(', ') || 'store counts still changing'}; ${pipelineLog}:\n${tail(pipelineLog, 5)}`);
    return ok;
  } finally {
    await admin.disconnect().catch(() => undefined);
    await cql.shutdown().catch(() => undefined);
  }
}

export async function runScenario(f: Fault, o: StackOptions): Promise<ScenarioResult> {
  const s = o.sizes;
  const id = randomBytes(3).toString('hex');
  const dir = join(o.workDir, `stack-${f}`);
  mkdirSync(dir, { recursive: true });
  const env = scenarioEnv(id, join(dir, 'data'), s);
  const cfg = loadConfig({}, env);
  const requested = { tweets: s.stackTweets, prices: Math.round(s.stackTweets * cfg.pricesPerTweet) };
  o.log(`  ${faultLabel(f, s)}: topics ${env.KAFKA_TOPIC_PREFIX}*, keyspace ${env.CASSANDRA_KEYSPACE}, buckets ${env.LAKE_BUCKET_PREFIX}*, logs in ${dir}`);
  const pipeline = new SupervisedPipeline(env, join(dir, 'cashtag.log'), o.log);
  const producerFailures: string[] = [];
  const producers: Child[] = [];
  const kafka = createKafka({ brokers: cfg.kafkaBrokers, clientId: 'cashtag-chaos-count' }, quiet);
  let drained = false;
  try {
    try {
      pipeline.start();
      if (!(await pipeline.waitRunning(180_000))) throw new Error(`cashtag did not start within 180 s; ${pipeline.logFile}:\n${tail(pipeline.logFile)}`);
      for (const t of ['tweets', 'prices'] as const) {
        const logFile = join(dir, `produce-${t}.log`);
        const c = startCli(['produce', t, '--events', String(t === 'tweets' ? requested.tweets : requested.prices), '--rate', String(s.stackRate)], logFile, env);
        producers.push(c);
        void c.exited.then((exit) => {
          const said = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith('cashtag produce: ')).at(-1) ?? tail(logFile, 1);
          if (exit.code !== 0) producerFailures.push(`produce ${t} exited with ${exit.code ?? exit.signal}: ${said}`);
        });
      }
      o.log(`    producers started: ${requested.tweets} tweets and ${requested.prices} prices at ${s.stackRate} tweets/s; fault in ${s.faultAt} s`);
      await sleep(s.faultAt * 1000);
      await injectFault(f, s, pipeline, o.log);
      await Promise.all(producers.map((c) => c.exited));
      o.log('    producers done; waiting for the pipeline to drain');
      drained = await drain(cfg, pipeline.logFile, o.drainTimeoutS, o.log);
    } finally {
      await Promise.all(producers.map((c) => kill9(c)));
      const exit = await pipeline.stop();
      if (exit && exit.code !== 0) o.log(`    cashtag's clean stop exited with ${exit.code ?? exit.signal}`);
    }
    const names = topicNames(cfg.kafkaTopicPrefix);
    const tweets = await readTopic(kafka, names.tweets);
    const prices = await readTopic(kafka, names.prices);
    const want = expectedKeys(tweets, prices);
    const cql = cassandraClient(cfg);
    let cassandra: string[];
    try {
      cassandra = await cassandraKeys(cql, cfg.cassandraKeyspace);
    } finally {
      await cql.shutdown();
    }
    return {
      fault: f,
      label: faultLabel(f, s),
      requested,
      produced: { tweets: tweets.length, prices: prices.length, malformed: want.malformed, ...producedVsGenerator(cfg, tweets, prices, requested) },
      bronze: tally(want.bronze, await bronzeKeys(cfg)),
      cassandra: tally(want.cassandra, cassandra),
      dlq: tally(want.dlq, await dlqKeys(kafka, cfg.kafkaTopicPrefix)),
      drained,
      unexpectedExits: pipeline.unexpectedExits,
      hangs: pipeline.hangs,
      producerFailures,
      logs: dir,
    };
  } finally {
    if (!o.keep) await cleanUp(cfg, kafka).catch((e: unknown) => o.log(`    clean-up failed (left behind): ${String(e)}`));
  }
}

export function scenarioPassed(r: ScenarioResult): boolean {
  const clean = (t: Tally) => t.lost === 0 && t.dup === 0 && t.expected > 0;
  return clean(r.bronze) && clean(r.cassandra) && clean(r.dlq) && r.produced.lost === 0 && r.produced.dup === 0 && r.drained && r.unexpectedExits.length === 0 && r.producerFailures.length === 0;
}

/** Why a scenario failed, in a few words each. */
export function scenarioProblems(r: ScenarioResult): string[] {
  const out: string[] = [];
  for (const [name, t] of [['bronze', r.bronze], ['Cassandra', r.cassandra], ['DLQ', r.dlq]] as const) {
    if (t.lost) out.push(`${name} lost ${t.lost}`);
    if (t.dup) out.push(`${name} dup ${t.dup}`);
    if (t.expected === 0) out.push(`${name}: nothing expected`);
  }
  if (r.produced.lost || r.produced.dup) out.push(`input topics vs generator: ${r.produced.lost} lost, ${r.produced.dup} dup`);
  if (!r.drained) out.push('not drained');
  if (r.unexpectedExits.length) out.push(`cashtag exited ${r.unexpectedExits.length}x unasked${r.hangs ? ` (${r.hangs}x killed: alive ${HANG_GRACE_MS / 1000} s after "pipeline failed")` : ''}`);
  if (r.producerFailures.length) out.push(`${r.producerFailures.length} producer(s) failed`);
  return out;
}
