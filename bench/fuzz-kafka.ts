// `make fuzz-kafka`: a fuzzed corpus (default 100,000 records: valid ones, ones with one named
// defect, arbitrary JSON and bytes, the poison tick) produced into the local stack's
// Kafka, then `cashtag run` (a child process, as a user runs it) against Kafka, the stack's
// Cassandra and a local lake until it has read every record, then stopped with SIGTERM. Checked
// with clients other than the pipeline's: the process kept running (no actor restart, clean
// exit), each bad record is in bronze dead_letters and in its DLQ topic exactly once with its
// reason, each good record is in bronze exactly once, as sent. Prints a table; exits 1 on any
// violation. Not a benchmark: the times are for orientation.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { Client as Cql } from 'cassandra-driver';
import kafkajs from 'kafkajs';
import { topicNames } from '../src/io/kafka/client.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricSum } from '../src/runtime/metrics.js';
import type { Logger } from '../src/runtime/actor.js';
import { duckdb } from '../test/helpers/duckdb.js';
import { stackEnv } from '../test/helpers/stack.js';
import { figuresTable, fuzzRunEnv, judge, kafkaCorpus, produceCorpus, readBronze, readDlq, VIOLATIONS } from '../test/fuzz/kafka-corpus.js';
import { benchFlags } from './flags.js';

const a = benchFlags(
  'make fuzz-kafka: a fuzzed corpus through the real Kafka path; checks every record ended where it must (bronze once, or dead letters and the DLQ topic once with its reason) and the pipeline kept running.',
  {
    records: { type: 'string', default: '100000', describe: 'records in the corpus (the poison tick included)' },
    seed: { type: 'string', default: '13', describe: "the corpus generator's seed (same seed, same corpus)" },
    partitions: { type: 'string', default: '3', describe: 'partitions of the run\'s topics' },
    store: { type: 'string', default: 'cassandra', describe: 'serving store: cassandra (the stack\'s) or lmdb' },
    keep: { type: 'boolean', default: false, describe: "keep the run's topics, keyspace and data directory (kept anyway when a check fails)" },
  },
  { STACK_DIR: "the local stack's directory (its stack.env names the servers)", METRICS_PORT: "cashtag run's /metrics port, polled until it has read every record (default 9464)" },
);
const log: Logger = { info: () => undefined, warn: () => undefined, error: (m, f) => console.error('error', m, f) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

const stack = stackEnv('KAFKA_BROKERS', ...(a.store === 'cassandra' ? (['CASSANDRA_CONTACT_POINTS', 'CASSANDRA_LOCAL_DC'] as const) : []));
if (a.store !== 'cassandra' && a.store !== 'lmdb') throw new Error(`--store ${a.store}: expected cassandra or lmdb`);
const n = Number(a.records);
const partitions = Number(a.partitions);
const metricsPort = Number(process.env.METRICS_PORT ?? 9464);
const id = randomBytes(4).toString('hex');
const dataDir = mkdtempSync(join(tmpdir(), `cashtag-fuzz-${id}-`));
const env = fuzzRunEnv({ brokers: stack.KAFKA_BROKERS, cassandra: a.store === 'cassandra' ? { contactPoints: stack.CASSANDRA_CONTACT_POINTS, localDc: stack.CASSANDRA_LOCAL_DC } : undefined, id, dataDir, partitions });
console.log(`cashtag fuzz-kafka — ${n} records, seed ${a.seed}, topics ${env.KAFKA_TOPIC_PREFIX}*, data ${dataDir}, store ${a.store}`);

let t0 = performance.now();
const corpus = kafkaCorpus(n, Number(a.seed));
console.log(`  generated in ${secs(t0)} s`);
t0 = performance.now();
const placed = await produceCorpus(corpus, { brokers: stack.KAFKA_BROKERS.split(','), topicPrefix: env.KAFKA_TOPIC_PREFIX, partitions, log });
const produceSeconds = secs(t0);
console.log(`  produced in ${produceSeconds} s`);

const logFile = join(dataDir, 'cashtag-run.log');
const out = createWriteStream(logFile);
const child = spawn(process.execPath, [new URL('../src/cli.js', import.meta.url).pathname, 'run'], { env: { ...process.env, ...env, METRICS_PORT: String(metricsPort) }, stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.pipe(out);
child.stderr.pipe(out);
let exit: number | null = null;
const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve((exit = code ?? (signal ? 128 : 1)))));
t0 = performance.now();
let metrics = '';
for (let lastRead = -1, stalled = 0; ; await sleep(1_000)) {
  if (exit !== null) throw new Error(`cashtag run exited with ${exit} before reading every record; its log: ${logFile}`);
  metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).catch(() => '');
  const read = metricSum(metrics, 'cashtag_source_records_total');
  if (read >= placed.length) break;
  stalled = read === lastRead ? stalled + 1 : 0;
  lastRead = read;
  if (stalled > 120) throw new Error(`cashtag run read ${read} of ${placed.length} records and nothing more for 120 s; its log: ${logFile}`);
}
// Drained: a checkpoint completed after the last record was read, so every sink made it durable
// and its offsets are committed.
const checkpointsAtRead = metricSum(metrics, 'cashtag_checkpoints_completed_total');
for (const deadline = Date.now() + 120_000; ; await sleep(500)) {
  if (exit !== null) throw new Error(`cashtag run exited with ${exit} before a checkpoint after the last record; its log: ${logFile}`);
  metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).catch(() => metrics);
  if (metricSum(metrics, 'cashtag_checkpoints_completed_total') > checkpointsAtRead) break;
  if (Date.now() > deadline) throw new Error(`no checkpoint completed in 120 s after the last record was read (${checkpointsAtRead} before); its log: ${logFile}`);
}
const drainSeconds = secs(t0);
child.kill('SIGTERM');
const code = await exited;
const restarts = metricSum(metrics, 'cashtag_actor_restarts_total');
console.log(`  drained in ${drainSeconds} s; stopped with exit code ${code}`);

