// The fuzzed corpus through the real Kafka path: produced into a run's own `tweets` and
// `stock-prices` topics, and the pipeline's results read back with clients other than its own
// (DuckDB over the bronze Parquet files, a kafkajs consumer over the DLQ topics). `judge` says,
// record by record, whether each bad one is a dead letter exactly once with its reason (in the
// bronze dead_letters table and in its DLQ topic) and each good one is in bronze exactly once,
// as sent. Shared by `make fuzz-kafka` (bench/fuzz-kafka.ts) and its integration test.
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import kafkajs from 'kafkajs';
import { UNTAGGED_TOPIC } from '../../src/domain/cashtags.js';
import type { InputTopic } from '../../src/domain/records.js';
import { provisionTopics } from '../../src/io/kafka/provision.js';
import { topicNames } from '../../src/io/kafka/client.js';
import type { Logger } from '../../src/runtime/actor.js';
import type { duckdb } from '../helpers/duckdb.js';
import { POISON_TICK, sampleCorpus, type FuzzRecord } from './corpus.js';

export interface Placed extends FuzzRecord {
  partition: number;
  offset: number;
}

/** The corpus: the poison tick first, then `n - 1` generated records (deterministic for a seed). */
export const kafkaCorpus = (n: number, seed: number): FuzzRecord[] => [
  { topic: 'stock-prices', value: POISON_TICK, expect: { outcome: 'bad', reason: 'out_of_range' }, label: 'the poison tick (volume 1e308)' },
  ...sampleCorpus(n - 1, seed),
];

/**
 * Produce `records` (idempotent producer, acks from all replicas), each to partition i mod P of
 * its topic, and return where each landed: Kafka gives the base offset of each partition's
 * messages in a request, which are appended in order.
 */
export async function produceCorpus(records: FuzzRecord[], o: { brokers: string[]; topicPrefix: string; partitions: number; log: Logger }): Promise<Placed[]> {
  const names = topicNames(o.topicPrefix);
  const kafka = new kafkajs.Kafka({ clientId: 'cashtag-fuzz', brokers: o.brokers, logLevel: kafkajs.logLevel.NOTHING });
  await provisionTopics(kafka, o.brokers, { partitions: o.partitions, replicationFactor: 1, retentionMs: 3_600_000 }, o.log, names);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const placed: Placed[] = [];
  try {
    const BATCH = 500;
    for (let from = 0; from < records.length; from += BATCH) {
      const batch = records.slice(from, from + BATCH).map((r, j) => ({ r, partition: (from + j) % o.partitions }));
      for (const topic of ['tweets', 'stock-prices'] as InputTopic[]) {
        const mine = batch.filter((b) => b.r.topic === topic);
        if (mine.length === 0) continue;
        const meta = await producer.send({ topic: topic === 'tweets' ? names.tweets : names.prices, acks: -1, messages: mine.map((b) => ({ partition: b.partition, value: b.r.bytes ?? b.r.value })) });
        const next = new Map(meta.map((m) => [m.partition, Number(m.baseOffset)]));
        for (const b of mine) {
          const offset = next.get(b.partition)!;
          next.set(b.partition, offset + 1);
          placed.push({ ...b.r, partition: b.partition, offset });
        }
      }
    }
  } finally {
    await producer.disconnect();
  }
  return placed;
}

export interface DlqMessage {
  topic: InputTopic;
  partition: number;
  offset: number;
  reason: string;
}

