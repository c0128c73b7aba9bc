// Dead-letter sink (stack profile): every malformed record goes to `tweets.dlq` or
// `stock-prices.dlq` with its raw value, keyed by its source position, with headers naming the
// reason.
//
// Guarantee: each dead letter is in its DLQ topic exactly once, through crashes and restarts.
// dlq-sink/p gets input partition p's dead letters in source-offset order and writes them to
// partition p of each DLQ topic, in that order, through an OrderedPartitionWriter: on (re)start
// it reads the partition's last message and skips the dead letters at or before its source
// offset, which the replay from the last checkpoint brings again (the conditions are in
// io/kafka/ordered-partition-writer.ts). A batch is acknowledged by Kafka (all in-sync replicas,
// idempotent producer) before its credit returns, so a barrier passing finds it durable.

import type { Producer } from 'kafkajs';
import { defineActor, type Behavior, type NoOutputs, type TypedContext } from '../../runtime/actor.js';
import { InFlight } from '../../runtime/in-flight.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { createKafka, topicNames } from '../../io/kafka/client.js';
import { partitionWriter, type OrderedPartitionWriter } from '../../io/kafka/ordered-partition-writer.js';
import { tailReader } from '../../io/kafka/partition-tail.js';
import { kafkaProducer } from '../../io/kafka/producer.js';
import { dlqSinkActor, type DlqSinkMessage } from './protocol.js';

/** Dead letters sent and not yet acknowledged before handle() waits (their raw values are in memory). */
const MAX_UNACKNOWLEDGED = 10_000;

const createDlqSink = defineActor(dlqSinkActor, (o, self) => {
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let ctx!: TypedContext<NoOutputs>;
  let producer!: Producer;
  const names = topicNames(o.topicPrefix);
  const dlqTopic = (topic: string) => (topic === 'tweets' ? names.tweetsDlq : names.pricesDlq);
  const writers = new Map<string, OrderedPartitionWriter>();
  // Sends run behind handle() (the first one reads the partition's tail: seconds with kafkajs).
  const sends = new InFlight(MAX_UNACKNOWLEDGED);

  const actor: Behavior<DlqSinkMessage, NoOutputs> = {
    async init(c) {
      ctx = c;
      const kafka = () => createKafka({ brokers: o.brokers, clientId: `cashtag-${o.pipeline}-dlq` }, c.log);
      producer = await kafkaProducer(c.resources, 'dlq', o.brokers, kafka);
      const tail = await tailReader(c.resources, o.brokers, o.topicPrefix, kafka);
      for (const topic of [names.tweetsDlq, names.pricesDlq]) {
        const w = await partitionWriter(c.resources, o.brokers, topic, self.partition, (t, p) => tail.last(t, p));
        w.resync();
        writers.set(topic, w);
      }
    },
    async handle(records) {
      await sends.belowLimit();
      const byTopic = new Map<string, DlqSinkMessage[]>();
      for (const d of records) {
        const t = dlqTopic(d.topic);
        const list = byTopic.get(t);
        if (list) list.push(d);
        else byTopic.set(t, [d]);
      }
      for (const [topic, ds] of byTopic) {
        const end = ctx.metrics.sinkLatency.startTimer({ ...labels, sink: 'dlq' });
        const write = writers.get(topic)!.write(
          producer,
          ds.map((d) => ({
            position: { major: d.offset, minor: '' },
            key: `${d.partition}:${d.offset}`,
            value: d.raw,
            headers: { reason: d.reason, detail: d.detail, 'source-topic': d.topic, 'source-partition': String(d.partition), 'source-offset': String(d.offset) },
          })),
        );
        sends.add(
          write.then(
            (r) => {
              if (r.resumed) ctx.log.info('dead letters resume after the last one in their topic', { topic, partition: self.partition, lastOffset: r.resumed.offset, lastSourceOffset: r.resumed.position?.major ?? null });
              ctx.metrics.sinkWrites.inc({ ...labels, sink: 'dlq', table: topic }, r.written);
              if (r.skipped) ctx.metrics.sinkSkipped.inc({ ...labels, sink: 'dlq', table: topic }, r.skipped);
              end();
            },
            (e: unknown) => {
              ctx.metrics.sinkErrors.inc({ ...labels, sink: 'dlq' });
              throw e;
            },
          ),
          ds.length,
        );
      }
    },
    // A checkpoint covers the dead letters before its barrier once Kafka acknowledged them.
    onBarrier: () => sends.settle(),
    close: () => sends.settle(),
  };
  return actor;
});

export default createDlqSink;
