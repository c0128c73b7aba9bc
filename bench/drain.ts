// `make bench-drain` (issue 15): a backlog of tweets in Kafka drained into bronze Parquet by
// `cashtag run --until-drained --analytics off`, side by side with PySpark 3.5 Structured
// Streaming (local[2], spark-sql-kafka-0-10, vaderSentiment in a pandas UDF, Parquet, trigger
// availableNow: bench/spark/drain.py) reading the same topic. Runs alternate (cashtag, Spark,
// cashtag, ...), each with a fresh consumer group / checkpoint and output directory; medians.
//
// Measured per run: total wall (spawn to exit), first read to last read (cashtag: its
// /metrics polled every 250 ms, every 50 ms before the first and after 90 % read, from the first
// tweet read to all read; Spark: from the first
// micro-batch's start to the last one's end, from the query's progress), peak RSS (cashtag: the
// process's VmHWM; Spark: the peak of the summed VmRSS of the Python driver, the JVM and the
// Python workers, polled every 100 ms). After the last pair, DuckDB compares both outputs.
//
// The backlog is produced once into `<prefix>tweets` and kept: a later run whose topic already
// holds exactly --tweets records reuses it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import kafkajs from 'kafkajs';
import { loadConfig } from '../src/config.js';
import { runProducer } from '../src/pipelines/producers.js';
import { speedTopology } from '../src/pipelines/speed.js';
import type { GeneratorSourceOptions } from '../src/actors/generator-source/protocol.js';
import type { Logger } from '../src/runtime/actor.js';
import { duckdb } from '../test/helpers/duckdb.js';
import { cliCommand } from './cli-command.js';
import { benchFlags } from './flags.js';
import { median, metricSum } from './stats.js';

