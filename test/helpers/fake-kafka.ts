// Stand-ins for Kafka in actor unit tests. The Kafka sinks take their producer and partition
// writers from io/kafka's per-thread registries (sharedProducer, sharedPartitionWriter) by key;
// a test puts its fakes there under the keys the actor will ask for, before the actor starts
// (provideProducer, provideHub in consumer-hub.ts, a partition writer with a fake tail).
import type { Message, Producer, ProducerRecord } from 'kafkajs';
import { sharedPartitionWriter } from '../../src/io/kafka/ordered-partition-writer.js';
import type { TailMessage } from '../../src/io/kafka/partition-tail.js';
import { provideProducer as provideSharedProducer } from '../../src/io/kafka/producer.js';

export interface Sent {
  topic: string;
  acks: number | undefined;
  messages: Message[];
}

/** A producer that records every send (and fails the next `failNext` sends). */
export function fakeProducer() {
  const sent: Sent[] = [];
  const state = { failNext: 0 };
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: async (r: ProducerRecord) => {
      if (state.failNext > 0) {
        state.failNext--;
        throw new Error('broker not available');
      }
      sent.push({ topic: r.topic, acks: r.acks, messages: r.messages });
      return [];
    },
  } as unknown as Producer;
  return { producer, sent, state };
}

/** Register `producer` as the shared producer of `key` (what `sharedProducer(key, ...)` in an actor will return). */
export function provideProducer(key: string, producer: Producer): void {
  provideSharedProducer(key, producer);
}

/** Register the partition writer of (cluster, topic, partition) with a tail the test gives (the partition's last message). */
export function provideTail(cluster: string, topic: string, partition: number, last: () => TailMessage | null): void {
  sharedPartitionWriter(cluster, topic, partition, async () => last());
}

/** The last message the fake producer wrote to (topic, partition): what a tail read would find in Kafka. */
export const lastIn = (sent: Sent[], topic: string, partition: number) => (): TailMessage | null => {
  const ms = sent.filter((s) => s.topic === topic).flatMap((s) => s.messages).filter((m) => m.partition === partition);
  const m = ms.at(-1);
  return m ? { offset: ms.length - 1, headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])) } : null;
};
