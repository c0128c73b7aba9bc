// The speed layer as data. Read it top to bottom like the diagram in DESIGN.md §1:
//
//   source (per input partition) ─► parse ─tweets─► sentiment (Piscina) ─► bronze, store
//                                        ─prices─────────────────────────► bronze, store
//                                        ─dead───────────────────────────► bronze (dead_letters)
//   a row a sink refuses anyway: store ─dead─► bronze; bronze, store ─dead─► DLQ topics (Kafka)
//   late records (decided by parse, per input partition) ──────────────► late events
//   scored tweets + prices, keyed by symbol ─► windows ─► gold windows, alerts
//                                           └► join    ─► silver tweet_prices
//
// Stateless stages are keyed by input partition (forward edges): partition p's records stay on
// one path, in order, and reach the sinks that name their files after p. Stateful stages
// (windows, join) are keyed by symbol, so a symbol's state lives in one place; each feeds its
// own lake sinks (forward), which name files after the producer's sequence numbers.
//
// Getting a symbol's records to its windows and join ("the shuffle"):
// - local (the embedded profile, or ANALYTICS_SHUFFLE=local): hash edges between this process's
//   threads; the join takes its own partition's tweets and every tick (broadcast);
// - kafka (ANALYTICS_SHUFFLE=kafka): shuffle-sink/p writes partition p's rows to the repartition
//   topic keyed by symbol, shuffle-source/q reads partition q of it into windows/q and join/q.
//   Then every stage instance `*/p` depends on partition p of the topics alone: a task, which
//   any replica of the consumer group can own, checkpoint and hand over (DESIGN.md §5).

import { join, resolve } from 'node:path';
import client from 'prom-client';
import type { BronzeSinkOptions } from '../actors/bronze-sink/protocol.js';
import type { FileSourceOptions } from '../actors/file-source/protocol.js';
import type { GeneratorSourceOptions } from '../actors/generator-source/protocol.js';
import { FileInputError, inspectFile, type ResolvedFile } from '../io/files/record-file.js';
import type { ParseOptions } from '../actors/parse/protocol.js';
import type { SentimentOptions } from '../actors/sentiment/protocol.js';
import type { StoreSinkOptions } from '../actors/store-sink/protocol.js';
import type { Config } from '../config.js';
import { LocalCheckpointStore } from '../io/checkpoints/local-checkpoints.js';
import { lakeOutageLog, openLake, reportOutage } from '../io/lake/open.js';
import { connectS3, provisionBuckets, STACK_BUCKETS } from '../io/lake/s3-lake.js';
import { LakeCheckpointStore } from '../io/checkpoints/lake-checkpoints.js';
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
import { sharedHub, type ConsumerHub } from '../io/kafka/consumer-hub.js';
import { awaitAllTasks, awaitFirstAssignment, partitionWaitMs, type GroupWaitOptions } from '../io/kafka/group-wait.js';
import { SHUFFLE_TOPIC } from '../io/kafka/client.js';
import { PRICES_TOPIC, TWEETS_TOPIC } from '../domain/records.js';
import type { ShuffleSinkOptions } from '../actors/shuffle-sink/protocol.js';
import type { ShuffleSourceOptions, ShuffleSourceState } from '../actors/shuffle-source/protocol.js';
import type { KafkaSourceState } from '../actors/kafka-source/protocol.js';
import { TaskCheckpointStore, type CheckpointHistory, type TaskOffsets } from '../io/checkpoints/task-checkpoints.js';
import { decodeSnapshot } from '../runtime/codec.js';
import { Compactor } from './compaction.js';
import { hubSettings, lakeSettings, PIPELINE, pricesFileSpec, storeSettings, tweetsFileSpec } from './settings.js';

// Config -> each adapter's settings lives in settings.ts; re-exported for the CLI and the tests.
export { hubSettings, lakeSettings, PIPELINE, pricesFileSpec, storeSettings, tweetsFileSpec } from './settings.js';
const actor = (name: string) => new URL(`../actors/${name}/actor.js`, import.meta.url).href;

/**
 * Where the speed layer reads from: the embedded generator, Kafka with P partitions, or files
 * replayed as partition 0 of both topics (`--file`, `--prices-file`; resolved by `fileInput`).
 */
