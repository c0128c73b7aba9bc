// The speed layer as data. Read it top to bottom like the diagram in DESIGN.md §1:
//
//   source (per input partition) ─► parse ─tweets─► sentiment (Piscina) ─► bronze, store
//                                        ─prices─────────────────────────► bronze, store
//                                        ─dead───────────────────────────► bronze (dead_letters)
//   scored tweets + prices, keyed by symbol ─► windows ─► gold windows, alerts, late events
//                                           └► join    ─► silver tweet_prices, late events
//
// Stateless stages are keyed by input partition (forward edges): partition p's records stay on
// one path, in order, and reach the sinks that name their files after p. Stateful stages
// (windows, join) are keyed by symbol (hash edges), so a symbol's state lives in one place; each
// feeds its own lake sinks (forward), which name files after the producer's sequence numbers.

import { join } from 'node:path';
import client from 'prom-client';
import type { BronzeSinkOptions } from '../actors/bronze-sink/protocol.js';
import type { GeneratorSourceOptions } from '../actors/generator-source/protocol.js';
import type { ParseOptions } from '../actors/parse/protocol.js';
import type { SentimentOptions } from '../actors/sentiment/protocol.js';
import type { StoreSinkOptions } from '../actors/store-sink/protocol.js';
import type { Config } from '../config.js';
import { LocalCheckpointStore } from '../io/checkpoints/local-checkpoints.js';
import { openLake, type LakeSettings } from '../io/lake/open.js';
import { connectS3, provisionBuckets, STACK_BUCKETS } from '../io/lake/s3-lake.js';
import { LakeCheckpointStore } from '../io/checkpoints/lake-checkpoints.js';
import type { StoreSettings } from '../io/store/open.js';
import type { CheckpointStore } from '../runtime/checkpoints.js';
import { startMetricsServer } from '../io/http/metrics-server.js';
import type { Logger } from '../runtime/actor.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { createMetrics } from '../runtime/metrics.js';
import { Supervisor } from '../runtime/supervisor.js';
import type { EdgeSpec, StageSpec, TopologySpec } from '../runtime/topology.js';
import type { KafkaSourceOptions } from '../actors/kafka-source/protocol.js';
import type { DlqSinkOptions } from '../actors/dlq-sink/protocol.js';
import type { LakeSinkOptions } from '../actors/lake-sink/protocol.js';
import type { WindowsOptions } from '../actors/windows/protocol.js';
import type { JoinOptions } from '../actors/join/protocol.js';
import { DEFAULT_WINDOW } from '../domain/windows.js';
import { createKafka, topicNames } from '../io/kafka/client.js';
import { closeSharedHubs } from '../io/kafka/consumer-hub.js';
import { closeSharedProducers } from '../io/kafka/producer.js';
import { provisionTopics } from '../io/kafka/provision.js';

export const PIPELINE = 'speed';
const actor = (name: string) => new URL(`../actors/${name}/actor.js`, import.meta.url).href;

/** The lake of the profile: S3 when S3_ENDPOINT is set, else DATA_DIR/lake. */
export function lakeSettings(cfg: Config): LakeSettings {
  const bucketPrefix = cfg.lakeBucketPrefix || undefined;
  return cfg.s3Endpoint
    ? { kind: 's3', endpoint: cfg.s3Endpoint, accessKey: cfg.s3AccessKey, secretKey: cfg.s3SecretKey, region: cfg.s3Region, scratchDir: join(cfg.dataDir, 'scratch'), bucketPrefix }
    : { kind: 'local', root: join(cfg.dataDir, 'lake'), bucketPrefix };
}

/** The serving store of the profile: Cassandra when CASSANDRA_CONTACT_POINTS is set, else LMDB. */
export function storeSettings(cfg: Config): StoreSettings {
  return cfg.cassandraContactPoints.length > 0
    ? { kind: 'cassandra', contactPoints: cfg.cassandraContactPoints, localDc: cfg.cassandraLocalDc, keyspace: cfg.cassandraKeyspace, ttlSeconds: cfg.cassandraTtl * 3600 }
    : { kind: 'lmdb', path: join(cfg.dataDir, 'serving-store') };
}

/** Where the speed layer reads from: the embedded generator, or Kafka with P partitions. */
export type Input = { kind: 'generator' } | { kind: 'kafka'; partitions: number };

