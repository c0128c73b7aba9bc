// `make bench-kafka-clients` (issue 15): kafkajs, as cashtag's consumer hub uses it, against a
// maintained client on the same Kafka backlog. One run reads the whole backlog (the topic of
// `make bench-drain`: --tweets generator tweets as the pipeline produces them, --partitions
// partitions) to the end offsets seen at start, in a fresh child process with a fresh consumer
// group; the clients alternate (the order rotates every round), --runs rounds; medians.
//
// Clients:
// - kafkajs: the hub's consumer settings (src/io/kafka/consumer-hub.ts: createKafka's client,
//   eachBatch, partitionsConsumedConcurrently 4, maxBytesPerPartition 1 MiB, maxWaitTimeInMs
//   100, no auto-commit, resolveOffset per message, a heartbeat per batch, the co-partitioned
//   assigner);
// - @platformatic/kafka (pure JavaScript, maintained; 1.x, the last line that runs on Node 20):
//   the same fetch sizes and wait, no auto-commit, its message stream from the earliest offset;
// - hub: cashtag's ConsumerHub itself (kafkajs, its queues, pause at 4,096 queued records and
//   resume at 1,024), records taken 512 per partition per turn of the event loop.
// @confluentinc/kafka-javascript is not here: its prebuilt librdkafka binary is downloaded from
// github.com at install time and the fallback compiles librdkafka, OpenSSL and zstd from sources
// also fetched from github.com, which this machine cannot reach (docs/bench-kafka-clients.md).
//
// Per record every client does what the hub does (UTF-8 check, value and key to strings, offset
// and timestamp to numbers) and feeds the record's partition, offset, key and value to a SHA-256
// per partition; offsets must arrive contiguous from the partition's start (a re-fetched offset is
// counted and skipped, as the hub drops it). All runs must show the same digest and N records.
//
// Measured per run, inside the child: records/s from the first record to the last (the read
// rate), seconds from creating the consumer to the last record (group join included), CPU
// seconds of the process over that span (process.cpuUsage), peak RSS (getrusage maxrss).
// With --produce on, the pipeline's produce path too: N pre-generated tweets sent in batches of
// 2,000 by the project's idempotent kafkajs producer (acks all, awaited batch by batch as
// `cashtag produce` does) and by @platformatic/kafka's (idempotent, acks all, the
// Java-compatible murmur2 partitioner), each into a fresh topic; per-partition counts compared.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import kafkajs from 'kafkajs';
import { Consumer as PlatConsumer, MessagesStreamModes, Producer as PlatProducer, ProduceAcks, compatibilityPartitioner, stringSerializers } from '@platformatic/kafka';
import { loadConfig } from '../src/config.js';
import { generated, runProducer } from '../src/pipelines/producers.js';
import { speedTopology } from '../src/pipelines/speed.js';
import { createKafka } from '../src/io/kafka/client.js';
import { coPartitionedAssigner } from '../src/io/kafka/co-partitioned-assigner.js';
import { ConsumerHub } from '../src/io/kafka/consumer-hub.js';
import { systemClock } from '../src/runtime/clock.js';
import { createMetrics } from '../src/runtime/metrics.js';
import promClient from 'prom-client';
import { connectProducer } from '../src/io/kafka/producer.js';
import type { GeneratorSourceOptions } from '../src/actors/generator-source/protocol.js';
import type { Logger } from '../src/runtime/actor.js';
import { benchFlags } from './flags.js';
import { median } from './stats.js';

