// Alert sink (stack profile): each alert as JSON on the `alerts` topic, keyed by symbol, with an
// idempotent producer and acks from all replicas; acknowledged before the batch's credit returns.
// The key `symbol@window_end` names the alert, so consumers can drop a replay's repeats.

import type { Producer } from 'kafkajs';
import type { Actor, ActorContext, ActorFactory } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { createKafka, topicNames } from '../../io/kafka/client.js';
import { sharedProducer } from '../../io/kafka/producer.js';
import type { AlertSinkMessage, AlertSinkOptions } from './protocol.js';

export const alertJson = (a: AlertSinkMessage) =>
  JSON.stringify({ topic: a.symbol, window_start: new Date(a.windowStart).toISOString(), window_end: new Date(a.windowEnd).toISOString(), mean_sentiment: a.meanSentiment, tweet_count: a.tweetCount, open_price: a.open, close_price: a.close, price_change: a.change });

const createAlertSink: ActorFactory = (options, self) => {
  const o = options as AlertSinkOptions;
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let ctx!: ActorContext;
  let producer!: Producer;
  const TOPICS = topicNames(o.topicPrefix);

  const actor: Actor = {
    async init(c) {
      ctx = c;
      producer = await sharedProducer(`alerts/${o.brokers.join(',')}`, createKafka({ brokers: o.brokers, clientId: `cashtag-${o.pipeline}-alerts` }, c.log), o.brokers);
    },
    async handle(records) {
      const alerts = records as AlertSinkMessage[];
      const end = ctx.metrics.sinkLatency.startTimer({ ...labels, sink: 'alerts' });
      try {
        await producer.send({ topic: TOPICS.alerts, acks: -1, messages: alerts.map((a) => ({ key: `${a.symbol}@${a.windowEnd}`, value: alertJson(a) })) });
      } catch (e) {
        ctx.metrics.sinkErrors.inc({ ...labels, sink: 'alerts' });
        throw e;
      }
      end();
      ctx.metrics.sinkWrites.inc({ ...labels, sink: 'alerts', table: TOPICS.alerts }, alerts.length);
    },
  };
  return actor;
};

export default createAlertSink;