export function speedTopology(cfg: Config, epochMs: number, input: Input = { kind: 'generator' }): TopologySpec {
  const P = input.kind === 'kafka' ? input.partitions : cfg.partitions;
  // Event time advances at the offered rate, so a live run's event time follows the wall clock.
  const eventRate = cfg.eventRate > 0 ? cfg.eventRate : cfg.rate > 0 ? cfg.rate : 1000;
  const source: GeneratorSourceOptions = {
    pipeline: PIPELINE,
    generator: {
      seed: cfg.seed,
      symbols: cfg.symbols,
      partitions: P,
      epochMs,
      tweetSpacingMs: (1000 * P) / eventRate,
      priceSpacingMs: cfg.pricesPerTweet > 0 ? (1000 * P) / (eventRate * cfg.pricesPerTweet) : 1000,
      outOfOrder: cfg.outOfOrder,
      late: cfg.late,
      malformed: cfg.malformed,
      allowedLatenessMs: cfg.allowedLateness * 1000,
    },
    tweetRate: cfg.rate / P,
    pricesPerTweet: cfg.pricesPerTweet,
    limit: cfg.events < 0 ? -1 : Math.ceil(cfg.events / P),
    batchSize: cfg.batchSize,
    lingerMs: cfg.lingerMs,
  };
  const parse: ParseOptions = { pipeline: PIPELINE, allowedLatenessMs: cfg.allowedLateness * 1000 };
  const sentiment: SentimentOptions = { pipeline: PIPELINE, minBatch: 64, maxBatch: 512, lingerMs: cfg.lingerMs, maxInFlight: 2, analytics: cfg.analytics };
  const bronze: BronzeSinkOptions = { pipeline: PIPELINE, lake: lakeSettings(cfg), maxRowsPerFile: cfg.fileMaxRows, maxFileAgeMs: cfg.fileMaxAge * 1000 };
  const store: StoreSinkOptions = { pipeline: PIPELINE, store: storeSettings(cfg), // Cassandra is the store of record (bounded by CASSANDRA_TTL); retention bounds the embedded store.
    retentionMs: cfg.cassandraContactPoints.length > 0 ? 0 : cfg.storeRetention * 60_000, maxRowsPerSymbol: cfg.storeMaxRows, retryBudgetMs: cfg.sinkRetryBudget * 1000 };

  const kafkaSource: KafkaSourceOptions = { pipeline: PIPELINE, brokers: cfg.kafkaBrokers, groupId: cfg.kafkaGroupId, topicPrefix: cfg.kafkaTopicPrefix, batchSize: cfg.batchSize, highWater: cfg.batchSize * 8, lowWater: cfg.batchSize * 2 };
  const dlq: DlqSinkOptions = { pipeline: PIPELINE, brokers: cfg.kafkaBrokers, topicPrefix: cfg.kafkaTopicPrefix };
  const sourceStage: StageSpec =
    input.kind === 'kafka'
      ? { name: 'source', module: actor('kafka-source'), parallelism: P, source: true, placement: 'main', options: kafkaSource }
      : { name: 'source', module: actor('generator-source'), parallelism: P, source: true, options: source };
  // Stack profile: dead letters also go to the `<topic>.dlq` topics.
  const dlqStages: StageSpec[] = input.kind === 'kafka' ? [{ name: 'dlq-sink', module: actor('dlq-sink'), parallelism: P, placement: 'main', options: dlq }] : [];
  const dlqEdges: EdgeSpec[] = input.kind === 'kafka' ? [{ from: 'parse', output: 'dead', to: 'dlq-sink', route: { kind: 'forward' } }] : [];
  // ... and alerts to the `alerts` topic.
  const alertsToKafka = input.kind === 'kafka' && cfg.analytics;
  const alertStages: StageSpec[] = alertsToKafka ? [{ name: 'alert-sink', module: actor('alert-sink'), parallelism: P, placement: 'main', options: { pipeline: PIPELINE, brokers: cfg.kafkaBrokers, topicPrefix: cfg.kafkaTopicPrefix } }] : [];
  const alertEdges: EdgeSpec[] = alertsToKafka ? [{ from: 'windows', output: 'alerts', to: 'alert-sink', route: { kind: 'forward' } }] : [];

  const lake = bronze.lake;
  const fileRoll = { maxRowsPerFile: cfg.fileMaxRows, maxFileAgeMs: cfg.fileMaxAge * 1000 };
  const lakeSink = (table: LakeSinkOptions['table'], tag: string): LakeSinkOptions => ({ pipeline: PIPELINE, lake, table, tag, ...fileRoll });
  const windows: WindowsOptions = { pipeline: PIPELINE, window: DEFAULT_WINDOW, alerts: { sentimentBelow: cfg.alertSentimentBelow, priceDrop: cfg.alertPriceDrop } };
  const joinOpts: JoinOptions = { pipeline: PIPELINE, lookbackMs: cfg.joinLookback * 3_600_000, lake };
  const analyticsStages: StageSpec[] = cfg.analytics
    ? [
        { name: 'windows', module: actor('windows'), parallelism: P, options: windows },
        { name: 'join', module: actor('join'), parallelism: P, options: joinOpts },
        { name: 'windows-sink', module: actor('lake-sink'), parallelism: P, options: lakeSink('windows', '') },
        { name: 'alerts-sink', module: actor('lake-sink'), parallelism: P, options: lakeSink('alerts', '') },
        { name: 'joined-sink', module: actor('lake-sink'), parallelism: P, options: lakeSink('joined', '') },
        { name: 'late-windows-sink', module: actor('lake-sink'), parallelism: P, options: lakeSink('late', 'windows') },
        { name: 'late-join-sink', module: actor('lake-sink'), parallelism: P, options: lakeSink('late', 'join') },
      ]
    : [];
  const analyticsEdges: EdgeSpec[] = cfg.analytics
    ? [
        { from: 'sentiment', output: 'scores', to: 'windows', route: { kind: 'hash' } },
        { from: 'parse', output: 'prices', to: 'windows', route: { kind: 'hash' } },
        // The join is per tweet: join p joins input partition p's tweets (the batches already
        // packed for the bronze and store sinks, and what its restore reads back from bronze)
        // against every tick (prices are broadcast).
        { from: 'sentiment', to: 'join', route: { kind: 'forward' } },
        { from: 'parse', output: 'prices', to: 'join', route: { kind: 'broadcast' } },
        { from: 'windows', to: 'windows-sink', route: { kind: 'forward' } },
        { from: 'windows', to: 'store-sink', route: { kind: 'hash' } },
        { from: 'windows', output: 'alerts', to: 'store-sink', route: { kind: 'hash' } },
        { from: 'windows', output: 'alerts', to: 'alerts-sink', route: { kind: 'forward' } },
        { from: 'windows', output: 'late', to: 'late-windows-sink', route: { kind: 'forward' } },
        { from: 'join', to: 'joined-sink', route: { kind: 'forward' } },
        { from: 'join', output: 'late', to: 'late-join-sink', route: { kind: 'forward' } },
      ]
    : [];

  return {
    name: PIPELINE,
    pool: { filename: new URL('../actors/sentiment/score-worker.js', import.meta.url).href, threads: cfg.scoreThreads, workerData: { engine: cfg.sentimentEngine, nice: cfg.workerNice } },
    stages: [
      sourceStage,
      { name: 'parse', module: actor('parse'), parallelism: P, options: parse, restart: 'in-place' },
      { name: 'sentiment', module: actor('sentiment'), parallelism: P, placement: 'main', options: sentiment },
      { name: 'bronze-sink', module: actor('bronze-sink'), parallelism: P, options: bronze, credits: 8 },
      { name: 'store-sink', module: actor('store-sink'), parallelism: P, options: store, credits: 8 },
      ...dlqStages,
      ...analyticsStages,
      ...alertStages,
    ],
    edges: [
      { from: 'source', to: 'parse', route: { kind: 'forward' } },
      { from: 'parse', output: 'tweets', to: 'sentiment', route: { kind: 'forward' } },
      { from: 'parse', output: 'prices', to: 'bronze-sink', route: { kind: 'forward' } },
      { from: 'parse', output: 'prices', to: 'store-sink', route: { kind: 'forward' } },
      { from: 'parse', output: 'dead', to: 'bronze-sink', route: { kind: 'forward' } },
      { from: 'sentiment', to: 'bronze-sink', route: { kind: 'forward' } },
      { from: 'sentiment', to: 'store-sink', route: { kind: 'forward' } },
      ...dlqEdges,
      ...analyticsEdges,
      ...alertEdges,
    ],
  };
}

