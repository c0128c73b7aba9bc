// kafka-source: takes no input; emits RawRecords of topics `tweets` and `stock-prices`,
// partition p (the two topics are co-partitioned by symbol).
import { actorRef } from '../../runtime/actor.js';
import type { SourceRecord } from '../../domain/records.js';

import type { HubSettings } from '../../io/kafka/consumer-hub.js';

export interface KafkaSourceOptions {
  pipeline: string;
  /** The consumer group member this process shares (the pipeline starts it first). */
  hub: HubSettings;
  batchSize: number;
  /** A topic partition with nothing to read for this long (and caught up) is declared idle; 0 = never. */
  idleTimeoutMs: number;
  /**
   * `--until-drained`: each topic's end offset per partition, read at start-up; the source reads
   * up to there and then ends its stream. Null: it reads on until stopped.
   */
  endOffsets: { tweets: number[]; prices: number[] } | null;
}

/** Snapshot: the next offset to read of each topic in this partition (null: nothing read yet). */
export interface KafkaSourceState {
  tweets: number | null;
  prices: number | null;
}

/** What the actor emits, by output. */
export type KafkaSourceOutputs = { out: SourceRecord };

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const kafkaSourceActor = actorRef<KafkaSourceOptions, never, KafkaSourceOutputs>(new URL('./actor.js', import.meta.url).href);
