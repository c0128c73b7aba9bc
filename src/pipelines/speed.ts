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

import client from 'prom-client';
import { join } from 'node:path';
import { alertSinkActor } from '../actors/alert-sink/protocol.js';
import { bronzeSinkActor } from '../actors/bronze-sink/protocol.js';
import { dlqSinkActor } from '../actors/dlq-sink/protocol.js';
import { fileSourceActor } from '../actors/file-source/protocol.js';
import { generatorSourceActor } from '../actors/generator-source/protocol.js';
import { joinActor } from '../actors/join/protocol.js';
import { kafkaSourceActor } from '../actors/kafka-source/protocol.js';
import { lakeSinkActor, type LakeSinkOptions } from '../actors/lake-sink/protocol.js';
import { parseActor } from '../actors/parse/protocol.js';
import { sentimentActor } from '../actors/sentiment/protocol.js';
import { shuffleSinkActor } from '../actors/shuffle-sink/protocol.js';
import { shuffleSourceActor } from '../actors/shuffle-source/protocol.js';
import { storeSinkActor } from '../actors/store-sink/protocol.js';
import { windowsActor } from '../actors/windows/protocol.js';
import type { Config } from '../config.js';
import { LocalCheckpointStore } from '../io/checkpoints/local-checkpoints.js';
import { lakeOutageLog, openLake, reportOutage } from '../io/lake/open.js';
import { connectS3, provisionBuckets, STACK_BUCKETS } from '../io/lake/s3-lake.js';
import { LakeCheckpointStore } from '../io/checkpoints/lake-checkpoints.js';
import { startMetricsServer } from '../io/http/metrics-server.js';
import type { Logger } from '../runtime/actor.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { createMetrics, type RuntimeMetrics } from '../runtime/metrics.js';
import { Resources } from '../runtime/resources.js';
import { Supervisor } from '../runtime/supervisor.js';
import { broadcast, forward, hash, stage, type AnyStage, type EdgeSpec, type StageOf, type StageSettings, type TopologySpec } from '../runtime/topology.js';
import type { CheckpointHistory } from '../io/checkpoints/task-checkpoints.js';
import { Compactor } from './compaction.js';
import { fileInput, inputIdentity } from './file-input.js';
import { followTasks, joinConsumerGroup } from './kafka-group.js';
// The domain's metric families, registered before this process's metrics are created.
import './metric-families.js';
import { inputPartitions, lakeSettings, PIPELINE, shufflesThroughKafka, speedOptions, type Input, type SpeedOptions } from './settings.js';

// Config -> each adapter's settings and each actor's options live in settings.ts; re-exported for
// the CLI and the tests.
export { hubSettings, lakeSettings, PIPELINE, pricesFileSpec, shufflesThroughKafka, storeSettings, tweetsFileSpec, type Input } from './settings.js';

/** A part of the graph: its stages and the edges into and between them. */
interface Part {
  stages: AnyStage[];
  edges: EdgeSpec[];
}

/** The settings of a stage with an instance per input partition. */
type At = <O>(name: string, options: O, more?: Partial<StageSettings<O>>) => StageSettings<O>;

/** The stages the analytics read from and write to. */
interface Upstream {
  parse: StageOf<typeof parseActor>;
  sentiment: StageOf<typeof sentimentActor>;
  store: StageOf<typeof storeSinkActor>;
}