export type Input =
  | { kind: 'generator' }
  | { kind: 'kafka'; partitions: number; endOffsets?: KafkaSourceOptions['endOffsets'] }
  | { kind: 'file'; tweets: ResolvedFile | null; prices: ResolvedFile | null };

/** The files of `--file` / `--prices-file`, checked and their columns mapped, or null for none. */
export async function fileInput(cfg: Config): Promise<Extract<Input, { kind: 'file' }> | null> {
  if (cfg.file === '' && cfg.pricesFile === '') return null;
  const tweets = cfg.file === '' ? null : await inspectFile(tweetsFileSpec(cfg, cfg.file));
  const prices = cfg.pricesFile === '' ? null : await inspectFile(pricesFileSpec(cfg, cfg.pricesFile, 'PRICES_FILE (--prices-file)'));
  return { kind: 'file', tweets, prices };
}

/** Windows and join read the repartition topic (Kafka input, analytics on, ANALYTICS_SHUFFLE=kafka). */
export const shufflesThroughKafka = (cfg: Config, input: Input): boolean => input.kind === 'kafka' && cfg.analytics && cfg.analyticsShuffle === 'kafka';

export function speedTopology(cfg: Config, epochMs: number, input: Input = { kind: 'generator' }): TopologySpec {
  // A file is one partition of each topic: record ids `t0-<i>`, `p0-<i>` with i its index in the file.
  const P = input.kind === 'kafka' ? input.partitions : input.kind === 'file' ? 1 : cfg.partitions;
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
  const kafkaShuffle = shufflesThroughKafka(cfg, input);
  // Slim scores for the windows, unless the windows read the repartition topic.
  const sentiment: SentimentOptions = { pipeline: PIPELINE, minBatch: 64, maxBatch: 512, lingerMs: cfg.lingerMs, maxInFlight: 2, analytics: cfg.analytics && !kafkaShuffle };
  const bronze: BronzeSinkOptions = { pipeline: PIPELINE, lake: lakeSettings(cfg), maxRowsPerFile: cfg.fileMaxRows, maxFileAgeMs: cfg.fileMaxAge * 1000 };
  const store: StoreSinkOptions = { pipeline: PIPELINE, store: storeSettings(cfg), // Cassandra is the store of record (bounded by CASSANDRA_TTL); retention bounds the embedded store.
    retentionMs: cfg.cassandraContactPoints.length > 0 ? 0 : cfg.storeRetention * 60_000, maxRowsPerSymbol: cfg.storeMaxRows, retryBudgetMs: cfg.sinkRetryBudget * 1000 };

  const hub = hubSettings(cfg, kafkaShuffle);
  const kafkaSource: KafkaSourceOptions = { pipeline: PIPELINE, hub, batchSize: cfg.batchSize, idleTimeoutMs: cfg.idleTimeout * 1000, endOffsets: input.kind === 'kafka' ? (input.endOffsets ?? null) : null };
  const dlq: DlqSinkOptions = { pipeline: PIPELINE, brokers: cfg.kafkaBrokers, topicPrefix: cfg.kafkaTopicPrefix };
  const fileSource: FileSourceOptions | null = input.kind === 'file' ? { pipeline: PIPELINE, tweets: input.tweets, prices: input.prices, rate: cfg.rate, batchSize: cfg.batchSize, lingerMs: cfg.lingerMs } : null;
  const sourceStage: StageSpec =
    input.kind === 'kafka'
      ? { name: 'source', module: actor('kafka-source'), parallelism: P, source: true, placement: 'main', options: kafkaSource }
      : fileSource
        ? { name: 'source', module: actor('file-source'), parallelism: 1, source: true, options: fileSource }
        : { name: 'source', module: actor('generator-source'), parallelism: P, source: true, options: source };
  // Stack profile: dead letters also go to the `<topic>.dlq` topics.
  const dlqStages: StageSpec[] = input.kind === 'kafka' ? [{ name: 'dlq-sink', module: actor('dlq-sink'), parallelism: P, placement: 'main', options: dlq }] : [];
  const dlqEdges: EdgeSpec[] =
    input.kind === 'kafka'
      ? [
          { from: 'parse', output: 'dead', to: 'dlq-sink', route: { kind: 'forward' } },
          { from: 'bronze-sink', output: 'dead', to: 'dlq-sink', route: { kind: 'forward' } },
          { from: 'store-sink', output: 'dead', to: 'dlq-sink', route: { kind: 'forward' } },
        ]
      : [];
  // ... and alerts to the `alerts` topic.
  const alertsToKafka = input.kind === 'kafka' && cfg.analytics;
  const alertStages: StageSpec[] = alertsToKafka ? [{ name: 'alert-sink', module: actor('alert-sink'), parallelism: P, placement: 'main', options: { pipeline: PIPELINE, brokers: cfg.kafkaBrokers, topicPrefix: cfg.kafkaTopicPrefix } }] : [];
  const alertEdges: EdgeSpec[] = alertsToKafka ? [{ from: 'windows', output: 'alerts', to: 'alert-sink', route: { kind: 'forward' } }] : [];

  const lake = bronze.lake;
  const fileRoll = { maxRowsPerFile: cfg.fileMaxRows, maxFileAgeMs: cfg.fileMaxAge * 1000 };
  const lakeSink = (table: LakeSinkOptions['table'], tag: string): LakeSinkOptions => ({ pipeline: PIPELINE, lake, table, tag, ...fileRoll });
  const windows: WindowsOptions = { pipeline: PIPELINE, window: DEFAULT_WINDOW, alerts: { sentimentBelow: cfg.alertSentimentBelow, priceDrop: cfg.alertPriceDrop } };
  // Through Kafka, the join's pending tweets are in its snapshot (they are not in partition q's bronze).
  const joinOpts: JoinOptions = { pipeline: PIPELINE, lookbackMs: cfg.joinLookback * 3_600_000, lake: kafkaShuffle ? undefined : lake };
  const shuffleSink: ShuffleSinkOptions = { pipeline: PIPELINE, brokers: cfg.kafkaBrokers, topicPrefix: cfg.kafkaTopicPrefix, partitions: P };
  const shuffleSource: ShuffleSourceOptions = { pipeline: PIPELINE, hub, batchMessages: 64, partitions: P };
  const shuffleStages: StageSpec[] = kafkaShuffle
    ? [
        { name: 'shuffle-sink', module: actor('shuffle-sink'), parallelism: P, placement: 'main', options: shuffleSink },
        { name: 'shuffle-source', module: actor('shuffle-source'), parallelism: P, source: true, placement: 'main', options: shuffleSource },
      ]
    : [];
  const shuffleEdges: EdgeSpec[] = kafkaShuffle
    ? [
        { from: 'sentiment', to: 'shuffle-sink', route: { kind: 'forward' } },
        { from: 'parse', output: 'prices', to: 'shuffle-sink', route: { kind: 'forward' } },
        { from: 'shuffle-source', to: 'windows', route: { kind: 'forward' } },
        { from: 'shuffle-source', to: 'join', route: { kind: 'forward' } },
      ]
    : [
        { from: 'sentiment', output: 'scores', to: 'windows', route: { kind: 'hash' } },
        { from: 'parse', output: 'prices', to: 'windows', route: { kind: 'hash' } },
        // The join is per tweet: join p joins input partition p's tweets (the batches already
        // packed for the bronze and store sinks, and what its restore reads back from bronze)
        // against every tick (prices are broadcast).
        { from: 'sentiment', to: 'join', route: { kind: 'forward' } },
        { from: 'parse', output: 'prices', to: 'join', route: { kind: 'broadcast' } },
      ];
  const analyticsStages: StageSpec[] = cfg.analytics
    ? [
        ...shuffleStages,
        { name: 'windows', module: actor('windows'), parallelism: P, options: windows },
        { name: 'join', module: actor('join'), parallelism: P, options: joinOpts },
        { name: 'windows-sink', module: actor('lake-sink'), parallelism: P, options: lakeSink('windows', '') },
        { name: 'alerts-sink', module: actor('lake-sink'), parallelism: P, options: lakeSink('alerts', '') },
        { name: 'joined-sink', module: actor('lake-sink'), parallelism: P, options: lakeSink('joined', '') },
        { name: 'late-parse-sink', module: actor('lake-sink'), parallelism: P, options: lakeSink('late', 'parse') },
        { name: 'late-windows-sink', module: actor('lake-sink'), parallelism: P, options: lakeSink('late', 'windows') },
        { name: 'late-join-sink', module: actor('lake-sink'), parallelism: P, options: lakeSink('late', 'join') },
      ]
    : [];
  const analyticsEdges: EdgeSpec[] = cfg.analytics
    ? [
        ...shuffleEdges,
        { from: 'windows', to: 'windows-sink', route: { kind: 'forward' } },
        { from: 'windows', to: 'store-sink', route: { kind: 'hash' } },
        { from: 'windows', output: 'alerts', to: 'store-sink', route: { kind: 'hash' } },
        { from: 'windows', output: 'alerts', to: 'alerts-sink', route: { kind: 'forward' } },
        { from: 'parse', output: 'late', to: 'late-parse-sink', route: { kind: 'forward' } },
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
      // Parse decides lateness and keeps what it needs for that: a failure restores it from the
      // checkpoint with everything else (an in-place restart would forget what it decided since).
      { name: 'parse', module: actor('parse'), parallelism: P, options: parse },
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
      // A row the serving store refuses (validation let it through) is a dead letter too.
      { from: 'store-sink', output: 'dead', to: 'bronze-sink', route: { kind: 'forward' } },
      { from: 'sentiment', to: 'bronze-sink', route: { kind: 'forward' } },
      { from: 'sentiment', to: 'store-sink', route: { kind: 'forward' } },
      ...dlqEdges,
      ...analyticsEdges,
      ...alertEdges,
    ],
  };
}

