// Config -> the settings of each adapter the speed layer opens (the lake, the serving store, the
// Kafka consumer-group member) and the options of each of its actors. The topology (speed.ts)
// reads these, not Config's fields.
import { join } from 'node:path';
import type { AlertSinkOptions } from '../actors/alert-sink/protocol.js';
import type { BronzeSinkOptions } from '../actors/bronze-sink/protocol.js';
import type { DlqSinkOptions } from '../actors/dlq-sink/protocol.js';
import type { FileSourceOptions } from '../actors/file-source/protocol.js';
import type { GeneratorSourceOptions } from '../actors/generator-source/protocol.js';
import type { JoinOptions } from '../actors/join/protocol.js';
import type { KafkaSourceOptions } from '../actors/kafka-source/protocol.js';
import type { LakeSinkOptions } from '../actors/lake-sink/protocol.js';
import type { ParseOptions } from '../actors/parse/protocol.js';
import type { SentimentOptions } from '../actors/sentiment/protocol.js';
import type { ShuffleSinkOptions } from '../actors/shuffle-sink/protocol.js';
import type { ShuffleSourceOptions } from '../actors/shuffle-source/protocol.js';
import type { StoreSinkOptions } from '../actors/store-sink/protocol.js';
import type { WindowsOptions } from '../actors/windows/protocol.js';
import type { Config } from '../config.js';
import { PRICES_TOPIC, TWEETS_TOPIC } from '../domain/records.js';
import { DEFAULT_WINDOW } from '../domain/windows.js';
import { SHUFFLE_TOPIC } from '../io/kafka/client.js';
import type { FileSpec, ResolvedFile } from '../io/files/record-file.js';
import type { HubSettings } from '../io/kafka/consumer-hub.js';
import type { LakeSettings } from '../io/lake/open.js';
import type { StoreSettings } from '../io/store/open.js';

export const PIPELINE = 'speed';

/** The lake of the profile: S3 when S3_ENDPOINT is set, else DATA_DIR/lake. */
export function lakeSettings(cfg: Config): LakeSettings {
  const bucketPrefix = cfg.lakeBucketPrefix || undefined;
  return cfg.s3Endpoint
    ? // An outage of the object store is ridden out like one of the serving store: the sinks retry
      // within SINK_RETRY_BUDGET, holding their sources back, before the pipeline fails over.
      { kind: 's3', endpoint: cfg.s3Endpoint, accessKey: cfg.s3AccessKey, secretKey: cfg.s3SecretKey, region: cfg.s3Region, scratchDir: join(cfg.dataDir, 'scratch'), bucketPrefix, retryBudgetMs: cfg.sinkRetryBudget * 1000 }
    : { kind: 'local', root: join(cfg.dataDir, 'lake'), bucketPrefix };
}

/** The serving store of the profile: Cassandra when CASSANDRA_CONTACT_POINTS is set, else LMDB. */
export function storeSettings(cfg: Config): StoreSettings {
  return cfg.cassandraContactPoints.length > 0
    ? { kind: 'cassandra', contactPoints: cfg.cassandraContactPoints, localDc: cfg.cassandraLocalDc, keyspace: cfg.cassandraKeyspace, ttlSeconds: cfg.cassandraTtl * 3600 }
    : { kind: 'lmdb', path: join(cfg.dataDir, 'serving-store') };
}

/** The consumer group member of a speed layer reading Kafka (shared by its sources). */
export function hubSettings(cfg: Config, shuffle: boolean): HubSettings {
  return {
    pipeline: PIPELINE,
    brokers: cfg.kafkaBrokers,
    groupId: cfg.kafkaGroupId,
    topicPrefix: cfg.kafkaTopicPrefix,
    highWater: cfg.batchSize * 8,
    lowWater: cfg.batchSize * 2,
    topics: shuffle ? [TWEETS_TOPIC, PRICES_TOPIC, SHUFFLE_TOPIC] : [TWEETS_TOPIC, PRICES_TOPIC],
    sessionTimeoutMs: cfg.kafkaSessionTimeout * 1000,
  };
}

/**
 * Where the speed layer reads from: the embedded generator, Kafka with P partitions, or files
 * replayed as partition 0 of both topics (`--file`, `--prices-file`; resolved by `fileInput`).
 */
export type Input =
  | { kind: 'generator' }
  | { kind: 'kafka'; partitions: number; endOffsets?: KafkaSourceOptions['endOffsets'] }
  | { kind: 'file'; tweets: ResolvedFile | null; prices: ResolvedFile | null };

/** The tweets file of `--file` (run and produce), with its column mapping. */
export function tweetsFileSpec(cfg: Config, path: string): FileSpec {
  return { path, topic: TWEETS_TOPIC, columns: cfg.columns, symbol: null, setting: 'TWEETS_FILE (--file)' };
}

/** The prices file of `--prices-file` (or `produce prices --file`), with its mapping and symbol. */
export function pricesFileSpec(cfg: Config, path: string, setting: string): FileSpec {
  return { path, topic: PRICES_TOPIC, columns: cfg.priceColumns, symbol: cfg.symbol, setting };
}