/** The speed layer's graph; `input` picks the sources (and, for Kafka, the topics' sinks). */
export function speedTopology(cfg: Config, epochMs: number, input: Input = { kind: 'generator' }): TopologySpec {
  const P = inputPartitions(cfg, input);
  const o = speedOptions(cfg, epochMs, input);
  /** Every stage has an instance per input partition. */
  const at: At = (name, options, more = {}) => ({ name, parallelism: P, options, ...more });

  // sources -> parse -> sentiment -> sinks
  const source =
    input.kind === 'kafka'
      ? stage(kafkaSourceActor, at('source', o.kafkaSource, { source: true, placement: 'main' }))
      : o.fileSource
        ? stage(fileSourceActor, at('source', o.fileSource, { source: true }))
        : stage(generatorSourceActor, at('source', o.generator, { source: true }));
  // Parse decides lateness and keeps what it needs for that: a failure restores it from the
  // checkpoint with everything else (an in-place restart would forget what it decided since).
  const parse = stage(parseActor, at('parse', o.parse));
  // Sentiment sits on its partition's thread with parse and the sinks: only the texts cross to
  // the main thread's Piscina pool (ctx.offload), the records stay where they are.
  const sentiment = stage(sentimentActor, at('sentiment', o.sentiment));
  const bronze = stage(bronzeSinkActor, at('bronze-sink', o.bronze, { credits: 8 }));
  const store = stage(storeSinkActor, at('store-sink', o.store, { credits: 8 }));
  const main: Part = {
    stages: [source, parse, sentiment, bronze, store],
    edges: [
      forward(source, 'out', parse),
      forward(parse, 'tweets', sentiment),
      forward(parse, 'prices', bronze),
      forward(parse, 'prices', store),
      forward(parse, 'dead', bronze),
      // A row the serving store refuses (validation let it through) is a dead letter too.
      forward(store, 'dead', bronze),
      forward(sentiment, 'out', bronze),
      forward(sentiment, 'out', store),
    ],
  };
  // Stack profile: dead letters also go to the `<topic>.dlq` topics.
  const dlq = stage(dlqSinkActor, at('dlq-sink', o.topics, { placement: 'main' }));
  const deadLetterTopics: Part = { stages: [dlq], edges: [forward(parse, 'dead', dlq), forward(bronze, 'dead', dlq), forward(store, 'dead', dlq)] };
  const analytics = analyticsPart(o, at, { parse, sentiment, store }, shufflesThroughKafka(cfg, input));
  // ... and alerts to the `alerts` topic.
  const alertSink = stage(alertSinkActor, at('alert-sink', o.topics, { placement: 'main' }));
  const alertTopic: Part = { stages: [alertSink], edges: [forward(analytics.windows, 'alerts', alertSink)] };

  const kafka = input.kind === 'kafka';
  const parts = [main, ...(kafka ? [deadLetterTopics] : []), ...(cfg.analytics ? [analytics] : []), ...(kafka && cfg.analytics ? [alertTopic] : [])];
  return {
    name: PIPELINE,
    pool: { filename: new URL('../actors/sentiment/score-worker.js', import.meta.url).href, threads: cfg.scoreThreads, workerData: { engine: cfg.sentimentEngine, nice: cfg.workerNice } },
    stages: parts.flatMap((p) => p.stages.map((s) => s.spec)),
    edges: parts.flatMap((p) => p.edges),
  };
}

/**
 * Analytics: scored tweets and prices, keyed by symbol, into the windows (gold windows, alerts)
 * and the join (silver tweet_prices); late events of parse, windows and join to their tables.
 */
function analyticsPart(o: SpeedOptions, at: At, up: Upstream, kafkaShuffle: boolean): Part & { windows: StageOf<typeof windowsActor> } {
  const { parse, store } = up;
  const windows = stage(windowsActor, at('windows', o.windows));
  const join = stage(joinActor, at('join', o.join));
  const lakeSink = (name: string, table: LakeSinkOptions['table'], tag = '') => stage(lakeSinkActor, at(name, o.lakeSink(table, tag)));
  const [windowsSink, alertsSink, joinedSink] = [lakeSink('windows-sink', 'windows'), lakeSink('alerts-sink', 'alerts'), lakeSink('joined-sink', 'joined')];
  const [lateParse, lateWindows, lateJoin] = [lakeSink('late-parse-sink', 'late', 'parse'), lakeSink('late-windows-sink', 'late', 'windows'), lakeSink('late-join-sink', 'late', 'join')];
  const shuffle = kafkaShuffle ? kafkaShufflePart(o, at, up, windows, join) : localShuffle(up, windows, join);
  return {
    windows,
    stages: [...shuffle.stages, windows, join, windowsSink, alertsSink, joinedSink, lateParse, lateWindows, lateJoin],
    edges: [
      ...shuffle.edges,
      forward(windows, 'out', windowsSink),
      hash(windows, 'out', store),
      hash(windows, 'alerts', store),
      forward(windows, 'alerts', alertsSink),
      forward(parse, 'late', lateParse),
      forward(windows, 'late', lateWindows),
      forward(join, 'out', joinedSink),
      forward(join, 'late', lateJoin),
    ],
  };
}

