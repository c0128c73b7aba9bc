// kafkajs clients for cashtag: one place for broker settings, retry and logging. kafkajs' own
// log lines go through our structured logger.
import kafkajs, { type Kafka, type logCreator } from 'kafkajs';
import type { Logger } from '../../runtime/actor.js';
import { retry } from '../../runtime/backoff.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

/**
 * Kafka topic names. The seed's names are the default; a prefix (KAFKA_TOPIC_PREFIX) lets
 * several pipelines or test runs share a cluster. Records keep the logical names.
 */
/** The speed layer's repartition topic (ANALYTICS_SHUFFLE=kafka): analytics inputs keyed by symbol. */
export const SHUFFLE_TOPIC = 'speed-analytics-repartition';

export function topicNames(prefix = '') {
  return { tweets: `${prefix}tweets`, prices: `${prefix}stock-prices`, tweetsDlq: `${prefix}tweets.dlq`, pricesDlq: `${prefix}stock-prices.dlq`, alerts: `${prefix}alerts`, shuffle: `${prefix}${SHUFFLE_TOPIC}` } as const;
}
export type TopicNames = ReturnType<typeof topicNames>;

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** kafkajs' retries (connections, metadata, requests); default: 6 within ~15 s. */
  retry?: { initialRetryTime: number; maxRetryTime: number; multiplier: number; factor: number; retries: number };
}

export function createKafka(s: KafkaSettings, log: Logger): Kafka {
  const toLogger: logCreator = () => ({ level, log: entry }) => {
    const { message, ...fields } = entry;
    const f = { component: 'kafkajs', ...fields };
    if (level <= logLevel.ERROR) log.error(message, f);
    else if (level === logLevel.WARN) log.warn(message, f);
  };
  return new KafkaClient({
    clientId: s.clientId,
    brokers: s.brokers,
    logLevel: logLevel.WARN,
    logCreator: toLogger,
    connectionTimeout: 3_000,
    // kafkajs' own retrier is jittered exponential backoff; cashtag's (runtime/backoff.ts)
    // wraps the calls that must name the server and setting when they finally fail.
    retry: s.retry ?? { initialRetryTime: 300, retries: 6, maxRetryTime: 5_000, factor: 0.2, multiplier: 2 },
  });
}

/** The Kafka error for an operator: which brokers, which setting. */
export function kafkaUnreachable(brokers: string[], e: unknown): Error {
  return new Error(`Kafka at ${brokers.join(',')} (KAFKA_BROKERS) is not reachable: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/**
 * kafkajs marks the errors worth another try (a leader or coordinator that moved or is not
 * elected yet, a timeout); its admin calls give up on some of them at once (fetchTopicOffsets
 * bails on NOT_LEADER_FOR_PARTITION, which a topic created a moment ago answers).
 */
export function kafkaRetriable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { retriable?: unknown }).retriable === true;
}

/** An admin call retried with backoff while Kafka answers with a retriable error; `what` names it. */
export function retryKafka<T>(what: string, fn: () => Promise<T>): Promise<T> {
  return retry(`Kafka ${what}`, fn, { attempts: 8, backoff: { minMs: 200, maxMs: 3_000, jitter: 0.2 }, isRetriable: kafkaRetriable });
}
