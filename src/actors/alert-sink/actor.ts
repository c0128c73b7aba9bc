// Alert sink (stack profile): each alert as JSON on the `alerts` topic, keyed `symbol@window_end`,
// with an idempotent producer and acks from all replicas; acknowledged before the batch's credit
// returns.
//
// Guarantee: each alert is in the topic exactly once, through crashes and restarts. alert-sink/p
// gets the alerts of windows/p, which emits windows in (window end, symbol) order (each
// watermark advance emits only windows ending after the last one emitted, sorted), and writes
// them to partition p of the topic in that order through an OrderedPartitionWriter: on (re)start
// it reads the partition's last alert and skips those at or before it, which the replay from the
// last checkpoint brings again (conditions in io/kafka/ordered-partition-writer.ts). All alerts of
// a symbol come from one windows instance, so they stay in order in one partition.

import type { Producer } from 'kafkajs';
import { defineActor, type Behavior, type NoOutputs, type TypedContext } from '../../runtime/actor.js';
import { InFlight } from '../../runtime/in-flight.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { createKafka, topicNames } from '../../io/kafka/client.js';
import { partitionWriter, type OrderedPartitionWriter } from '../../io/kafka/ordered-partition-writer.js';
import { tailReader } from '../../io/kafka/partition-tail.js';
import { kafkaProducer } from '../../io/kafka/producer.js';
import { alertSinkActor, type AlertSinkMessage } from './protocol.js';

export const alertJson = (a: AlertSinkMessage) =>
  JSON.stringify({ topic: a.symbol, window_start: new Date(a.windowStart).toISOString(), window_end: new Date(a.windowEnd).toISOString(), mean_sentiment: a.meanSentiment, tweet_count: a.tweetCount, open_price: a.open, close_price: a.close, price_change: a.change });

/** Alerts sent and not yet acknowledged before handle() waits. */
const MAX_UNACKNOWLEDGED = 10_000;

const createAlertSink = defineActor(alertSinkActor, (o, self) => {
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let ctx!: TypedContext<NoOutputs>;
  let producer!: Producer;
  let writer!: OrderedPartitionWriter;
  const TOPICS = topicNames(o.topicPrefix);
  // Sends run behind handle() (the first one reads the partition's tail: seconds with kafkajs).
  const sends = new InFlight(MAX_UNACKNOWLEDGED);

  const actor: Behavior<AlertSinkMessage, NoOutputs> = {
    async init(c) {
      ctx = c;
      const kafka = () => createKafka({ brokers: o.brokers, clientId: `cashtag-${o.pipeline}-alerts` }, c.log);
      producer = await kafkaProducer(c.resources, 'alerts', o.brokers, kafka);
      const tail = await tailReader(c.resources, o.brokers, o.topicPrefix, kafka);
      writer = await partitionWriter(c.resources, o.brokers, TOPICS.alerts, self.partition, (t, p) => tail.last(t, p));
      writer.resync();
    },
    async handle(records) {
      await sends.belowLimit();
      const end = ctx.metrics.sinkLatency.startTimer({ ...labels, sink: 'alerts' });
      const write = writer.write(producer, records.map((a) => ({ position: { major: a.windowEnd, minor: a.symbol }, key: `${a.symbol}@${a.windowEnd}`, value: alertJson(a) })));
      sends.add(
        write.then(
          (r) => {
            if (r.resumed) ctx.log.info('alerts resume after the last one in their topic', { topic: TOPICS.alerts, partition: self.partition, lastOffset: r.resumed.offset, lastAlert: r.resumed.position ? `${r.resumed.position.minor}@${r.resumed.position.major}` : null });
            ctx.metrics.sinkWrites.inc({ ...labels, sink: 'alerts', table: TOPICS.alerts }, r.written);
            if (r.skipped) ctx.metrics.sinkSkipped.inc({ ...labels, sink: 'alerts', table: TOPICS.alerts }, r.skipped);
            end();
          },
          (e: unknown) => {
            ctx.metrics.sinkErrors.inc({ ...labels, sink: 'alerts' });
            throw e;
          },
        ),
        records.length,
      );
    },
    // A checkpoint covers the alerts before its barrier once Kafka acknowledged them.
    onBarrier: () => sends.settle(),
    close: () => sends.settle(),
  };
  return actor;
});

export default createAlertSink;
