// Dead-letter sink (stack profile): every malformed record goes to `tweets.dlq` or
// `stock-prices.dlq` with its raw value, keyed by its source position, with headers naming the
// reason. Guarantee: a batch is acknowledged by Kafka (acks from all replicas, idempotent
// producer) before its credit returns, so a passing barrier finds it durable.

import type { Actor, ActorContext, ActorFactory } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { createKafka, topicNames } from '../../io/kafka/client.js';
import { sharedProducer } from '../../io/kafka/producer.js';
import type { Producer } from 'kafkajs';
import type { DlqSinkMessage, DlqSinkOptions } from './protocol.js';


const createDlqSink: ActorFactory = (options, self) => {
  const o = options as DlqSinkOptions;
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let ctx!: ActorContext;
  let producer!: Producer;
  const names = topicNames(o.topicPrefix);
  const dlqTopic = (topic: string) => (topic === 'tweets' ? names.tweetsDlq : names.pricesDlq);

  const actor: Actor = {
    async init(c) {
      ctx = c;
      producer = await sharedProducer(`dlq/${o.brokers.join(',')}`, createKafka({ brokers: o.brokers, clientId: `cashtag-${o.pipeline}-dlq` }, c.log), o.brokers);
    },
    async handle(records) {
      const byTopic = new Map<string, DlqSinkMessage[]>();
      for (const d of records as DlqSinkMessage[]) byTopic.set(dlqTopic(d.topic), [...(byTopic.get(dlqTopic(d.topic)) ?? []), d]);
      const end = ctx.metrics.sinkLatency.startTimer({ ...labels, sink: 'dlq' });
      try {
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, ds]) => ({
            topic,
            messages: ds.map((d) => ({
              key: `${d.partition}:${d.offset}`,
              value: d.raw,
              headers: { reason: d.reason, detail: d.detail, 'source-topic': d.topic, 'source-partition': String(d.partition), 'source-offset': String(d.offset) },
            })),
          })),
        });
      } catch (e) {
        ctx.metrics.sinkErrors.inc({ ...labels, sink: 'dlq' });
        throw e;
      }
      end();
      for (const [topic, ds] of byTopic) ctx.metrics.sinkWrites.inc({ ...labels, sink: 'dlq', table: topic }, ds.length);
    },
  };
  return actor;
};

export default createDlqSink;