export interface SpeedRun {
  supervisor: Supervisor;
  metricsUrl: string | null;
  /** Stop the sources, drain, commit, and shut down. */
  stop(): Promise<void>;
  /** Settles when the run ends (bounded sources exhausted, stop() done) or fails. */
  done: Promise<void>;
}

export async function startSpeedLayer(cfg: Config, log: Logger, clock: Clock = systemClock): Promise<SpeedRun> {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  // prom-client names these gauges *_total, which Prometheus reserves for counters
  // (promtool check metrics rejects them); the unsuffixed gauges carry the same values.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const metrics = createMetrics(registry);
  const lake = openLake(lakeSettings(cfg));
  if (cfg.s3Endpoint) {
    const buckets = STACK_BUCKETS.map((b) => cfg.lakeBucketPrefix + b);
    await provisionBuckets(connectS3({ endpoint: cfg.s3Endpoint, accessKey: cfg.s3AccessKey, secretKey: cfg.s3SecretKey, region: cfg.s3Region }), buckets);
  }
  // Checkpoints live with the lake: DATA_DIR/checkpoints, or the object store's `checkpoints` bucket.
  const checkpoints: CheckpointStore = cfg.s3Endpoint ? new LakeCheckpointStore(lake) : new LocalCheckpointStore(join(cfg.dataDir, 'checkpoints'));
  // The generator's event-time origin is part of its identity: keep the first run's.
  const previous = await checkpoints.latest(PIPELINE);
  const epochMs = cfg.epoch ?? (previous?.meta?.epoch as number | undefined) ?? Math.floor(clock.now() / 1000) * 1000;
  let input: Input = { kind: 'generator' };
  if (cfg.kafkaBrokers.length > 0) {
    const names = topicNames(cfg.kafkaTopicPrefix);
    const counts = await provisionTopics(createKafka({ brokers: cfg.kafkaBrokers, clientId: 'cashtag-admin' }, log), cfg.kafkaBrokers, { partitions: cfg.kafkaPartitions, replicationFactor: cfg.kafkaReplicationFactor, retentionMs: cfg.kafkaRetentionHours * 3_600_000 }, log, names);
    input = { kind: 'kafka', partitions: counts.get(names.tweets) ?? cfg.kafkaPartitions };
  }
  const topology = speedTopology(cfg, epochMs, input);
  const supervisor = new Supervisor({
    topology,
    workers: cfg.actorThreads,
    clock,
    metrics,
    log,
    checkpoints: {
      latest: (p) => checkpoints.latest(p),
      save: (cp) => checkpoints.save({ ...cp, meta: { ...cp.meta, epoch: epochMs } }),
    },
    checkpointIntervalMs: cfg.checkpointInterval * 1000,
    settings: { idleTimeoutMs: cfg.idleTimeout * 1000, workerNice: cfg.workerNice },
    // Scratch files of a crashed run are never committed: start each launch without them.
    beforeLaunch: () => lake.cleanScratch(),
  });
  try {
    await supervisor.start();
  } catch (e) {
    // A server missing at start: release the threads, pool and clients already started, so the
    // error reaches the user and the process can exit.
    await supervisor.shutdown().catch(() => undefined);
    await closeSharedHubs().catch(() => undefined);
    await closeSharedProducers().catch(() => undefined);
    throw e;
  }
  const server = cfg.metricsPort > 0 ? await startMetricsServer(cfg.metricsPort, () => supervisor.metricsText(), registry.contentType) : null;
  let stopping: Promise<void> | null = null;
  // Kafka clients outlive the sources: the final checkpoint's offsets are committed after the
  // sources closed, so they disconnect only once the supervisor is done.
  const closeClients = async () => {
    server?.close();
    await closeSharedHubs();
    await closeSharedProducers();
  };
  const stop = () => (stopping ??= supervisor.drain(60_000).finally(closeClients));
  const done = supervisor.done.then(
    async () => {
      await supervisor.shutdown();
      await closeClients();
    },
    async (e: unknown) => {
      await closeClients();
      throw e;
    },
  );
  return { supervisor, metricsUrl: server?.url ?? null, stop, done };
}