/** Windows and join read the repartition topic (Kafka input, analytics on, ANALYTICS_SHUFFLE=kafka). */
export const shufflesThroughKafka = (cfg: Config, input: Input): boolean => input.kind === 'kafka' && cfg.analytics && cfg.analyticsShuffle === 'kafka';

/** Input partitions: the topics' (Kafka) or PARTITIONS (generator). Every stage has this many instances. */
// A file is one partition of each topic: record ids `t0-<i>`, `p0-<i>` with i its index in the file.
export const inputPartitions = (cfg: Config, input: Input): number => (input.kind === 'kafka' ? input.partitions : input.kind === 'file' ? 1 : cfg.partitions);

/** Every speed-layer actor's options, each of its actor's own type. */
export interface SpeedOptions {
  generator: GeneratorSourceOptions;
  kafkaSource: KafkaSourceOptions;
  /** Null unless the input is files. */
  fileSource: FileSourceOptions | null;
  parse: ParseOptions;
  sentiment: SentimentOptions;
  bronze: BronzeSinkOptions;
  store: StoreSinkOptions;
  /** The Kafka topics dead letters and alerts are written to. */
  topics: DlqSinkOptions & AlertSinkOptions;
  windows: WindowsOptions;
  join: JoinOptions;
  lakeSink(table: LakeSinkOptions['table'], tag: string): LakeSinkOptions;
  shuffleSink: ShuffleSinkOptions;
  shuffleSource: ShuffleSourceOptions;
}

/** The generator's options: P partitions, event time from `epochMs` at the offered rate. */
export function generatorOptions(cfg: Config, epochMs: number, P: number): GeneratorSourceOptions {
  // Event time advances at the offered rate, so a live run's event time follows the wall clock.
  const eventRate = cfg.eventRate > 0 ? cfg.eventRate : cfg.rate > 0 ? cfg.rate : 1000;
  const generator = {
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
  };
  const limit = cfg.events < 0 ? -1 : Math.ceil(cfg.events / P);
  return { pipeline: PIPELINE, generator, tweetRate: cfg.rate / P, pricesPerTweet: cfg.pricesPerTweet, limit, batchSize: cfg.batchSize, lingerMs: cfg.lingerMs };
}

/** Config -> the options of every actor of the speed layer. */
export function speedOptions(cfg: Config, epochMs: number, input: Input): SpeedOptions {
  const P = inputPartitions(cfg, input);
  const kafkaShuffle = shufflesThroughKafka(cfg, input);
  const lake = lakeSettings(cfg);
  const hub = hubSettings(cfg, kafkaShuffle);
  const fileRoll = { maxRowsPerFile: cfg.fileMaxRows, maxFileAgeMs: cfg.fileMaxAge * 1000 };
  const topics = { pipeline: PIPELINE, brokers: cfg.kafkaBrokers, topicPrefix: cfg.kafkaTopicPrefix };
  return {
    generator: generatorOptions(cfg, epochMs, P),
    fileSource: input.kind === 'file' ? { pipeline: PIPELINE, tweets: input.tweets, prices: input.prices, rate: cfg.rate, batchSize: cfg.batchSize, lingerMs: cfg.lingerMs } : null,
    kafkaSource: { pipeline: PIPELINE, hub, batchSize: cfg.batchSize, idleTimeoutMs: cfg.idleTimeout * 1000, endOffsets: input.kind === 'kafka' ? (input.endOffsets ?? null) : null },
    parse: { pipeline: PIPELINE, allowedLatenessMs: cfg.allowedLateness * 1000 },
    // Slim scores for the windows, unless the windows read the repartition topic.
    sentiment: { pipeline: PIPELINE, minBatch: 64, maxBatch: 512, lingerMs: cfg.lingerMs, maxInFlight: 2, analytics: cfg.analytics && !kafkaShuffle },
    bronze: { pipeline: PIPELINE, lake, ...fileRoll },
    // Cassandra is the store of record (bounded by CASSANDRA_TTL); retention bounds the embedded store.
    store: { pipeline: PIPELINE, store: storeSettings(cfg), retentionMs: cfg.cassandraContactPoints.length > 0 ? 0 : cfg.storeRetention * 60_000, maxRowsPerSymbol: cfg.storeMaxRows, retryBudgetMs: cfg.sinkRetryBudget * 1000 },
    topics,
    windows: { pipeline: PIPELINE, window: DEFAULT_WINDOW, alerts: { sentimentBelow: cfg.alertSentimentBelow, priceDrop: cfg.alertPriceDrop } },
    // Through Kafka, the join's pending tweets are in its snapshot (they are not in partition q's bronze).
    join: { pipeline: PIPELINE, lookbackMs: cfg.joinLookback * 3_600_000, lake: kafkaShuffle ? undefined : lake },
    lakeSink: (table, tag) => ({ pipeline: PIPELINE, lake, table, tag, ...fileRoll }),
    shuffleSink: { ...topics, partitions: P },
    shuffleSource: { pipeline: PIPELINE, hub, batchMessages: 64, partitions: P },
  };
}