/** The shuffle between this process's threads (one replica: the embedded profile, ANALYTICS_SHUFFLE=local). */
function localShuffle({ parse, sentiment }: Upstream, windows: StageOf<typeof windowsActor>, join: StageOf<typeof joinActor>): Part {
  return {
    stages: [],
    edges: [
      hash(sentiment, 'scores', windows),
      hash(parse, 'prices', windows),
      // The join is per tweet: join p joins input partition p's tweets (the batches already
      // packed for the bronze and store sinks, and what its restore reads back from bronze)
      // against every tick (prices are broadcast).
      forward(sentiment, 'out', join),
      broadcast(parse, 'prices', join),
    ],
  };
}

/** The shuffle through the repartition topic: shuffle-sink/p writes, shuffle-source/q reads. */
function kafkaShufflePart(o: SpeedOptions, at: At, { parse, sentiment }: Upstream, windows: StageOf<typeof windowsActor>, join: StageOf<typeof joinActor>): Part {
  const sink = stage(shuffleSinkActor, at('shuffle-sink', o.shuffleSink, { placement: 'main' }));
  const source = stage(shuffleSourceActor, at('shuffle-source', o.shuffleSource, { source: true, placement: 'main' }));
  return {
    stages: [sink, source],
    edges: [forward(sentiment, 'out', sink), forward(parse, 'prices', sink), forward(source, 'out', windows), forward(source, 'out', join)],
  };
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

/** Start the speed layer: its checkpoint store, the consumer group (Kafka input), the supervisor. */
export async function startSpeedLayer(cfg: Config, log: Logger, clock: Clock = systemClock): Promise<SpeedRun> {
  const { registry, metrics } = speedMetrics();
  const { lake, history } = await checkpointLake(cfg, log, clock);
  const files = await fileInput(cfg, history, log);
  // The main thread's Kafka clients (the group member, the sinks' producers), kept across
  // launches and closed here when the run ends.
  const resources = new Resources();
  const closeResources = () => resources.closeAll().catch((e: unknown) => log.warn('closing the Kafka clients failed', { error: e instanceof Error ? e.message : String(e) }));
  const group = !files && cfg.kafkaBrokers.length > 0 ? await joinConsumerGroup(cfg, { log, clock, metrics, resources }, history).catch(async (e: unknown) => {
    await closeResources();
    throw e;
  }) : null;
  const input: Input = files ?? group?.input ?? { kind: 'generator' };
  const checkpoints = group?.checkpoints ?? history;
  const tasksMode = group?.tasksMode ?? false;
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
        launched = [...(group?.hub.ownedTasks() ?? [])];
        return checkpoints.latest(p);
      },
      save: (cp) => checkpoints.save({ ...cp, meta: { ...cp.meta, epoch: epochMs, ...(files ? { input: inputIdentity(files) } : {}) } }),
      nextId: checkpoints.nextId ? (p) => checkpoints.nextId!(p) : undefined,
    },
    checkpointIntervalMs: cfg.checkpointInterval * 1000,
    // Alignment bounds the state of the stages that wait for the slowest watermark (windows, join):
    // without analytics none does, and holding a partition back would only slow a drain.
    settings: { watermarkIntervalMs: cfg.watermarkInterval, watermarkAlignmentMs: cfg.analytics ? cfg.watermarkAlignment * 1000 : 0, workerNice: cfg.workerNice },
    youngGenerationMb: cfg.workerYoungGenerationMb ?? (cfg.analytics ? 192 : 0),
    // Scratch files of a crashed run are never committed: start each launch without them.
    beforeLaunch: () => lake.cleanScratch(),
    // Tasks mode: run only the tasks the consumer group gave this process (read at each launch,
    // with the checkpoints restored for them).
    tasks: tasksMode ? () => launched : undefined,
    partitionWeights: group ? () => group.weights : undefined,
    resources,
  });
  const started = group ? followTasks(group, supervisor, metrics, () => launched) : () => undefined;
  try {
    await supervisor.start();
    started();
  } catch (e) {
    // A server missing at start: release the threads, pool and clients already started, so the
    // error reaches the user and the process can exit.
    await supervisor.shutdown().catch(() => undefined);
    await closeResources();
    throw e;
  }
  const compactor = startCompactor(cfg, { topology, history, tasksMode, metrics, log, clock });
  const server = cfg.metricsPort > 0 ? await startMetricsServer(cfg.metricsPort, () => supervisor.metricsText(), registry.contentType, cfg.metricsHost) : null;
  return { supervisor, metricsUrl: server?.url ?? null, compactor, ...runControl(supervisor, compactor, () => resources.closeAll(), () => server?.stop()) };
}

