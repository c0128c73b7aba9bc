// Stand-ins for Kafka in actor unit tests. The Kafka sinks and sources take their clients from
// the resource scope of their context, by key (io/kafka: consumerHub, kafkaProducer, tailReader,
// partitionWriter); a test puts its fakes into that scope under the keys the actor will ask for,
// before the actor starts.
import type { Producer, Message, ProducerRecord } from 'kafkajs';
import { hubKey, type ConsumerHub, type HubSettings } from '../../src/io/kafka/consumer-hub.js';
import { OrderedPartitionWriter, partitionWriterKey } from '../../src/io/kafka/ordered-partition-writer.js';
import type { TailMessage } from '../../src/io/kafka/partition-tail.js';
import { producerKey } from '../../src/io/kafka/producer.js';
import type { Resources } from '../../src/runtime/resources.js';

export interface Sent {
  topic: string;
  acks: number | undefined;
  messages: Message[];
}

/** A producer that records every send (and fails the next `failNext` sends). */
export function fakeProducer() {
  const sent: Sent[] = [];
  // failNext: sends to fail; held: sends wait for it (an acknowledgement that has not come yet).
  const state: { failNext: number; held: Promise<void> | null } = { failNext: 0, held: null };
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: async (r: ProducerRecord) => {
      if (state.held) await state.held;
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

/** Put `producer` into `scope` as the producer of `role` on `brokers` (what `kafkaProducer` in an actor will return). */
export async function provideProducer(scope: Resources, role: string, brokers: string[], producer: Producer): Promise<void> {
  await scope.get(producerKey(role, brokers), () => producer);
}

/** Put a partition writer of (brokers, topic, partition) into `scope`, with a tail the test gives (the partition's last message). */
export async function provideTail(scope: Resources, brokers: string[], topic: string, partition: number, last: () => TailMessage | null): Promise<void> {
  await scope.get(partitionWriterKey(brokers, topic, partition), () => new OrderedPartitionWriter(topic, partition, async () => last()));
}

/** Put `hub` into `scope` as the consumer hub of these settings (what `consumerHub` in a source will return). */
export async function provideHub(scope: Resources, s: Pick<HubSettings, 'brokers' | 'groupId' | 'topicPrefix'>, hub: ConsumerHub): Promise<void> {
  await scope.get(hubKey(s), () => hub);
}

/** The last message the fake producer wrote to (topic, partition): what a tail read would find in Kafka. */
export const lastIn = (sent: Sent[], topic: string, partition: number) => (): TailMessage | null => {
  const ms = sent.filter((s) => s.topic === topic).flatMap((s) => s.messages).filter((m) => m.partition === partition);
  const m = ms.at(-1);
  return m ? { offset: ms.length - 1, headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])) } : null;
};