const a = benchFlags(
  'make bench-kafka-clients: kafkajs (as cashtag uses it) vs @platformatic/kafka reading the same Kafka backlog of generator tweets to its end, alternating runs in fresh processes and consumer groups: records/s, CPU s, peak RSS, same records and bytes; optionally the produce path.',
  {
    'tweets': { type: 'string', default: '300000', describe: 'tweets in the backlog' },
    'partitions': { type: 'string', default: '4', describe: 'partitions of the backlog topic' },
    'runs': { type: 'string', default: '3', describe: 'runs of each client (alternating)' },
    'clients': { type: 'string', default: 'kafkajs,platformatic,hub', describe: 'clients to compare, the first is the reference of the ratios; hub: cashtag\'s ConsumerHub itself (kafkajs, its queues and backpressure, records taken 512 at a time as fast as they come)' },
    'produce': { type: 'string', default: 'on', describe: 'on: also time the produce path (N tweets into a fresh topic per run)' },
    'platformatic-hwm': { type: 'string', default: '1024', describe: "@platformatic/kafka's stream highWaterMark (messages buffered in its stream; its default 1024)" },
    'child': { type: 'string', describe: 'internal: consume|produce, run by the benchmark in a child process' },
    'client': { type: 'string', describe: 'internal: the child\'s client' },
    'topic': { type: 'string', describe: 'internal: the child\'s topic' },
    'ends': { type: 'string', describe: 'internal: the child\'s start and end offsets per partition (JSON)' },
  },
  { KAFKA_BROKERS: 'the Kafka to use (make bench-kafka-clients starts the local stack\'s and sets it)' },
);

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  console.error('bench-kafka-clients: KAFKA_BROKERS is not set (make bench-kafka-clients sets it from the local stack)');
  process.exit(2);
}
const N = Number(a.tweets);
const P = Number(a.partitions);
const prefix = `benchdrain-n${N}-p${P}-`; // the backlog of make bench-drain, shared
const backlogTopic = `${prefix}tweets`;
const log: Logger = { info: () => undefined, warn: (m, f) => console.error('warn', m, f ?? ''), error: (m, f) => console.error('error', m, f ?? '') };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLIENTS = ['kafkajs', 'platformatic', 'hub'] as const;
type ClientName = (typeof CLIENTS)[number];

interface ConsumeResult {
  records: number;
  duplicates: number;
  digest: string;
  readS: number;
  totalS: number;
  cpuS: number;
  rssMb: number;
}
interface ProduceResult {
  sent: number;
  sendS: number;
  cpuS: number;
  rssMb: number;
  perPartition: number[];
}

// ---- child: one client, one run ---------------------------------------------------------------

/** The records of one run: contiguous offsets per partition, a digest of what was read. */
class Tally {
  private readonly next: number[];
  private readonly hashes: Hash[];
  private left: number;
  records = 0;
  duplicates = 0;
  /** Characters of the decoded keys and values (the work is used, not optimised away). */
  chars = 0;
  first = 0;
  last = 0;
  private finished!: () => void;
  private failed!: (e: Error) => void;
  readonly done = new Promise<void>((res, rej) => ((this.finished = res), (this.failed = rej)));

  constructor(
    private readonly starts: number[],
    private readonly ends: number[],
  ) {
    this.next = [...starts];
    this.hashes = starts.map(() => createHash('sha256'));
    this.left = ends.reduce((s, e, p) => s + e - starts[p], 0);
  }

  /** The hub's per-record work, then the digest; offsets must come contiguous. */
  add(partition: number, offset: number, key: Buffer | null | undefined, value: Buffer | null | undefined, timestamp: number, decoded = false): void {
    if (offset < this.next[partition]) {
      this.duplicates++;
      return;
    }
    if (offset !== this.next[partition]) return this.failed(new Error(`partition ${partition}: offset ${offset} after ${this.next[partition] - 1}`));
    if (offset >= this.ends[partition]) return; // written after the start: not part of the backlog
    this.next[partition] = offset + 1;
    if (this.records++ === 0) this.first = performance.now();
    // What ConsumerHub.onBatch does with a record of an input topic.
    if (!decoded) {
      const notUtf8 = value ? !isUtf8(value) : false;
      const text = value?.toString() ?? '';
      const k = key?.toString() ?? null;
      this.chars += text.length + (k?.length ?? 0) + (notUtf8 ? 1 : 0) + (timestamp > 0 ? 0 : 1);
    }
    const h = this.hashes[partition];
    h.update(`${offset}\0${key?.length ?? -1}\0${value?.length ?? -1}\0`);
    if (key) h.update(key);
    if (value) h.update(value);
    if (--this.left === 0) {
      this.last = performance.now();
      this.finished();
    }
  }

  /** A record the hub decoded already: its strings are hashed as their UTF-8 bytes. */
  addText(partition: number, offset: number, key: string | null, value: string): void {
    this.add(partition, offset, key === null ? null : Buffer.from(key), Buffer.from(value), 1, true);
  }

  digest(): string {
    const all = createHash('sha256');
    this.hashes.forEach((h, p) => all.update(`${p}:${h.digest('hex')};`));
    return all.digest('hex').slice(0, 16);
  }
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;
const cpuSince = (c: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1e6;
};

async function consumeKafkajs(topic: string, groupId: string, tally: Tally): Promise<() => Promise<void>> {
  const kafka = createKafka({ brokers, clientId: 'cashtag-bench-kafkajs' }, log);
  const sessionTimeoutMs = 30_000; // the default KAFKA_SESSION_TIMEOUT
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeoutMs / 3)),
    maxBytesPerPartition: 1 << 20,
    maxWaitTimeInMs: 100,
    partitionAssigners: [coPartitionedAssigner],
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const m of batch.messages) {
        tally.add(batch.partition, Number(m.offset), m.key, m.value, Number(m.timestamp));
        resolveOffset(m.offset);
      }
      await heartbeat();
    },
  });
  return () => consumer.disconnect();
}

