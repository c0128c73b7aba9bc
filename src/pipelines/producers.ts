// `cashtag produce tweets|prices`: feed Kafka with the seed's JSON payloads, keyed by symbol so
// tweets and prices are co-partitioned. The source is the embedded generator (deterministic from
// a seed) or a JSONL/CSV file replayed at a chosen rate, read by the same reader as
// `cashtag run --file` (io/files/record-file.ts), so both see the same records. Idempotent producer, acks from all
// in-sync replicas; clean shutdown flushes what was handed over.

import client from 'prom-client';
import { METRIC_PREFIX } from '../runtime/metrics.js';
import { readFileRecords, type ResolvedFile } from '../io/files/record-file.js';
import { Generator as RecordGenerator, type GeneratorSettings } from '../domain/generator.js';
import { TWEETS_TOPIC, type InputTopic } from '../domain/records.js';
import { createKafka, topicNames } from '../io/kafka/client.js';
import { connectProducer, sendRetries } from '../io/kafka/producer.js';
import { provisionTopics, type TopicSettings } from '../io/kafka/provision.js';
import { startMetricsServer } from '../io/http/metrics-server.js';
import type { Logger } from '../runtime/actor.js';

export interface ProduceOptions {
  topic: InputTopic;
  topicPrefix: string;
  brokers: string[];
  /** Records per second; 0 = as fast as Kafka acknowledges. */
  rate: number;
  /** Stop after this many records (-1 = when the source ends / never for the generator). */
  limit: number;
  source: { kind: 'generator'; settings: GeneratorSettings } | { kind: 'file'; file: ResolvedFile };
  batchSize: number;
  /** Topics are created (idempotently) with these settings if missing. */
  topics: TopicSettings;
  metricsPort: number;
  /** Address /metrics listens on (default 127.0.0.1). */
  metricsHost?: string;
  /** How long a send keeps retrying a broker that went away before the producer fails. */
  retryBudgetMs?: number;
  log: Logger;
  signal?: AbortSignal;
  /** Called once the producer is connected (before it, a stop has nothing to flush). */
  onConnected?: () => void;
}

export interface Message {
  key: string | null;
  value: string;
}

/** Generator records of all its partitions, interleaved: record i is (partition i mod P, n = i div P). */
export function* generated(topic: InputTopic, settings: GeneratorSettings): Generator<Message> {
  const gen = new RecordGenerator(settings);
  const P = settings.partitions;
  const partitions = Array.from({ length: P }, (_, p) => p).filter((p) => topic === TWEETS_TOPIC || gen.symbolsOf(p).length > 0);
  for (let i = 0; ; i++) {
    const p = partitions[i % partitions.length];
    const g = gen.generate(topic, p, Math.floor(i / partitions.length));
    yield { key: g.key, value: g.value };
  }
}

/** The records of a file (the shared reader of `run --file`), as Kafka messages in file order. */
export async function* fromFile(file: ResolvedFile): AsyncGenerator<Message> {
  // A row that could not be mapped goes as read: the pipeline dead-letters it (not_json) as it
  // would any malformed record, so the topic keeps one record per row, in the file's order.
  for await (const r of readFileRecords(file)) yield { key: r.key, value: r.value };
}

/** Metrics of the `cashtag produce` processes (their own registry and /metrics). */
export function createProducerMetrics(registry: client.Registry) {
  const reg = [registry];
  return {
    registry,
    produced: new client.Counter({ name: `${METRIC_PREFIX}produced_records_total`, help: 'Records acknowledged by Kafka', labelNames: ['topic'], registers: reg }),
    errors: new client.Counter({ name: `${METRIC_PREFIX}produce_errors_total`, help: 'Failed produce requests (each retried)', labelNames: ['topic'], registers: reg }),
    batchDuration: new client.Histogram({ name: `${METRIC_PREFIX}produce_batch_duration_seconds`, help: 'Send of one batch until acknowledged', labelNames: ['topic'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: reg }),
  };
}

export async function runProducer(o: ProduceOptions): Promise<{ sent: number }> {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const metrics = createProducerMetrics(registry);
  const server = o.metricsPort > 0 ? await startMetricsServer(o.metricsPort, () => registry.metrics(), registry.contentType, o.metricsHost) : null;
  const kafka = createKafka({ brokers: o.brokers, clientId: `cashtag-producer-${o.topic}` }, o.log);
  const physical = o.topicPrefix + o.topic;
  await provisionTopics(kafka, o.brokers, o.topics, o.log, topicNames(o.topicPrefix));
  // The producer's own client retries connections and sends for the budget (a broker restart);
  // provisioning above fails within seconds when Kafka is not there at all.
  const sending = o.retryBudgetMs ? createKafka({ brokers: o.brokers, clientId: `cashtag-producer-${o.topic}`, retry: sendRetries(o.retryBudgetMs) }, o.log) : kafka;
  const producer = await connectProducer(sending, o.brokers, { retryBudgetMs: o.retryBudgetMs });
  o.onConnected?.();
  const source: Iterator<Message> | AsyncIterator<Message> = o.source.kind === 'generator' ? generated(o.topic, o.source.settings) : fromFile(o.source.file);
  const labels = { topic: o.topic };
  const started = performance.now();
  let sent = 0;
  let lastLog = started;
  try {
    while (!o.signal?.aborted && (o.limit < 0 || sent < o.limit)) {
      const due = o.rate > 0 ? Math.floor(((performance.now() - started) / 1000) * o.rate) - sent : o.batchSize;
      const n = Math.min(o.batchSize, due, o.limit < 0 ? Infinity : o.limit - sent);
      if (n <= 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const batch: Message[] = [];
      for (let i = 0; i < n; i++) {
        const r = await source.next();
        if (r.done) break;
        batch.push(r.value);
      }
      if (batch.length === 0) break;
      const end = metrics.batchDuration.startTimer(labels);
      try {
        await producer.send({ topic: physical, acks: -1, messages: batch });
      } catch (e) {
        metrics.errors.inc(labels);
        throw new Error(`producing to ${physical} on ${o.brokers.join(',')} (KAFKA_BROKERS) failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      end();
      sent += batch.length;
      metrics.produced.inc(labels, batch.length);
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        o.log.info('progress', { topic: o.topic, sent, perSecond: Math.round(sent / ((lastLog - started) / 1000)) });
      }
    }
  } finally {
    await producer.disconnect();
    await server?.stop();
  }
  o.log.info('producer stopped', { topic: o.topic, sent });
  return { sent };
}