/** The process's metrics registry: Node's default metrics and cashtag's. */
function speedMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  // prom-client names these gauges *_total, which Prometheus reserves for counters
  // (promtool check metrics rejects them); the unsuffixed gauges carry the same values.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  return { registry, metrics: createMetrics(registry) };
}

/** The supervisor's lake and the checkpoint history in it (buckets provisioned in the stack profile). */
async function checkpointLake(cfg: Config, log: Logger, clock: Clock) {
  // The supervisor's lake (checkpoints): an outage is logged like the sinks'.
  const lake = openLake(lakeSettings(cfg), reportOutage(() => outage));
  const outage = lakeOutageLog(lakeSettings(cfg), log, clock);
  if (cfg.s3Endpoint) {
    const buckets = STACK_BUCKETS.map((b) => cfg.lakeBucketPrefix + b);
    await provisionBuckets(connectS3({ endpoint: cfg.s3Endpoint, accessKey: cfg.s3AccessKey, secretKey: cfg.s3SecretKey, region: cfg.s3Region }), buckets);
  }
  // Checkpoints live with the lake: DATA_DIR/checkpoints, or the object store's `checkpoints` bucket.
  const history: CheckpointHistory = cfg.s3Endpoint ? new LakeCheckpointStore(lake) : new LocalCheckpointStore(join(cfg.dataDir, 'checkpoints'));
  return { lake, history };
}

/** Kafka input: this process's consumer-group member, the input it reads and where its checkpoints go. */
/**
 * Small lake files the last checkpoint covers are merged in the background (compaction.ts). With
 * task checkpoints another replica may own (and compact) a task at any time: off there.
 */
function startCompactor(cfg: Config, run: { topology: TopologySpec; history: CheckpointHistory; tasksMode: boolean; metrics: RuntimeMetrics; log: Logger; clock: Clock }): Compactor {
  const { topology, history, tasksMode, metrics, log, clock } = run;
  const compactor = new Compactor({
    pipeline: PIPELINE,
    lake: lakeSettings(cfg),
    policy: { targetBytes: cfg.compactTargetMb * 1024 * 1024, minFiles: cfg.compactMinFiles },
    intervalMs: tasksMode ? 0 : cfg.compactInterval * 1000,
    topology,
    checkpoint: () => history.latest(PIPELINE),
    metrics,
    log,
    clock,
    nice: Math.max(cfg.workerNice, 10),
  });
  if (tasksMode && cfg.compactInterval > 0) log.warn('lake compaction is off with task checkpoints (replicas hand tasks over at any time)', { compactInterval: cfg.compactInterval });
  compactor.start();
  return compactor;
}

/** stop() and done of a started run. */
function runControl(supervisor: Supervisor, compactor: Compactor, closeResources: () => Promise<void>, closeServer: () => Promise<void> | undefined): Pick<SpeedRun, 'stop' | 'done'> {
  let stopping: Promise<void> | null = null;
  // Kafka clients outlive the sources: the final checkpoint's offsets are committed after the
  // sources closed, so they disconnect only once the supervisor is done.
  const closeClients = async () => {
    const closing = closeServer();
    await compactor.stop();
    await closeResources();
    await closing;
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
  return { stop, done };
}
