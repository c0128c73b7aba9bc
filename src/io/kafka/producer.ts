// An idempotent kafkajs producer (acks from all in-sync replicas), shared per thread and key.
import type { Kafka, Producer } from 'kafkajs';
import { kafkaUnreachable } from './client.js';

const producers = new Map<string, Promise<Producer>>();

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

/** Make `producer` the one `sharedProducer(key, ...)` returns on this thread (a test's fake, or one the composition root connected). */
export function provideProducer(key: string, producer: Producer): void {
  producers.set(key, Promise.resolve(producer));
}

/**
 * The producer of `key` on this thread, connected on first use. A per-thread registry: the Kafka
 * sinks of one thread share a connection per cluster and role; `provideProducer` puts one there first.
 */
export function sharedProducer(key: string, kafka: Kafka, brokers: string[]): Promise<Producer> {
  let p = producers.get(key);
  if (!p) {
    p = connectProducer(kafka, brokers);
    p.catch(() => producers.delete(key));
    producers.set(key, p);
  }
  return p;
}

export async function closeSharedProducers(): Promise<void> {
  const all = [...producers.values()];
  producers.clear();
  await Promise.all(all.map(async (p) => (await p.catch(() => null))?.disconnect()));
}