/** Every message of the two DLQ topics, read from the start to their end offsets. */
export async function readDlq(o: { brokers: string[]; topicPrefix: string }): Promise<DlqMessage[]> {
  const names = topicNames(o.topicPrefix);
  const kafka = new kafkajs.Kafka({ clientId: 'cashtag-fuzz-dlq', brokers: o.brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let total = 0;
  for (const t of [names.tweetsDlq, names.pricesDlq]) for (const p of await admin.fetchTopicOffsets(t)) total += Number(p.high) - Number(p.low);
  await admin.disconnect();
  const out: DlqMessage[] = [];
  if (total === 0) return out;
  const consumer = kafka.consumer({ groupId: `cashtag-fuzz-dlq-${o.topicPrefix}${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [names.tweetsDlq, names.pricesDlq], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${total} DLQ messages in 120 s`)), 120_000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          const h = (k: string) => String(message.headers?.[k] ?? '');
          out.push({ topic: h('source-topic') as InputTopic, partition: Number(h('source-partition')), offset: Number(h('source-offset')), reason: h('reason') });
          if (out.length >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out;
}

type Db = Awaited<ReturnType<typeof duckdb>>;
const hasParquet = (dir: string) => existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.parquet'));

/** The bronze tables of a local lake, read with DuckDB. */
export async function readBronze(db: Db, bronzeDir: string) {
  const read = async (table: string, select: string) => (hasParquet(join(bronzeDir, table)) ? await db.all(`SELECT ${select} FROM read_parquet('${join(bronzeDir, table)}/*/*.parquet', hive_partitioning = true)`) : []);
  return {
    tweets: await read('tweets_v2', 'topic, source_partition AS p, source_offset AS o, text, user_id, epoch_ms(created_at) AS t'),
    prices: await read('stock_prices', 'symbol, source_partition AS p, source_offset AS o, open_price, close_price, volume, epoch_ms(trade_timestamp) AS t'),
    dead: await read('dead_letters', 'topic, source_partition AS p, source_offset AS o, reason'),
  };
}

export interface Figures {
  produced: number;
  good: number;
  bad: number;
  arbitrary: number;
  bronzeTweetRows: number;
  bronzeTickRows: number;
  bronzeDeadLetters: number;
  dlqMessages: number;
  /** Each a count of records that break a rule; all must be 0. */
  goodNotOnceInBronze: number;
  goodNotAsSent: number;
  goodDeadLettered: number;
  badNotOnceInDeadLetters: number;
  badWrongReason: number;
  badNotOnceInDlq: number;
  badInBronzeData: number;
  arbitraryNotInOnePlace: number;
  sinkRefusals: number;
  rowsFromNoRecord: number;
  /** A few messages saying which records broke a rule. */
  examples: string[];
}

export const VIOLATIONS: (keyof Figures)[] = ['goodNotOnceInBronze', 'goodNotAsSent', 'goodDeadLettered', 'badNotOnceInDeadLetters', 'badWrongReason', 'badNotOnceInDlq', 'badInBronzeData', 'arbitraryNotInOnePlace', 'sinkRefusals', 'rowsFromNoRecord'];

/** Record by record: where the pipeline put each of `placed`. */
export function judge(placed: Placed[], bronze: Awaited<ReturnType<typeof readBronze>>, dlq: DlqMessage[]): Figures {
  const k = (topic: string, p: unknown, o: unknown) => `${topic}/${Number(p)}/${Number(o)}`;
  const group = <T>(rows: T[], key: (r: T) => string) => {
    const m = new Map<string, T[]>();
    for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
    return m;
  };
  const tweets = group(bronze.tweets, (r) => k('tweets', r.p, r.o));
  const ticks = group(bronze.prices, (r) => k('stock-prices', r.p, r.o));
  const dead = group(bronze.dead, (r) => k(String(r.topic), r.p, r.o));
  const dlqBy = group(dlq, (m) => k(m.topic, m.partition, m.offset));
  const f: Figures = {
    produced: placed.length, good: 0, bad: 0, arbitrary: 0, bronzeTweetRows: bronze.tweets.length, bronzeTickRows: bronze.prices.length, bronzeDeadLetters: bronze.dead.length, dlqMessages: dlq.length,
    goodNotOnceInBronze: 0, goodNotAsSent: 0, goodDeadLettered: 0, badNotOnceInDeadLetters: 0, badWrongReason: 0, badNotOnceInDlq: 0, badInBronzeData: 0, arbitraryNotInOnePlace: 0, sinkRefusals: 0, rowsFromNoRecord: 0, examples: [],
  };
  const note = (rule: keyof Figures, r: Placed, why: string) => {
    (f[rule] as number)++;
    if (f.examples.length < 10) f.examples.push(`${rule}: ${r.label} at ${r.topic}/${r.partition}/${r.offset}: ${why} — ${JSON.stringify(r.value.slice(0, 120))}`);
  };
  for (const r of placed) {
    const key = k(r.topic, r.partition, r.offset);
    const data = (r.topic === 'tweets' ? tweets.get(key) : ticks.get(key)) ?? [];
    const d = dead.get(key) ?? [];
    const q = dlqBy.get(key) ?? [];
    const e = r.expect;
    if (e.outcome === 'good') {
      f.good++;
      const topics = r.topic === 'tweets' ? (e.symbols!.length ? e.symbols! : [UNTAGGED_TOPIC]) : [e.symbol!];
      const got = data.map((x) => String((x as { topic?: string; symbol?: string }).topic ?? (x as { symbol: string }).symbol)).sort();
      if (got.join() !== [...topics].sort().join()) note('goodNotOnceInBronze', r, `rows under ${JSON.stringify(got)}, expected one under each of ${JSON.stringify(topics)}`);
      const asSent = data.every((x) =>
        r.topic === 'tweets' ? x.text === e.text && x.user_id === e.userId && x.t === e.eventTime : x.open_price === e.open && x.close_price === e.close && x.volume === e.volume && x.t === e.eventTime,
      );
      if (!asSent) note('goodNotAsSent', r, JSON.stringify(data[0]).slice(0, 200));
      if (d.length || q.length) note('goodDeadLettered', r, `${d.map((x) => x.reason).join()} ${q.map((x) => x.reason).join()}`);
    } else if (e.outcome === 'bad') {
      f.bad++;
      if (d.length !== 1) note('badNotOnceInDeadLetters', r, `${d.length} dead letters`);
      if (d.some((x) => x.reason !== e.reason) || q.some((x) => x.reason !== e.reason)) note('badWrongReason', r, `expected ${e.reason}, got ${[...d, ...q].map((x) => x.reason).join()}`);
      if (q.length !== 1) note('badNotOnceInDlq', r, `${q.length} DLQ messages`);
      if (data.length) note('badInBronzeData', r, `${data.length} data rows`);
    } else {
      f.arbitrary++;
      const once = (d.length === 1 && q.length === 1 && data.length === 0) || (d.length === 0 && q.length === 0 && data.length > 0);
      if (!once) note('arbitraryNotInOnePlace', r, `${data.length} rows, ${d.length} dead letters, ${q.length} DLQ messages`);
    }
  }
  for (const x of [...bronze.dead, ...dlq.map((m) => ({ reason: m.reason }))]) if (x.reason === 'rejected_by_lake' || x.reason === 'rejected_by_store') f.sinkRefusals++;
  const known = new Set(placed.map((r) => k(r.topic, r.partition, r.offset)));
  for (const key of [...tweets.keys(), ...ticks.keys(), ...dead.keys(), ...dlqBy.keys()]) if (!known.has(key)) f.rowsFromNoRecord++;
  return f;
}

/** The figures as a small table. */
export function figuresTable(f: Figures, extra: [string, string | number][] = []): string {
  const rows: [string, string | number][] = [
    ['records produced', f.produced], ['  good (valid)', f.good], ['  bad (one named defect)', f.bad], ['  arbitrary JSON or text', f.arbitrary],
    ['bronze tweets_v2 rows', f.bronzeTweetRows], ['bronze stock_prices rows', f.bronzeTickRows], ['bronze dead_letters rows', f.bronzeDeadLetters], ['DLQ topic messages', f.dlqMessages],
    ...extra,
    ...VIOLATIONS.map((v): [string, number] => [`violations: ${v}`, f[v] as number]),
  ];
  const w = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${String(b).padStart(10)}`).join('\n');
}

/**
 * Settings of a fuzz run's pipeline: the stack's Kafka (own topic prefix and consumer group), a
 * local lake under `dataDir` (own bucket prefix), and the stack's Cassandra (own keyspace) or
 * the embedded LMDB store. Checkpoints every second, so files commit often.
 */
export function fuzzRunEnv(o: { brokers: string; cassandra?: { contactPoints: string; localDc: string }; id: string; dataDir: string; partitions: number }): Record<string, string> {
  return {
    KAFKA_BROKERS: o.brokers,
    KAFKA_TOPIC_PREFIX: `fz${o.id}-`,
    KAFKA_GROUP_ID: `fz-${o.id}`,
    KAFKA_PARTITIONS: String(o.partitions),
    LAKE_BUCKET_PREFIX: `fz${o.id}-`,
    DATA_DIR: o.dataDir,
    // Empty settings win over whatever the environment points at: the lake is local.
    S3_ENDPOINT: '',
    CASSANDRA_CONTACT_POINTS: o.cassandra?.contactPoints ?? '',
    ...(o.cassandra ? { CASSANDRA_LOCAL_DC: o.cassandra.localDc, CASSANDRA_KEYSPACE: `fz_${o.id}` } : {}),
    CHECKPOINT_INTERVAL: '1',
    SERVE: 'off',
    LOG_LEVEL: 'warn',
  };
}
