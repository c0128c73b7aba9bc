// An idempotent kafkajs producer (acks from all in-sync replicas), shared per resource scope,
// cluster and role.
import type { Kafka, Producer } from 'kafkajs';
import type { Resources } from '../../runtime/resources.js';
import { kafkaUnreachable } from './client.js';

/**
 * kafkajs' retries of one send, as many as fill `budgetMs` (backoff 0.3 s doubling to 5 s). They
 * are the idempotent producer's own, so a batch resent after a broker restart keeps its sequence
 * numbers and is written once; a send retried by the caller would get new ones (duplicates).
 */
export function sendRetries(budgetMs: number): { initialRetryTime: number; maxRetryTime: number; multiplier: number; factor: number; retries: number } {
  let retries = 0;
  for (let waited = 0, delay = 300; waited < budgetMs; retries++, delay = Math.min(5_000, delay * 2)) waited += delay;
  return { initialRetryTime: 300, maxRetryTime: 5_000, multiplier: 2, factor: 0.2, retries };
}

export async function connectProducer(kafka: Kafka, brokers: string[], o: { retryBudgetMs?: number } = {}): Promise<Producer> {
  const retry = o.retryBudgetMs ? sendRetries(o.retryBudgetMs) : undefined;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false, retry });
  await producer.connect().catch((e: unknown) => {
    throw kafkaUnreachable(brokers, e);
  });
  return producer;
}

/** The key of a producer in a resource scope: one per role (alerts, dlq, shuffle) and cluster. */
export const producerKey = (role: string, brokers: string[]) => `kafka-producer|${role}/${brokers.join(',')}`;

/**
 * The producer of `role` on `brokers` in `scope`, connected on first ask (the Kafka sinks of one
 * thread share a connection per cluster and role); a failed connect is asked again next time.
 * Disconnected with the scope.
 */
export function kafkaProducer(scope: Resources, role: string, brokers: string[], kafka: () => Kafka): Promise<Producer> {
  return scope.get(producerKey(role, brokers), () => connectProducer(kafka(), brokers), (p) => p.disconnect());
}
