// An idempotent kafkajs producer (acks from all in-sync replicas), shared per thread and key.
import type { Kafka, Producer } from 'kafkajs';
import { kafkaUnreachable } from './client.js';

const producers = new Map<string, Promise<Producer>>();

export async function connectProducer(kafka: Kafka, brokers: string[]): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false });
  await producer.connect().catch((e: unknown) => {
    throw kafkaUnreachable(brokers, e);
  });
  return producer;
}

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
