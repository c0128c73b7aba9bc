// Config -> the settings of each adapter the speed layer opens: the lake, the serving store and
// the Kafka consumer-group member. The topology (speed.ts) reads these, not Config's fields.
import { join } from 'node:path';
import type { Config } from '../config.js';
import { PRICES_TOPIC, TWEETS_TOPIC } from '../domain/records.js';
import { SHUFFLE_TOPIC } from '../io/kafka/client.js';
import type { FileSpec } from '../io/files/record-file.js';
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

/** The tweets file of `--file` (run and produce), with its column mapping. */
export function tweetsFileSpec(cfg: Config, path: string): FileSpec {
  return { path, topic: TWEETS_TOPIC, columns: cfg.columns, symbol: null, setting: 'TWEETS_FILE (--file)' };
}

/** The prices file of `--prices-file` (or `produce prices --file`), with its mapping and symbol. */
export function pricesFileSpec(cfg: Config, path: string, setting: string): FileSpec {
  return { path, topic: PRICES_TOPIC, columns: cfg.priceColumns, symbol: cfg.symbol, setting };
}
