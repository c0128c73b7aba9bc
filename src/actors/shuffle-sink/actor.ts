// Shuffle sink (ANALYTICS_SHUFFLE=kafka): the write half of the speed layer's repartition through
// Kafka, as Kafka Streams does it. Input partition p's rows are written to the repartition topic's
// partition of their symbol (runtime/partitioner.ts), one message per target partition and
// batch; the watermark of partition p follows as a marker to every partition (at most every
// 100 ms, and at each barrier), and so does the word that p is idle (its sources have nothing to
// read), so readers stop waiting for p's watermark. Writes are acknowledged by all in-sync replicas before the batch's
// credit returns, so a checkpoint barrier passing this sink means its rows are in Kafka.
// A replay after a failover writes rows again; the reading side drops what it has seen by
// origin offset (shuffle-source).

import type { Producer } from 'kafkajs';
import { UNTAGGED_TOPIC } from '../../domain/cashtags.js';
import type { PriceRow, TweetRow } from '../../domain/records.js';
import { defineActor, type Behavior, type NoOutputs, type TypedContext } from '../../runtime/actor.js';
import { encodeOwned } from '../../runtime/codec.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { partitionFor } from '../../runtime/partitioner.js';
import { createKafka, topicNames } from '../../io/kafka/client.js';
import { kafkaProducer } from '../../io/kafka/producer.js';
import { shuffleSinkActor, type ShuffleMessage, type ShuffleSinkMessage } from './protocol.js';

const MARKER_EVERY_MS = 100;

const createShuffleSink = defineActor(shuffleSinkActor, (o, self) => {
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  const topic = topicNames(o.topicPrefix).shuffle;
  let ctx!: TypedContext<NoOutputs>;
  let producer!: Producer;
  let watermark = Number.NEGATIVE_INFINITY;
  let sentWatermark = Number.NEGATIVE_INFINITY;
  let markerTimer: (() => void) | null = null;
  let markers: Promise<void> = Promise.resolve();
  let markerError: unknown = null;

  const send = async (messages: { partition: number; value: Buffer }[]) => {
    const end = ctx.metrics.sinkLatency.startTimer({ ...labels, sink: 'shuffle' });
    try {
      await producer.send({ topic, acks: -1, messages });
    } catch (e) {
      ctx.metrics.sinkErrors.inc({ ...labels, sink: 'shuffle' });
      throw e;
    }
    end();
  };

  /** Send the latest watermark to every partition (chained, so markers stay in order). */
  const sendMarker = (): Promise<void> => {
    markerTimer?.();
    markerTimer = null;
    const w = watermark;
    if (w <= sentWatermark) return markers;
    sentWatermark = w;
    const value = Buffer.from(encodeOwned({ o: self.partition, w } satisfies ShuffleMessage));
    markers = markers.then(() => send(Array.from({ length: o.partitions }, (_, partition) => ({ partition, value }))));
    return markers;
  };

  const throwIfMarkerFailed = () => {
    if (markerError !== null) throw markerError;
  };

  const actor: Behavior<ShuffleSinkMessage, NoOutputs> = {
    async init(c) {
      ctx = c;
      producer = await kafkaProducer(c.resources, 'shuffle', o.brokers, () => createKafka({ brokers: o.brokers, clientId: `cashtag-${o.pipeline}-shuffle` }, c.log));
    },

    async handle(records) {
      throwIfMarkerFailed();
      const byTarget = new Map<number, { t: TweetRow[]; p: PriceRow[] }>();
      const target = (symbol: string) => {
        const q = partitionFor(symbol, o.partitions);
        let b = byTarget.get(q);
        if (!b) byTarget.set(q, (b = { t: [], p: [] }));
        return b;
      };
      let rows = 0;
      for (const r of records) {
        if (r.kind === 'tweet-row') {
          if (r.topic === UNTAGGED_TOPIC) continue;
          target(r.topic).t.push(r);
        } else target(r.symbol).p.push(r);
        rows++;
      }
      if (rows === 0) return;
      await send([...byTarget].map(([partition, b]) => ({ partition, value: Buffer.from(encodeOwned({ o: self.partition, ...(b.t.length ? { t: b.t } : {}), ...(b.p.length ? { p: b.p } : {}) } satisfies ShuffleMessage)) })));
      ctx.metrics.sinkWrites.inc({ ...labels, sink: 'shuffle', table: topic }, rows);
    },

    async onIdle() {
      throwIfMarkerFailed();
      await sendMarker();
      const value = Buffer.from(encodeOwned({ o: self.partition, idle: true } satisfies ShuffleMessage));
      markers = markers.then(() => send(Array.from({ length: o.partitions }, (_, partition) => ({ partition, value }))));
      await markers;
    },

    onWatermark(wm) {
      watermark = wm;
      markerTimer ??= ctx.schedule(MARKER_EVERY_MS, () => {
        sendMarker().catch((e: unknown) => (markerError = e));
      });
    },

    async onBarrier() {
      throwIfMarkerFailed();
      await sendMarker();
    },

    async close() {
      await sendMarker();
    },
  };
  return actor;
});

export default createShuffleSink;