const a = benchFlags(
  'make bench-drain: a Kafka backlog of tweets drained into bronze Parquet by `cashtag run --until-drained --analytics off`, next to PySpark 3.5 Structured Streaming (local[2], vaderSentiment pandas UDF, availableNow): tweets/s and peak RSS, medians of alternating runs.',
  {
    'tweets': { type: 'string', default: '300000', describe: 'tweets in the backlog' },
    'runs': { type: 'string', default: '3', describe: 'runs of each side (alternating)' },
    'partitions': { type: 'string', default: '4', describe: 'partitions of the backlog topic' },
    'spark': { type: 'string', default: 'on', describe: 'on: run the PySpark side too (needs .tools/spark: make spark-tools); off: cashtag only' },
    'metrics-port': { type: 'string', default: '19464', describe: "cashtag's /metrics port during the runs (polled for first/last read)" },
    'verbose': { type: 'boolean', default: false, describe: "print the pipeline's and Spark's logs" },
  },
  { KAFKA_BROKERS: 'the Kafka to use (make bench-drain starts the local stack\'s and sets it)', SPARK_PY: 'python of the PySpark venv (default .tools/spark/bin/python)', JAVA_HOME: 'Java 17 for Spark (default /usr/lib/jvm/java-17-openjdk-amd64)' },
);

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1'; // kafkajs's note on its v2 default partitioner, at every backlog
const root = resolve(new URL('../../', import.meta.url).pathname);
const brokers = process.env.KAFKA_BROKERS ?? '';
if (!brokers) {
  console.error('bench-drain: KAFKA_BROKERS is not set (make bench-drain sets it from the local stack)');
  process.exit(2);
}
const N = Number(a.tweets);
const P = Number(a.partitions);
const prefix = `benchdrain-n${N}-p${P}-`;
const topic = `${prefix}tweets`;
const work = join(root, '.bench', 'drain');
const sparkPy = process.env.SPARK_PY ?? join(root, '.tools/spark/bin/python');
const javaHome = process.env.JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64';
const log: Logger = { info: () => undefined, warn: (m, f) => console.error('warn', m, f ?? ''), error: (m, f) => console.error('error', m, f ?? '') };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Produce the backlog unless `topic` already holds exactly N records. */
async function backlog(): Promise<void> {
  const admin = new kafkajs.Kafka({ brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) {
      const held = (await admin.fetchTopicOffsets(topic)).reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
      if (held === N) {
        console.log(`backlog: ${N} tweets already in ${topic} (kept from an earlier run)`);
        return;
      }
      await admin.deleteTopics({ topics: [topic] });
      await sleep(2_000);
    }
  } finally {
    await admin.disconnect();
  }
  const cfg = loadConfig({}, { KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, PARTITIONS: String(P), KAFKA_PARTITIONS: String(P) });
  const generator = (speedTopology(cfg, Date.parse('2025-12-18T14:00:00Z')).stages[0].options as GeneratorSourceOptions).generator;
  const t0 = performance.now();
  const r = await runProducer({ topic: 'tweets', topicPrefix: prefix, brokers: cfg.kafkaBrokers, rate: 0, limit: N, source: { kind: 'generator', settings: generator }, batchSize: 2000, topics: { partitions: P, replicationFactor: 1, retentionMs: 7 * 86_400_000 }, metricsPort: 0, log });
  console.log(`backlog: ${r.sent} tweets produced into ${topic} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Every descendant of `pid` (and itself), from /proc. */
function tree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

interface Run {
  wallS: number;
  readS: number;
  peakRssMb: number;
}

function spawnLogged(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  for (const s of [proc.stdout, proc.stderr]) {
    s.on('data', (d: Buffer) => {
      out += d.toString();
      if (a.verbose) process.stderr.write(d);
    });
  }
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, exited, output: () => out };
}

async function cashtagRun(i: number): Promise<Run> {
  const dataDir = join(work, `cashtag-${i}`);
  rmSync(dataDir, { recursive: true, force: true });
  // The lake and the serving store on local disk (the stack's S3 and Cassandra are not used, as
  // Spark writes local Parquet).
  const env = { ...process.env, S3_ENDPOINT: '', CASSANDRA_CONTACT_POINTS: '', KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: `bench-drain-${randomBytes(4).toString('hex')}`, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const t0 = performance.now();
  const r = spawnLogged(...cliCommand(['run', '--until-drained', '--analytics', 'off', '--serve', 'off', '--metrics-port', a['metrics-port']]), env);
  const pid = r.proc.pid!;
  let peakKb = 0;
  let first: number | null = null;
  let last: number | null = null;
  let exited = false;
  void r.exited.then(() => (exited = true));
  const rss = setInterval(() => (peakKb = Math.max(peakKb, statusKb(pid, 'VmHWM'))), 100);
  let read = 0;
  while (!exited) {
    try {
      read = metricSum(await (await fetch(`http://127.0.0.1:${a['metrics-port']}/metrics`)).text(), 'cashtag_source_records_total', 'topic="tweets"');
      const now = performance.now();
      if (read > 0 && first === null) first = now;
      if (read >= N && last === null) last = now;
    } catch {
      // not listening yet, or gone
    }
    // A scrape gathers every thread's metrics (CPU the run pays for): 4 a second, and 20 a second
    // near the end, as a drained run exits within a few hundred ms of its last read.
    await sleep(first !== null && read < 0.9 * N ? 250 : 50);
  }
  clearInterval(rss);
  const code = await r.exited;
  const wallS = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`cashtag run exited ${code}:\n${r.output().slice(-3000)}`);
  if (first === null || last === null) throw new Error('cashtag: the metrics never showed the whole backlog read');
  return { wallS, readS: (last - first) / 1000, peakRssMb: peakKb / 1024 };
}