async function consumePlatformatic(topic: string, groupId: string, tally: Tally): Promise<() => Promise<void>> {
  const consumer = new PlatConsumer({ groupId, clientId: 'cashtag-bench-platformatic', bootstrapBrokers: brokers, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxBytesPerPartition: 1 << 20, maxWaitTime: 100, autocommit: false, highWaterMark: Number(a['platformatic-hwm']) });
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
  stream.on('data', (m) => tally.add(m.partition, Number(m.offset), m.key, m.value, Number(m.timestamp)));
  stream.on('error', (e: Error) => console.error('platformatic stream error', e));
  return async () => {
    await stream.close();
    await consumer.close(true);
  };
}

/** cashtag's ConsumerHub with the pipeline's queue bounds (BATCH_SIZE 512: high water 4,096, low 1,024). */
async function consumeHub(topic: string, groupId: string, tally: Tally): Promise<() => Promise<void>> {
  const settings = { pipeline: 'speed', brokers, groupId, topicPrefix: topic.slice(0, -'tweets'.length), highWater: 512 * 8, lowWater: 512 * 2, topics: ['tweets' as const], sessionTimeoutMs: 30_000 };
  const hub = new ConsumerHub(createKafka({ brokers, clientId: 'cashtag-bench-hub' }, log), settings, systemClock, createMetrics(new promClient.Registry()), log);
  await hub.start();
  let stopped = false;
  const partitions = Array.from({ length: P }, (_, p) => p);
  const poll = () => {
    if (stopped) return;
    for (const p of partitions) for (const r of hub.take('tweets', p, 512)) tally.addText(p, r.offset, r.key, r.value);
    setImmediate(poll);
  };
  poll();
  return async () => {
    stopped = true;
    hub.release();
    await hub.close();
  };
}

async function childConsume(client: ClientName, topic: string, starts: number[], ends: number[]): Promise<ConsumeResult> {
  const tally = new Tally(starts, ends);
  const groupId = `bench-kafka-clients-${client}-${randomBytes(4).toString('hex')}`;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const consume = { kafkajs: consumeKafkajs, platformatic: consumePlatformatic, hub: consumeHub }[client];
  const close = await consume(topic, groupId, tally);
  await tally.done;
  const cpuS = cpuSince(cpu0);
  const r: ConsumeResult = { records: tally.records, duplicates: tally.duplicates, digest: tally.digest(), readS: (tally.last - tally.first) / 1000, totalS: (tally.last - t0) / 1000, cpuS, rssMb: rssMb() };
  await close();
  return r;
}

function generatorSettings() {
  const cfg = loadConfig({}, { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, PARTITIONS: String(P), KAFKA_PARTITIONS: String(P) });
  return (speedTopology(cfg, Date.parse('2025-12-18T14:00:00Z')).stages[0].options as GeneratorSourceOptions).generator;
}

async function childProduce(client: ClientName, topic: string): Promise<ProduceResult> {
  const gen = generated('tweets', generatorSettings());
  const messages = Array.from({ length: N }, () => gen.next().value as { key: string; value: string });
  const BATCH = 2000; // runProducer's batch size in bench-drain's backlog
  let send: (batch: { key: string; value: string }[]) => Promise<unknown>;
  let close: () => Promise<void>;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (client === 'kafkajs') {
    const producer = await connectProducer(createKafka({ brokers, clientId: 'cashtag-bench-kafkajs' }, log), brokers);
    send = (batch) => producer.send({ topic, acks: -1, messages: batch });
    close = () => producer.disconnect();
  } else {
    const producer = new PlatProducer({ clientId: 'cashtag-bench-platformatic', bootstrapBrokers: brokers, idempotent: true, acks: ProduceAcks.ALL, partitioner: compatibilityPartitioner, serializers: stringSerializers });
    send = (batch) => producer.send({ messages: batch.map((m) => ({ topic, key: m.key, value: m.value })) });
    close = () => producer.close();
  }
  for (let i = 0; i < N; i += BATCH) await send(messages.slice(i, i + BATCH));
  const sendS = (performance.now() - t0) / 1000;
  const cpuS = cpuSince(cpu0);
  await close();
  const admin = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const perPartition = offsets.sort((x, y) => x.partition - y.partition).map((o) => Number(o.high) - Number(o.low));
  return { sent: N, sendS, cpuS, rssMb: rssMb(), perPartition };
}