/** What a file replay's checkpoints belong to: its files' absolute paths. */
function inputIdentity(files: Extract<Input, { kind: 'file' }>): string {
  return [files.tweets && `tweets file ${resolve(files.tweets.path)}`, files.prices && `prices file ${resolve(files.prices.path)}`].filter(Boolean).join(' and ');
}

export interface SpeedRun {
  supervisor: Supervisor;
  metricsUrl: string | null;
  /** Stop the sources, drain, commit, and shut down. */
  stop(): Promise<void>;
  /** Settles when the run ends (bounded sources exhausted, stop() done) or fails. */
  done: Promise<void>;
  /** The background lake compaction (its `pass()` runs one now). */
  compactor: Compactor;
}

/** The source offsets in task p's snapshots: its Kafka source's and its repartition reader's. */
function taskOffsets(snapshots: Record<string, Uint8Array>, p: number): TaskOffsets {
  const out: TaskOffsets = {};
  const source = snapshots[`source/${p}`];
  if (source) {
    const s = decodeSnapshot(source) as KafkaSourceState;
    if (s.tweets !== null) out[TWEETS_TOPIC] = s.tweets;
    if (s.prices !== null) out[PRICES_TOPIC] = s.prices;
  }
  const shuffle = snapshots[`shuffle-source/${p}`];
  if (shuffle) {
    const s = decodeSnapshot(shuffle) as ShuffleSourceState;
    if (s.next !== null) out[SHUFFLE_TOPIC] = s.next;
  }
  return out;
}