async function sparkRun(i: number): Promise<Run> {
  const dir = join(work, `spark-${i}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, JAVA_HOME: javaHome, SPARK_LOCAL_IP: '127.0.0.1', PYSPARK_PYTHON: sparkPy, PYARROW_IGNORE_TIMEZONE: '1' };
  const t0 = performance.now();
  const r = spawnLogged(sparkPy, [join(root, 'bench/spark/drain.py'), brokers, topic, join(dir, 'out'), join(dir, 'checkpoint'), join(root, '.tools/spark/ivy')], env);
  let peakKb = 0;
  const rss = setInterval(() => {
    const kb = tree(r.proc.pid!).reduce((s, p) => s + statusKb(p, 'VmRSS'), 0);
    peakKb = Math.max(peakKb, kb);
  }, 100);
  const code = await r.exited;
  clearInterval(rss);
  const wallS = (performance.now() - t0) / 1000;
  const line = /\{"start".*\}/.exec(r.output())?.[0];
  if (code !== 0 || !line) throw new Error(`PySpark exited ${code}:\n${r.output().slice(-3000)}`);
  const p = JSON.parse(line) as { first_batch: number; last_batch_end: number; records_read: number };
  if (p.records_read !== N) throw new Error(`PySpark read ${p.records_read} records, not ${N}`);
  return { wallS, readS: p.last_batch_end - p.first_batch, peakRssMb: peakKb / 1024 };
}

/** Rows of each side, rows on one side only, and scores that differ (the last pair of runs). */
async function compare(i: number): Promise<string> {
  const db = await duckdb();
  try {
    const c = `read_parquet('${join(work, `cashtag-${i}`, 'lake/twitter-bronze/tweets_v2')}/*/*.parquet', hive_partitioning = true)`;
    const s = `read_parquet('${join(work, `spark-${i}`, 'out')}/*/*.parquet', hive_partitioning = true)`;
    const [row] = await db.all(`
      WITH c AS (SELECT topic, source_partition AS p, source_offset AS o, sentiment_score AS score FROM ${c}),
           s AS (SELECT topic, source_partition AS p, source_offset AS o, sentiment_score AS score FROM ${s})
      SELECT (SELECT count(*) FROM c) AS cashtag_rows, (SELECT count(*) FROM s) AS spark_rows,
             (SELECT count(*) FROM c ANTI JOIN s USING (topic, p, o)) AS only_cashtag,
             (SELECT count(*) FROM s ANTI JOIN c USING (topic, p, o)) AS only_spark,
             (SELECT count(*) FROM c JOIN s USING (topic, p, o) WHERE abs(c.score - s.score) > 1e-9) AS score_differs`);
    return `rows: cashtag ${String(row.cashtag_rows)}, Spark ${String(row.spark_rows)}; only in cashtag ${String(row.only_cashtag)}, only in Spark ${String(row.only_spark)}; scores differing ${String(row.score_differs)}`;
  } finally {
    db.close();
  }
}

const spark = a.spark === 'on';
if (spark && !existsSync(sparkPy)) {
  console.error(`bench-drain: ${sparkPy} is missing (make spark-tools installs it), or pass ARGS="--spark off"`);
  process.exit(2);
}
console.log(`cashtag bench-drain — ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${N} tweets in ${P} partitions; ${a.runs} alternating runs${spark ? ' with PySpark' : ', cashtag only'}`);
await backlog();
mkdirSync(work, { recursive: true });
const runs: { cashtag: Run[]; spark: Run[] } = { cashtag: [], spark: [] };
const show = (who: string, i: number, r: Run) =>
  console.log(`  ${who} #${i + 1}: ${r.wallS.toFixed(1)} s total (${(N / r.wallS).toFixed(0)} tweets/s), first to last read ${r.readS.toFixed(1)} s (${(N / r.readS).toFixed(0)} tweets/s), peak RSS ${r.peakRssMb.toFixed(0)} MB`);
for (let i = 0; i < Number(a.runs); i++) {
  const c = await cashtagRun(i);
  runs.cashtag.push(c);
  show('cashtag', i, c);
  if (spark) {
    const s = await sparkRun(i);
    runs.spark.push(s);
    show('PySpark', i, s);
  }
}
const med = (rs: Run[], k: keyof Run) => median(rs.map((r) => r[k]));
const summary = (who: string, rs: Run[]) =>
  `${who.padEnd(8)} median ${med(rs, 'wallS').toFixed(1)} s total = ${(N / med(rs, 'wallS')).toFixed(0)} tweets/s; first to last read ${(N / med(rs, 'readS')).toFixed(0)} tweets/s; peak RSS ${med(rs, 'peakRssMb').toFixed(0)} MB`;
console.log(summary('cashtag', runs.cashtag));
if (spark) {
  console.log(summary('PySpark', runs.spark));
  console.log(`ratio (PySpark time / cashtag time): total ${(med(runs.spark, 'wallS') / med(runs.cashtag, 'wallS')).toFixed(2)}x, first to last read ${(med(runs.spark, 'readS') / med(runs.cashtag, 'readS')).toFixed(2)}x; peak RSS cashtag/PySpark ${(med(runs.cashtag, 'peakRssMb') / med(runs.spark, 'peakRssMb')).toFixed(2)}`);
  console.log(`same output? ${await compare(Number(a.runs) - 1)}`);
}
console.log('targets (issue 15): >= 45,000 tweets/s and >= 5x PySpark; peak RSS <= 600 MB');