const db = await duckdb();
const bronze = await readBronze(db, join(dataDir, 'lake', `${env.LAKE_BUCKET_PREFIX}twitter-bronze`));
db.close();
const dlq = await readDlq({ brokers: stack.KAFKA_BROKERS.split(','), topicPrefix: env.KAFKA_TOPIC_PREFIX });
const f = judge(placed, bronze, dlq);
console.log(
  figuresTable(f, [
    ['pipeline actor restarts', restarts],
    ['pipeline exit code (SIGTERM, drained)', code],
    ['checkpoints completed', metricSum(metrics, 'cashtag_checkpoints_completed_total')],
    ['produce seconds', produceSeconds],
    ['read-and-checkpoint seconds', drainSeconds],
  ]),
);
for (const e of f.examples) console.log(`  ! ${e}`);
const failed = VIOLATIONS.some((v) => f[v] !== 0) || restarts !== 0 || code !== 0;
if (!failed && !a.keep) await cleanUp();
console.log(failed ? `FAILED (pipeline log: ${logFile})` : 'OK: every record once where it belongs; the pipeline kept running');
process.exit(failed ? 1 : 0);

/** Remove what the run created on the stack (topics, keyspace) and its data directory. */
async function cleanUp(): Promise<void> {
  const names = topicNames(env.KAFKA_TOPIC_PREFIX);
  const admin = new kafkajs.Kafka({ clientId: 'cashtag-fuzz-cleanup', brokers: stack.KAFKA_BROKERS.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(names) }).catch((e: unknown) => console.error(`could not delete the run's topics: ${String(e)}`));
  await admin.disconnect();
  if (env.CASSANDRA_KEYSPACE) {
    const cql = new Cql({ contactPoints: env.CASSANDRA_CONTACT_POINTS.split(','), localDataCenter: env.CASSANDRA_LOCAL_DC });
    await cql.connect();
    await cql.execute(`DROP KEYSPACE IF EXISTS ${env.CASSANDRA_KEYSPACE}`).catch((e: unknown) => console.error(`could not drop keyspace ${env.CASSANDRA_KEYSPACE}: ${String(e)}`));
    await cql.shutdown();
  }
  rmSync(dataDir, { recursive: true, force: true });
}