export async function startSpeedLayer(cfg: Config, log: Logger, clock: Clock = systemClock): Promise<SpeedRun> {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  // prom-client names these gauges *_total, which Prometheus reserves for counters
  // (promtool check metrics rejects them); the unsuffixed gauges carry the same values.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const metrics = createMetrics(registry);
  // The supervisor's lake (checkpoints): an outage is logged like the sinks'.
  const lake = openLake(lakeSettings(cfg), reportOutage(() => outage));
  const outage = lakeOutageLog(lakeSettings(cfg), log, clock);
  if (cfg.s3Endpoint) {
    const buckets = STACK_BUCKETS.map((b) => cfg.lakeBucketPrefix + b);
    await provisionBuckets(connectS3({ endpoint: cfg.s3Endpoint, accessKey: cfg.s3AccessKey, secretKey: cfg.s3SecretKey, region: cfg.s3Region }), buckets);
  }
  // Checkpoints live with the lake: DATA_DIR/checkpoints, or the object store's `checkpoints` bucket.
  const store: CheckpointHistory = cfg.s3Endpoint ? new LakeCheckpointStore(lake) : new LocalCheckpointStore(join(cfg.dataDir, 'checkpoints'));
  let checkpoints: CheckpointStore = store;
  const files = await fileInput(cfg);
  let input: Input = files ?? { kind: 'generator' };
  let hub: ConsumerHub | null = null;
  let tasksMode = false;
  let groupWait: GroupWaitOptions | null = null;
  if (files) {
    if (cfg.kafkaBrokers.length > 0) log.warn('replaying files: Kafka input is not read (KAFKA_BROKERS is set)', { file: cfg.file, pricesFile: cfg.pricesFile });
    // A replay resumes from the checkpoints of the same files only: offsets are record indexes.
    const previous = await checkpoints.latest(PIPELINE);
    const before = previous ? ((previous.meta?.input as string | undefined) ?? 'the generator or Kafka') : null;
    if (before !== null && before !== inputIdentity(files)) {
      throw new FileInputError(`DATA_DIR (--data-dir) = ${JSON.stringify(cfg.dataDir)} holds the checkpoints of another input (${before}): expected the data directory of an earlier replay of ${inputIdentity(files)}, or a new one`);
    }
    log.info('replaying files', { tweets: files.tweets && { path: files.tweets.path, shape: files.tweets.shape, format: files.tweets.format }, prices: files.prices && { path: files.prices.path, shape: files.prices.shape, format: files.prices.format, symbol: files.prices.mapping?.symbol ?? undefined } });
  } else if (cfg.kafkaBrokers.length > 0) {
    const names = topicNames(cfg.kafkaTopicPrefix);
    const counts = await provisionTopics(createKafka({ brokers: cfg.kafkaBrokers, clientId: 'cashtag-admin' }, log), cfg.kafkaBrokers, { partitions: cfg.kafkaPartitions, replicationFactor: cfg.kafkaReplicationFactor, retentionMs: cfg.kafkaRetentionHours * 3_600_000 }, log, names);
    input = { kind: 'kafka', partitions: counts.get(names.tweets) ?? cfg.kafkaPartitions };
    // Join the consumer group before the first launch, so it restores the tasks it was given.
    const settings = hubSettings(cfg, shufflesThroughKafka(cfg, input));
    hub = sharedHub(settings, log, clock, metrics);
    // Tasks share no state unless windows and join are fed between this process's threads.
    tasksMode = !cfg.analytics || shufflesThroughKafka(cfg, input);
    groupWait = { groupId: cfg.kafkaGroupId, partitions: input.partitions, sessionTimeoutMs: cfg.kafkaSessionTimeout * 1000, log, setTimer: (ms, fn) => clock.setTimer(ms, fn) };
    try {
      const h = hub;
      await awaitFirstAssignment(h, () => h.start(), groupWait);
      // Without tasks this process needs every partition: after a kill -9 the dead member holds
      // some until its session times out; wait for them (bounded) instead of exiting.
      if (!tasksMode) await awaitAllTasks(hub, { ...groupWait, waitMs: partitionWaitMs(groupWait.sessionTimeoutMs) });
      if (cfg.untilDrained) {
        // The end of the backlog is where the partitions end now: what arrives while it drains is
        // left for the next run.
        const ends = await hub.endOffsets([TWEETS_TOPIC, PRICES_TOPIC]);
        const endOffsets = { tweets: ends.get(TWEETS_TOPIC) ?? [], prices: ends.get(PRICES_TOPIC) ?? [] };
        input = { ...input, endOffsets };
        log.info('reading until the end offsets seen at start-up', endOffsets);
      }
    } catch (e) {
      await closeSharedHubs().catch(() => undefined);
      throw e;
    }
    if (tasksMode) {
      const h = hub;
      checkpoints = new TaskCheckpointStore(store, input.partitions, { owned: () => h.ownedTasks() ?? [], committed: (t) => h.committed(t) }, taskOffsets, log);
    }
  }
  // The generator's event-time origin is part of its identity: keep the first run's.
  const previous = input.kind === 'generator' ? await checkpoints.latest(PIPELINE) : null;
  const epochMs = cfg.epoch ?? (previous?.meta?.epoch as number | undefined) ?? Math.floor(clock.now() / 1000) * 1000;
  const topology = speedTopology(cfg, epochMs, input);
  /** The tasks the current launch runs (read from the group when it restores its checkpoints). */
  let launched: number[] = [];
  const supervisor = new Supervisor({
    topology,
    workers: cfg.actorThreads,
    clock,
    metrics,
    log,
    checkpoints: {
      latest: (p) => {
        launched = [...(hub?.ownedTasks() ?? [])];
        return checkpoints.latest(p);
      },
      save: (cp) => checkpoints.save({ ...cp, meta: { ...cp.meta, epoch: epochMs, ...(files ? { input: inputIdentity(files) } : {}) } }),
      nextId: checkpoints.nextId ? (p) => checkpoints.nextId!(p) : undefined,
    },
    checkpointIntervalMs: cfg.checkpointInterval * 1000,
    settings: { watermarkIntervalMs: cfg.watermarkInterval, workerNice: cfg.workerNice },
    youngGenerationMb: cfg.workerYoungGenerationMb ?? (cfg.analytics ? 192 : 0),
    // Scratch files of a crashed run are never committed: start each launch without them.
    beforeLaunch: () => lake.cleanScratch(),
    // Tasks mode: run only the tasks the consumer group gave this process (read at each launch,
    // with the checkpoints restored for them).
    tasks: tasksMode && hub ? () => launched : undefined,
  });
  // A rebalance that moves tasks to or from this process: relaunch and restore the tasks now
  // owned (tasks mode). Without tasks (windows fed between threads need every one), partitions a
  // newcomer took are waited for, longer than the newcomer waits, so it gives up first; when they
  // are back the pipeline restarts from its last checkpoint, else it stops with the reason.
  let started = false;
  let regaining = false;
  const regainTasks = () => {
    if (regaining || !hub || !groupWait) return;
    regaining = true;
    awaitAllTasks(hub, { ...groupWait, waitMs: 2 * partitionWaitMs(groupWait.sessionTimeoutMs) })
      .then(
        () => supervisor.relaunch('the consumer group gave this process every partition again'),
        (e: unknown) => supervisor.abort('consumer-group', e instanceof Error ? e.message : String(e)),
      )
      .finally(() => (regaining = false));
  };
  const onTasks = (tasks: readonly number[]) => {
    metrics.ownedTasks.set({ pipeline: PIPELINE }, tasks.length);
    if (input.kind !== 'kafka' || !started) return;
    if (!tasksMode && tasks.length < input.partitions) regainTasks();
    else if (tasksMode && tasks.join() !== launched.join()) supervisor.relaunch(`owned tasks changed from [${launched.join()}] to [${tasks.join()}]`);
  };
  hub?.onTasksChanged(onTasks);
  if (hub) metrics.ownedTasks.set({ pipeline: PIPELINE }, (hub.ownedTasks() ?? []).length);
  try {
    await supervisor.start();
    started = true;
    if (hub) onTasks(hub.ownedTasks() ?? []); // a rebalance during the first launch
  } catch (e) {
    // A server missing at start: release the threads, pool and clients already started, so the
    // error reaches the user and the process can exit.
    await supervisor.shutdown().catch(() => undefined);
    await closeSharedHubs().catch(() => undefined);
    await closeSharedProducers().catch(() => undefined);
    throw e;
  }
  // Small lake files the last checkpoint covers are merged in the background (compaction.ts). With
  // task checkpoints another replica may own (and compact) a task at any time: off there.
  const compactor = new Compactor({
    pipeline: PIPELINE,
    lake: lakeSettings(cfg),
    policy: { targetBytes: cfg.compactTargetMb * 1024 * 1024, minFiles: cfg.compactMinFiles },
    intervalMs: tasksMode ? 0 : cfg.compactInterval * 1000,
    topology,
    checkpoint: () => store.latest(PIPELINE),
    metrics,
    log,
    clock,
    nice: Math.max(cfg.workerNice, 10),
  });
  if (tasksMode && cfg.compactInterval > 0) log.warn('lake compaction is off with task checkpoints (replicas hand tasks over at any time)', { compactInterval: cfg.compactInterval });
  compactor.start();
  const server = cfg.metricsPort > 0 ? await startMetricsServer(cfg.metricsPort, () => supervisor.metricsText(), registry.contentType, cfg.metricsHost) : null;
  let stopping: Promise<void> | null = null;
  // Kafka clients outlive the sources: the final checkpoint's offsets are committed after the
  // sources closed, so they disconnect only once the supervisor is done.
  const closeClients = async () => {
    server?.close();
    await compactor.stop();
    await closeSharedHubs();
    await closeSharedProducers();
  };
  const stop = () => (stopping ??= supervisor.drain(60_000).finally(closeClients));
  const done = supervisor.done.then(
    async () => {
      // The merge in progress finishes first, so the final metrics count it.
      await compactor.stop();
      await supervisor.shutdown();
      await closeClients();
    },
    async (e: unknown) => {
      await closeClients();
      throw e;
    },
  );
  return { supervisor, metricsUrl: server?.url ?? null, stop, done, compactor };
}