if (a.child) {
  const client = a.client as ClientName;
  const topic = a.topic ?? '';
  const r = a.child === 'consume' ? await childConsume(client, topic, ...(JSON.parse(a.ends ?? '[[],[]]') as [number[], number[]])) : await childProduce(client, topic);
  console.log(`RESULT ${JSON.stringify(r)}`);
  process.exit(0);
}

// ---- parent: the backlog, the alternating runs, the table ---------------------------------------

const clients = a.clients.split(',').map((c) => c.trim()) as ClientName[];
for (const c of clients) {
  if (!CLIENTS.includes(c)) {
    console.error(`bench-kafka-clients: unknown client ${c} (known: ${CLIENTS.join(', ')})`);
    process.exit(2);
  }
}
const root = resolve(new URL('../../', import.meta.url).pathname);
const self = join(root, 'dist/bench/kafka-clients.js');
const loads: number[] = [];
const sampleLoad = () => loads.push(loadavg()[0]);

function child<T>(args: string[]): Promise<T> {
  return new Promise((res, rej) => {
    const proc = spawn(process.execPath, [self, '--tweets', a.tweets, '--partitions', a.partitions, '--platformatic-hwm', a['platformatic-hwm'], ...args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => {
      const line = /^RESULT (.*)$/m.exec(out)?.[1];
      if (code !== 0 || !line) rej(new Error(`child ${args.join(' ')} exited ${code}:\n${out.slice(-3000)}`));
      else res(JSON.parse(line) as T);
    });
  });
}

const admin = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
await admin.connect();

/** Produce the backlog unless the topic already holds exactly N records (as bench-drain does). */
async function backlog(): Promise<void> {
  if ((await admin.listTopics()).includes(backlogTopic)) {
    const held = (await admin.fetchTopicOffsets(backlogTopic)).reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
    if (held === N) {
      console.log(`backlog: ${N} tweets already in ${backlogTopic} (kept from an earlier run)`);
      return;
    }
    await admin.deleteTopics({ topics: [backlogTopic] });
    await sleep(2_000);
  }
  const cfg = loadConfig({}, { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, PARTITIONS: String(P), KAFKA_PARTITIONS: String(P) });
  const t0 = performance.now();
  const r = await runProducer({ topic: 'tweets', topicPrefix: prefix, brokers: cfg.kafkaBrokers, rate: 0, limit: N, source: { kind: 'generator', settings: generatorSettings() }, batchSize: 2000, topics: { partitions: P, replicationFactor: 1, retentionMs: 7 * 86_400_000 }, metricsPort: 0, log });
  console.log(`backlog: ${r.sent} tweets produced into ${backlogTopic} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const rotate = <T>(xs: T[], k: number) => xs.map((_, i) => xs[(i + k) % xs.length]);

console.log(`cashtag bench-kafka-clients — ${cpus().length} cores, Node ${process.version}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${fmt(N)} tweets in ${P} partitions; ${a.runs} alternating runs of ${clients.join(', ')}`);
sampleLoad();
await backlog();
const offsets = (await admin.fetchTopicOffsets(backlogTopic)).sort((x, y) => x.partition - y.partition);
const starts = offsets.map((o) => Number(o.low));
const ends = offsets.map((o) => Number(o.high));
const consumed = new Map<ClientName, ConsumeResult[]>(clients.map((c) => [c, []]));
for (let i = 0; i < Number(a.runs); i++) {
  for (const c of rotate(clients, i)) {
    const r = await child<ConsumeResult>(['--child', 'consume', '--client', c, '--topic', backlogTopic, '--ends', JSON.stringify([starts, ends])]);
    sampleLoad();
    consumed.get(c)!.push(r);
    console.log(`  consume ${c.padEnd(12)} #${i + 1}: ${fmt(r.records)} records (${r.duplicates} re-fetched), read ${r.readS.toFixed(2)} s = ${fmt(r.records / r.readS)}/s, ${r.totalS.toFixed(2)} s from connect, CPU ${r.cpuS.toFixed(2)} s, peak RSS ${r.rssMb.toFixed(0)} MB, digest ${r.digest}`);
  }
}

const digests = new Set([...consumed.values()].flat().map((r) => r.digest));
const counts = new Set([...consumed.values()].flat().map((r) => r.records));
const same = digests.size === 1 && counts.size === 1 && counts.has(N);
const ref = clients[0];
const row = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
const w = [14, 12, 10, 10, 9, 9, 10, 9, 10];
console.log(`\nconsume: medians of ${a.runs} runs; ratios to ${ref} (rate: higher is better; CPU, RSS: lower is better)`);
console.log(row(['client', 'records/s', 'x rate', 'read s', 'total s', 'CPU s', 'x CPU', 'RSS MB', 'x RSS'], w));
const med = (rs: ConsumeResult[], f: (r: ConsumeResult) => number) => median(rs.map(f));
for (const c of clients) {
  const rs = consumed.get(c)!;
  const refs = consumed.get(ref)!;
  const rate = med(rs, (r) => r.records / r.readS);
  console.log(
    row(
      [c, fmt(rate), (rate / med(refs, (r) => r.records / r.readS)).toFixed(2), med(rs, (r) => r.readS).toFixed(2), med(rs, (r) => r.totalS).toFixed(2), med(rs, (r) => r.cpuS).toFixed(2), (med(rs, (r) => r.cpuS) / med(refs, (r) => r.cpuS)).toFixed(2), med(rs, (r) => r.rssMb).toFixed(0), (med(rs, (r) => r.rssMb) / med(refs, (r) => r.rssMb)).toFixed(2)],
      w,
    ),
  );
}
console.log(`same records and bytes in every run: ${same ? 'yes' : 'NO'} (${fmt(N)} expected; digests ${[...digests].join(', ')}; record counts ${[...counts].join(', ')})`);

const producers = clients.filter((c) => c !== 'hub'); // the hub only reads
if (a.produce === 'on' && producers.length > 0) {
  const produced = new Map<ClientName, ProduceResult[]>(producers.map((c) => [c, []]));
  for (let i = 0; i < Number(a.runs); i++) {
    for (const c of rotate(producers, i)) {
      const topic = `bench-kafka-clients-produce-${c}-${randomBytes(3).toString('hex')}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: P, replicationFactor: 1 }], waitForLeaders: true });
      try {
        const r = await child<ProduceResult>(['--child', 'produce', '--client', c, '--topic', topic]);
        sampleLoad();
        produced.get(c)!.push(r);
        console.log(`  produce ${c.padEnd(12)} #${i + 1}: ${fmt(r.sent)} records in ${r.sendS.toFixed(2)} s = ${fmt(r.sent / r.sendS)}/s, CPU ${r.cpuS.toFixed(2)} s, peak RSS ${r.rssMb.toFixed(0)} MB, per partition ${r.perPartition.join('/')}`);
      } finally {
        await admin.deleteTopics({ topics: [topic] });
      }
    }
  }
  const pm = (rs: ProduceResult[], f: (r: ProduceResult) => number) => median(rs.map(f));
  console.log(`\nproduce (the pipeline's produce path, ${fmt(N)} tweets in batches of 2,000, idempotent, acks all): medians; ratios to ${producers[0]}`);
  console.log(row(['client', 'records/s', 'x rate', 'send s', 'CPU s', 'x CPU', 'RSS MB', 'x RSS'], w));
  const refs = produced.get(producers[0])!;
  for (const c of producers) {
    const rs = produced.get(c)!;
    const rate = pm(rs, (r) => r.sent / r.sendS);
    console.log(row([c, fmt(rate), (rate / pm(refs, (r) => r.sent / r.sendS)).toFixed(2), pm(rs, (r) => r.sendS).toFixed(2), pm(rs, (r) => r.cpuS).toFixed(2), (pm(rs, (r) => r.cpuS) / pm(refs, (r) => r.cpuS)).toFixed(2), pm(rs, (r) => r.rssMb).toFixed(0), (pm(rs, (r) => r.rssMb) / pm(refs, (r) => r.rssMb)).toFixed(2)], w));
  }
  const layouts = new Set([...produced.values()].flat().map((r) => r.perPartition.join('/')));
  console.log(`same partition of every record (counts per partition): ${layouts.size === 1 ? 'yes' : 'NO'} (${[...layouts].join(' | ')})`);
}
await admin.disconnect();
console.log(`load average (1 min) during the runs: ${Math.min(...loads).toFixed(2)} to ${Math.max(...loads).toFixed(2)}, median ${median(loads).toFixed(2)}`);
if (!same) process.exit(1);
